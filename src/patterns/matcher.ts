// Chart matcher: for a compiled node and a start position it computes every reachable end position
// with the best hypothesis for it, memoised on (node, position) for the whole input. Exhaustive,
// so a match is found whenever one exists; the best one maximises matched/total + Σ$weight, where
// matched and total count the letters of words (docs/patterns.md "Ranking").
import type { CNode, NodeInfo, TrieNode } from "./compiled.js";
import { stem, stems } from "./morphology.js";
import { numberEnds } from "./numbers.js";
import { normalizeWord, type Token } from "./tokenizer.js";
import { riskyRegexps } from "./regex-safety.js";

/** Parse-tree fragments, concatenated in O(1) and flattened only for reported matches. */
export type Frag =
  | null
  | { t: 0; a: Frag; b: Frag }
  | { t: 1; info: NodeInfo; s: number; e: number; body: Frag; value?: unknown; hasValue: boolean }
  | { t: 2; v: string };

export interface Hyp {
  m: number; // letters of the tokens matched by literal-like elements
  k: number; // how many tokens those are: decides between equal letter counts
  w: number; // Σ $weight
  f: Frag;
}
/**
 * The end positions a (node, start) can reach, each with its best hypothesis, in insertion order:
 * iteration order decides between hypotheses of equal rank, so it is part of the result. Most hold
 * one or two ends, so they are a flat array [e0, h0, e1, h1, …] rather than a Map (a Map per
 * (node, position) was the largest allocation of a match: docs/patterns.md); an end is found by a
 * scan, or by an index once there are many (a long input's `*`). Never changed once memoised.
 */
class Ends {
  private index: Map<number, number> | undefined;

  /** `at` holds distinct ends. */
  constructor(private at: (number | Hyp)[] = []) {
    if (at.length > INDEX_FROM) this.indexAll();
  }

  private indexAll(): void {
    this.index = new Map();
    for (let j = 0; j < this.at.length; j += 2) this.index.set(this.at[j] as number, j);
  }

  get size(): number {
    return this.at.length >> 1;
  }

  /** The i-th end in insertion order (0 ≤ i < size) and its hypothesis. */
  endAt(i: number): number {
    return this.at[2 * i] as number;
  }

  hypAt(i: number): Hyp {
    return this.at[2 * i + 1] as Hyp;
  }

  /** Where end `e` is in `at`, or -1. */
  private find(e: number): number {
    if (this.index !== undefined) return this.index.get(e) ?? -1;
    const at = this.at;
    for (let i = 0; i < at.length; i += 2) if (at[i] === e) return i;
    return -1;
  }

  has(e: number): boolean {
    return this.find(e) >= 0;
  }

  get(e: number): Hyp | undefined {
    const i = this.find(e);
    return i < 0 ? undefined : (this.at[i + 1] as Hyp);
  }

  /** As Map.set: a known end keeps its place. */
  set(e: number, h: Hyp): void {
    const i = this.find(e);
    if (i >= 0) {
      this.at[i + 1] = h;
      return;
    }
    if (this.at.length === 0) {
      this.at = [e, h]; // most hold one end: a push would reserve 17 slots
      return;
    }
    this.index?.set(e, this.at.length);
    this.at.push(e, h);
    if (this.index === undefined && this.at.length > INDEX_FROM) this.indexAll();
  }
}

/** Array length (two per end) above which an Ends keeps an index of its positions. */
const INDEX_FROM = 32;

const ZERO: Hyp = { m: 0, k: 0, w: 0, f: null };
const NONE: Ends = new Ends();

function cat(a: Frag, b: Frag): Frag {
  if (a === null) return b;
  if (b === null) return a;
  return { t: 0, a, b };
}

export class MatchInput {
  readonly n: number;
  readonly words: number; // non-punctuation tokens
  readonly letters: number; // letters of the non-punctuation tokens: the score's denominator
  private readonly skipTo: number[]; // first non-punctuation position at or after i
  private readonly wc: number[]; // non-punctuation tokens before i
  private readonly lc: number[]; // letters of the non-punctuation tokens before i
  private stems?: string[][];
  private readonly memo = new Map<number, Ends>();
  private readonly invT: number;
  private readonly invW: number;

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
    private readonly skipRiskyRegexps = false,
    /** The turn's clock (Unix ms) for entities relative to now ("завтра"). */
    private readonly now: number = Date.now(),
  ) {
    this.n = tokens.length;
    this.skipTo = new Array<number>(this.n + 1);
    this.skipTo[this.n] = this.n;
    for (let i = this.n - 1; i >= 0; i--) this.skipTo[i] = tokens[i]!.punct ? this.skipTo[i + 1]! : i;
    // Sized up front: grown by push, each would reserve 17 slots or more for a few tokens.
    this.wc = new Array<number>(this.n + 1);
    this.lc = new Array<number>(this.n + 1);
    this.wc[0] = 0;
    this.lc[0] = 0;
    for (let i = 0; i < this.n; i++) {
      const t = tokens[i]!;
      this.wc[i + 1] = this.wc[i]! + (t.punct ? 0 : 1);
      this.lc[i + 1] = this.lc[i]! + (t.punct ? 0 : codePoints(t.norm));
    }
    this.words = this.wc[this.n]!;
    this.letters = this.lc[this.n]!;
    this.invT = this.letters > 0 ? 1 / this.letters : 0;
    this.invW = this.words > 0 ? 1 / this.words : 0;
  }

  key(h: Hyp): number {
    return h.m * this.invT + h.w + this.tokenTie(h);
  }

  /** Between equal letter counts, more matched tokens win (below GLOB_PENALTY and every other tie-breaker). */
  tokenTie(h: Hyp): number {
    return TOKEN_TIE * h.k * this.invW;
  }

  /** put() of every end of `from`, in its order. */
  private putAll(ends: Ends, from: Ends): void {
    for (let i = 0; i < from.size; i++) this.put(ends, from.endAt(i), from.hypAt(i));
  }

  private put(ends: Ends, e: number, h: Hyp): boolean {
    const old = ends.get(e);
    if (old !== undefined && this.key(h) <= this.key(old)) return false;
    ends.set(e, h);
    return true;
  }

  wordsIn(s: number, e: number): number {
    return this.wc[e]! - this.wc[s]!;
  }

  /** What matching the tokens s…e-1 adds to the score's numerator: their letters. */
  lettersIn(s: number, e: number): number {
    return this.lc[e]! - this.lc[s]!;
  }

  private lemmas?: string[];

  /** The token's likeliest lemma, normalised like a token. */
  private lemmaAt(i: number): string {
    this.lemmas ??= this.tokens.map((t) => (t.punct ? "" : normalizeWord(stem(t.norm))));
    return this.lemmas[i]!;
  }

  /** Every lemma the token at i may have. */
  private stemsAt(i: number): string[] {
    this.stems ??= this.tokens.map((t) => (t.punct ? [] : stems(t.norm)));
    return this.stems[i]!;
  }

  /** The best complete match: the node must consume every token except surrounding punctuation. */
  matchWhole(node: CNode): Hyp | null {
    let best: Hyp | null = null;
    for (let s = 0; s <= this.skipTo[0]!; s++) {
      const ends = this.eval(node, s);
      for (let i = 0; i < ends.size; i++) {
        const h = ends.hypAt(i);
        if (this.skipTo[ends.endAt(i)] !== this.n) continue;
        if (best === null || this.key(h) > this.key(best)) best = h;
      }
    }
    return best;
  }

  eval(node: CNode, p: number): Ends {
    const k = node.id * (this.n + 1) + p;
    let r = this.memo.get(k);
    if (r === undefined) {
      r = this.compute(node, p);
      this.memo.set(k, r);
    }
    return r;
  }

  private one(p: number, w = 0): Ends {
    return single(p + 1, { m: this.lettersIn(p, p + 1), k: 1, w, f: null });
  }

  private compute(node: CNode, p: number): Ends {
    const t = this.tokens[p];
    switch (node.k) {
      case "word":
        return t && !t.punct && t.norm === node.w ? this.one(p) : NONE;
      case "glob":
        // A stem (`пин*`) is less specific than a word: between otherwise equal matches the one with
        // more exact words wins (GLOB_PENALTY is far below every other tie-breaker).
        return t && !t.punct && globMatch(t.norm, node.pre, node.suf, node.mids) ? this.one(p, -GLOB_PENALTY) : NONE;
      case "lemma":
        return t && !t.punct && this.stemsAt(p).includes(node.stem) ? this.one(p) : NONE;
      case "morph":
        return t && !t.punct && node.test(t.norm) ? this.one(p) : NONE;
      case "star": {
        const at = new Array<number | Hyp>(2 * (this.n - p + 1));
        for (let e = p; e <= this.n; e++) {
          at[2 * (e - p)] = e;
          at[2 * (e - p) + 1] = ZERO;
        }
        return new Ends(at);
      }
      case "any": {
        const ends = new Ends();
        const max = Math.min(this.n, p + node.max);
        for (let e = p + node.min; e <= max; e++) {
          if (node.words && this.tokens[e - 1]!.punct) continue;
          if (node.garbage && this.wordsIn(p, e) === 0) continue;
          ends.set(e, ZERO);
        }
        return ends;
      }
      case "empty":
        return single(p, ZERO);
      case "never":
        return NONE;
      case "weight":
        return single(p, { m: 0, k: 0, w: node.w, f: null });
      case "seq":
        return this.seq(node.items, p);
      case "alt": {
        const ends = new Ends();
        for (const item of node.items) this.putAll(ends, this.eval(item, p));
        return ends;
      }
      case "opt": {
        const ends = new Ends();
        this.putAll(ends, this.eval(node.item, p));
        this.put(ends, p, ZERO);
        return ends;
      }
      case "perm":
        return this.perm(node.items, p);
      case "named": {
        const ends = new Ends();
        const body = this.eval(node.body, p);
        for (let i = 0; i < body.size; i++) {
          const e = body.endAt(i);
          const h = body.hypAt(i);
          ends.set(e, { m: h.m, k: h.k, w: h.w, f: { t: 1, info: node.info, s: p, e, body: h.f, hasValue: false } });
        }
        return ends;
      }
      case "map": {
        const ends = new Ends();
        const v: Frag = { t: 2, v: node.value };
        const item = this.eval(node.item, p);
        for (let i = 0; i < item.size; i++) {
          const h = item.hypAt(i);
          ends.set(item.endAt(i), { m: h.m, k: h.k, w: h.w, f: cat(h.f, v) });
        }
        return ends;
      }
      case "regex":
        return this.regex(node.re, p);
      case "dict":
        return this.dict(node.info, node.trie, p);
      case "number": {
        const ends = new Ends();
        for (const { end, value } of numberEnds(this.tokens, p)) {
          if (ends.has(end)) continue;
          ends.set(end, { m: this.lettersIn(p, end), k: this.wordsIn(p, end), w: 0, f: { t: 1, info: node.info, s: p, e: end, body: null, value, hasValue: true } });
        }
        return ends;
      }
      case "system": {
        const ends = new Ends();
        for (const { end, value } of node.find(this.tokens, p, this.now)) {
          const old = ends.get(end);
          if (old !== undefined) continue; // the first reading of a span wins
          ends.set(end, { m: this.lettersIn(p, end), k: this.wordsIn(p, end), w: 0, f: { t: 1, info: node.info, s: p, e: end, body: null, value, hasValue: true } });
        }
        return ends;
      }
      case "repeat":
        return this.repeat(node.item, p);
    }
  }

  /** Sequence: punctuation tokens may be skipped before each element. */
  private seq(items: readonly CNode[], p: number): Ends {
    let cur: Ends;
    let from = 0;
    if (items.length > 0 && this.skipTo[p] === p) {
      // No punctuation to skip before the first element: its ends are the sequence's ends so far
      // (ZERO added to each hypothesis changes nothing), shared instead of copied — Ends maps are
      // never changed once computed.
      cur = this.eval(items[0]!, p);
      if (cur.size === 0) return NONE;
      from = 1;
    } else {
      cur = single(p, ZERO);
    }
    for (let i = from; i < items.length; i++) {
      const item = items[i]!;
      const next = new Ends();
      for (let j = 0; j < cur.size; j++) {
        const q = cur.endAt(j);
        const h = cur.hypAt(j);
        for (let s = q; s <= this.skipTo[q]!; s++) {
          const after = this.eval(item, s);
          for (let a = 0; a < after.size; a++) {
            const h2 = after.hypAt(a);
            this.put(next, after.endAt(a), { m: h.m + h2.m, k: h.k + h2.k, w: h.w + h2.w, f: cat(h.f, h2.f) });
          }
        }
      }
      if (next.size === 0) return NONE;
      cur = next;
    }
    return cur;
  }

  /** Permutation: dynamic programming over (set of used elements, position). */
  private perm(items: readonly CNode[], p: number): Ends {
    const k = items.length;
    const stride = this.n + 1;
    let layer = new Map<number, Hyp>([[p, ZERO]]); // key = mask * stride + pos
    for (let step = 0; step < k; step++) {
      const next = new Map<number, Hyp>();
      for (const [key, h] of layer) {
        const mask = Math.floor(key / stride);
        const q = key % stride;
        for (let i = 0; i < k; i++) {
          if (mask & (1 << i)) continue;
          for (let s = q; s <= this.skipTo[q]!; s++) {
            const after = this.eval(items[i]!, s);
            for (let a = 0; a < after.size; a++) {
              const h2 = after.hypAt(a);
              const nk = (mask | (1 << i)) * stride + after.endAt(a);
              const nh: Hyp = { m: h.m + h2.m, k: h.k + h2.k, w: h.w + h2.w, f: cat(h.f, h2.f) };
              const old = next.get(nk);
              if (old === undefined || this.key(nh) > this.key(old)) next.set(nk, nh);
            }
          }
        }
      }
      layer = next;
    }
    const ends = new Ends();
    for (const [key, h] of layer) this.put(ends, key % stride, h);
    return ends;
  }

  private repeat(item: CNode, p: number): Ends {
    const ends = new Ends();
    let frontier = new Ends();
    const first = this.eval(item, p);
    for (let i = 0; i < first.size; i++) if (first.endAt(i) > p) this.put(frontier, first.endAt(i), first.hypAt(i));
    while (frontier.size > 0) {
      const next = new Ends();
      for (let j = 0; j < frontier.size; j++) {
        const q = frontier.endAt(j);
        const h = frontier.hypAt(j);
        if (!this.put(ends, q, h)) continue;
        for (let s = q; s <= this.skipTo[q]!; s++) {
          const after = this.eval(item, s);
          for (let a = 0; a < after.size; a++) {
            const e = after.endAt(a);
            const h2 = after.hypAt(a);
            if (e > q) this.put(next, e, { m: h.m + h2.m, k: h.k + h2.k, w: h.w + h2.w, f: cat(h.f, h2.f) });
          }
        }
      }
      frontier = next;
    }
    return ends;
  }

  /** `$regexp`: full match of a token span's text, original spacing collapsed or tokens joined by spaces. */
  private regex(re: RegExp, p: number): Ends {
    const ends = new Ends();
    if (this.skipRiskyRegexps && riskyRegexps.has(re)) return ends;
    for (let e = p + 1; e <= this.n; e++) {
      const [slice, joined] = this.spanTexts(p, e);
      if (re.test(slice) || (joined !== undefined && re.test(joined))) ends.set(e, { m: this.lettersIn(p, e), k: this.wordsIn(p, e), w: 0, f: null });
    }
    return ends;
  }

  private spans?: Map<number, [string, string | undefined]>;

  /** A span's text with its own spacing collapsed, and (when different) its tokens joined by spaces. Shared by all regexps. */
  private spanTexts(s: number, e: number): [string, string | undefined] {
    this.spans ??= new Map();
    const k = s * (this.n + 1) + e;
    let r = this.spans.get(k);
    if (r === undefined) {
      const slice = this.text.slice(this.tokens[s]!.start, this.tokens[e - 1]!.end).replace(/\s+/g, " ");
      let joined = this.tokens[s]!.raw;
      for (let i = s + 1; i < e; i++) joined += " " + this.tokens[i]!.raw;
      r = [slice, joined === slice ? undefined : joined];
      this.spans.set(k, r);
    }
    return r;
  }

  private dict(info: NodeInfo, trie: TrieNode, p: number): Ends {
    const ends = new Ends();
    // Every trie path the words so far can be on: the exact word; the word's likeliest lemma written
    // as a synonym word ("в Питере" finds the synonym "Питер": the platform's dictionaries match
    // synonyms in any form, docs/patterns.md "Elements"; only the likeliest, so the preposition "о"
    // is not read as the abbreviation of "остров"); or "~" + a lemma (a synonym of a morph entity,
    // filed by lemma). Exact paths come first, so an exact synonym owns the match.
    let level: TrieNode[] = [trie];
    for (let i = p; i < this.n && level.length > 0; i++) {
      const t = this.tokens[i]!;
      if (t.punct) continue; // "Санкт-Петербург." / "Нью, Йорк": punctuation between synonym words is ignored
      const next: TrieNode[] = [];
      for (const from of level) {
        const exact = from.next.get(t.norm);
        if (exact && !next.includes(exact)) next.push(exact);
      }
      for (const from of level) {
        const written = from.next.get(this.lemmaAt(i));
        if (written && !next.includes(written)) next.push(written);
        for (const l of this.stemsAt(i)) {
          const byLemma = from.next.get("~" + l);
          if (byLemma && !next.includes(byLemma)) next.push(byLemma);
        }
      }
      level = next;
      const owner = level.find((n) => n.id !== undefined);
      if (owner) {
        ends.set(i + 1, { m: this.lettersIn(p, i + 1), k: this.wordsIn(p, i + 1), w: 0, f: { t: 1, info, s: p, e: i + 1, body: null, value: owner.id, hasValue: true } });
      }
    }
    return ends;
  }
}

function single(e: number, h: Hyp): Ends {
  return new Ends([e, h]);
}

/** `[...s].length` without building the array: code points, a lone surrogate counting as one. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export const GLOB_PENALTY = 1e-6;
/** Weight of the matched-token share, the tie-break between equal letter shares [I]. */
export const TOKEN_TIE = 1e-7;

export function globMatch(word: string, pre: string, suf: string, mids: readonly string[]): boolean {
  if (word.length < pre.length + suf.length) return false;
  if (!word.startsWith(pre) || !word.endsWith(suf)) return false;
  let at = pre.length;
  const limit = word.length - suf.length;
  for (const m of mids) {
    const i = word.indexOf(m, at);
    if (i < 0 || i + m.length > limit) return false;
    at = i + m.length;
  }
  return true;
}
