// Public API of the pattern engine: pattern sets with a literal index, project compilation and
// `$nlp.matchPatterns`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SourcePos } from "../dsl/ast.js";
import type { Dictionary, NamedPatternDef, Project } from "../project/model.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import type { CNode, Requirement } from "./compiled.js";
import { Compiler, NamedPatternError } from "./compiler.js";
import { MatchInput, type Hyp } from "./matcher.js";
import { stems } from "./morphology.js";
import { PatternSyntaxError } from "./parser.js";
import { buildParseTree } from "./parseTree.js";
import { compareMatches, rankWeight, score } from "./ranking.js";
import { normalizeWord, tokenizeDetailed, type Token } from "./tokenizer.js";
import type { ConverterRunner, ParseNode, PatternMatch, PatternSet, PatternSetOptions } from "./types.js";

export { tokenize, tokenizeDetailed } from "./tokenizer.js";
export type { ConverterRunner, ParseNode, PatternMatch, PatternSet, PatternSetOptions } from "./types.js";

interface Entry {
  triggerId: number;
  source: string;
  root: CNode;
  req: Requirement;
  checks: string[][]; // other requirements verified before running the matcher
  seen: number; // match() stamp, to deduplicate candidates
}

const MAX_CHECKS = 4;
const DIGITS = /^\d+$/;

export class CompiledPatternSet implements PatternSet {
  private readonly compiler: Compiler;
  private readonly entries: Entry[] = [];
  private readonly byKey = new Map<string, Entry[]>();
  private always: Entry[] = [];
  private dirty = false;
  private stamp = 0;
  private prefixLengths: number[] = [];
  private suffixLengths: number[] = [];
  private usesLemmas = false; // some pattern has a ~lemma key: only then are input words analysed
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    named: ReadonlyMap<string, NamedPatternDef>,
    dictionaries: ReadonlyMap<string, Dictionary>,
    private readonly opts: PatternSetOptions = {},
  ) {
    this.compiler = new Compiler(named, dictionaries, {
      regexCaseInsensitive: opts.regexCaseInsensitive,
      entities: opts.entities,
      warn: (message, def) => {
        if (!this.diagnostics.some((d) => d.message === message && d.pos === def?.pos)) {
          this.diagnostics.push({ level: "warning", message, pos: def?.pos });
        }
      },
    });
  }

  add(triggerId: number, source: string, pos: SourcePos): void {
    const root = this.compileAt(() => this.compiler.compile(source), source, pos);
    this.entries.push({ triggerId, source, root, req: this.compiler.requirement(root), checks: [], seen: 0 });
    this.dirty = true;
  }

  /** Compiles a project-defined named pattern (load-time validation); throws ProjectError. */
  validateNamed(name: string): void {
    const bare = name.replace(/^\$/, "");
    const def = this.compiler.defOf(bare);
    if (!def) throw new ProjectError(`unknown named pattern $${bare}${this.compiler.didYouMean(bare)}`);
    this.compileAt(() => this.compiler.namedBody(bare), def.body, def.pos);
  }

  private compileAt(fn: () => CNode, source: string, pos: SourcePos): CNode {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NamedPatternError) throw this.error(e.syntax, e.def.body, e.def.pos, `in $${e.def.name.replace(/^\$/, "")}: `);
      if (e instanceof PatternSyntaxError) throw this.error(e, source, pos, "");
      throw e;
    }
  }

  private error(e: PatternSyntaxError, source: string, pos: SourcePos, prefix: string): ProjectError {
    const line = this.opts.sourceLine?.(pos);
    let col = pos.col;
    // When the file line is known, find where the pattern text starts on it.
    if (line !== undefined) {
      const head = source.split("\n")[0]!.slice(0, 30);
      const at = line.indexOf(head, Math.max(0, pos.col - 1));
      col = at >= 0 ? at + 1 : line.indexOf(head) >= 0 ? line.indexOf(head) + 1 : pos.col;
    }
    const firstLine = source.split("\n")[0]!;
    const offsetCol = col + Math.min(e.offset, firstLine.length);
    const shown = line ?? " ".repeat(Math.max(0, col - 1)) + firstLine;
    return new ProjectError(`pattern error: ${prefix}${e.message}`, { file: pos.file, line: pos.line, col: offsetCol }, shown);
  }

  /** Each pattern is filed under its most selective requirement, judged by how often keys occur. */
  private rebuildIndex(): void {
    this.byKey.clear();
    this.always = [];
    this.prefixLengths = [];
    this.suffixLengths = [];
    const freq = new Map<string, number>();
    for (const e of this.entries) for (const opt of e.req) for (const k of opt) freq.set(k, (freq.get(k) ?? 0) + 1);
    this.usesLemmas = [...freq.keys()].some((k) => k.startsWith("l:"));
    const cost = (opt: string[]): number => opt.reduce((s, k) => s + freq.get(k)!, 0);
    for (const e of this.entries) {
      if (e.req.length === 0) {
        this.always.push(e);
        continue;
      }
      const sorted = [...e.req].sort((a, b) => cost(a) - cost(b));
      e.checks = sorted.slice(1, 1 + MAX_CHECKS);
      for (const opt of e.req) {
        for (const k of opt) {
          const len = k.length - 2;
          if (k.startsWith("p:") && !this.prefixLengths.includes(len)) this.prefixLengths.push(len);
          if (k.startsWith("s:") && !this.suffixLengths.includes(len)) this.suffixLengths.push(len);
        }
      }
      for (const k of new Set(sorted[0])) {
        let list = this.byKey.get(k);
        if (!list) this.byKey.set(k, (list = []));
        list.push(e);
      }
    }
    this.dirty = false;
  }

  /** Index keys present in the input: words, every prefix/suffix (for stems), stems (for ~lemma), digits. */
  private inputKeys(tokens: readonly Token[]): Set<string> {
    const keys = new Set<string>();
    for (const t of tokens) {
      if (t.punct) continue;
      const w = t.norm;
      keys.add("w:" + w);
      if (this.usesLemmas) for (const l of stems(w)) keys.add("l:" + l).add("l:" + normalizeWord(l));
      if (DIGITS.test(w)) keys.add("#d");
      // only the prefix/suffix lengths some stem in the set actually uses
      for (const i of this.prefixLengths) if (i <= w.length) keys.add("p:" + w.slice(0, i));
      for (const i of this.suffixLengths) if (i <= w.length) keys.add("s:" + w.slice(w.length - i));
    }
    return keys;
  }

  match(text: string, tiers: ReadonlyMap<number, number>, options?: PatternSetOptions): PatternMatch[] {
    if (this.dirty) this.rebuildIndex();
    const tokens = tokenizeDetailed(text);
    const keys = this.inputKeys(tokens);
    const stamp = ++this.stamp;
    const candidates: Entry[] = [];
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (list) for (const e of list) considerEntry(e, stamp, tiers, keys, candidates);
    }
    for (const e of this.always) considerEntry(e, stamp, tiers, keys, candidates);

    const input = new MatchInput(text, tokens, options?.skipRiskyRegexps === true, options?.now ?? Date.now());
    const converter = options?.converter ?? this.opts.converter;
    const out = new Array<PatternMatch>(candidates.length); // sized up front (a first push reserves 16 slots), cut to the matches
    let n = 0;
    for (const e of candidates) {
      const hyp = input.matchWhole(e.root);
      if (hyp) out[n++] = makeMatch(e.triggerId, e.source, hyp, input, tiers.get(e.triggerId)!, converter);
    }
    out.length = n;
    if (n > 1) out.sort(compareMatches);
    return out;
  }
}

/** Adds a pattern to the candidates once per match() call, if its trigger is active and its index checks pass. */
function considerEntry(e: Entry, stamp: number, tiers: ReadonlyMap<number, number>, keys: ReadonlySet<string>, candidates: Entry[]): void {
  if (e.seen === stamp) return;
  e.seen = stamp;
  if (!tiers.has(e.triggerId)) return;
  for (const check of e.checks) if (!hasAny(check, keys)) return;
  candidates.push(e);
}

function hasAny(check: readonly string[], keys: ReadonlySet<string>): boolean {
  for (const k of check) if (keys.has(k)) return true;
  return false;
}

/** The parse tree is built on first read, so converters run only for hypotheses someone looks at. */
function makeMatch(triggerId: number, pattern: string, hyp: Hyp, input: MatchInput, tier: number, converter?: ConverterRunner): PatternMatch {
  const s = score(hyp.m, input.letters);
  let tree: ParseNode | undefined;
  // Only what the tree needs, in locals: a getter that read `hyp` and `input` kept the whole
  // MatchInput (its memo of every hypothesis, the tokenizer's output) alive as long as the match,
  // and a match that outlives a scavenge dragged all of it into the old generation (docs/benchmarks.md).
  const frag = hyp.f;
  const text = input.text;
  const tokens = input.tokens;
  // A getter in the literal is an own, enumerable, configurable property, as Object.defineProperty
  // made it, without the descriptor object and the map change per match.
  return {
    triggerId,
    score: s,
    weight: rankWeight(s, hyp.w + input.tokenTie(hyp), tier),
    pattern,
    get parseTree() {
      return (tree ??= buildParseTree(frag, text, tokens, converter));
    },
  };
}

export function createPatternSet(
  named: ReadonlyMap<string, NamedPatternDef>,
  dictionaries: ReadonlyMap<string, Dictionary>,
  opts?: PatternSetOptions,
): CompiledPatternSet {
  return new CompiledPatternSet(named, dictionaries, opts);
}

function regexFlag(project: Project): boolean {
  const nlp = project.config.nlp;
  return project.config.regexCaseInsensitive === true || nlp?.regexCaseInsensitive === true;
}

function lineReader(project: Project): (pos: SourcePos) => string | undefined {
  const files = new Map<string, string[] | null>();
  return (pos) => {
    let lines = files.get(pos.file);
    if (lines === undefined) {
      try {
        lines = readFileSync(join(project.dir, pos.file), "utf8").split(/\r?\n/);
      } catch {
        lines = null;
      }
      files.set(pos.file, lines);
    }
    return lines?.[pos.line - 1];
  };
}

/** Every `q`/`q!` trigger and every named pattern of a project; throws ProjectErrors listing all problems. */
export function compileProjectPatterns(project: Project, opts?: PatternSetOptions): CompiledPatternSet {
  const set = createPatternSet(project.namedPatterns, project.dictionaries, {
    regexCaseInsensitive: regexFlag(project),
    sourceLine: lineReader(project),
    ...opts,
  });
  const errors: ProjectError[] = [];
  const seen = new Set<string>();
  const collect = (e: unknown): void => {
    if (!(e instanceof ProjectError)) throw e;
    const key = e.format();
    if (!seen.has(key)) errors.push(e);
    seen.add(key);
  };
  for (const def of project.namedPatterns.values()) {
    try {
      set.validateNamed(def.name);
    } catch (e) {
      collect(e);
    }
  }
  for (const t of project.triggers) {
    if (t.kind !== "pattern") continue;
    try {
      set.add(t.id, t.value, t.pos);
    } catch (e) {
      collect(e);
    }
  }
  if (errors.length > 0) throw new ProjectErrors(errors);
  return set;
}

export interface MatchPatternsResult {
  patternId: string; // index of the pattern in the list
  pattern: string;
  effectivePattern: string;
  score: number;
  weight: number;
  parseTree: ParseNode;
}

const matchPatternsCache = new WeakMap<object, Map<string, CompiledPatternSet>>();

/** `$nlp.matchPatterns(text, patterns)`: the best of the given patterns, or null. */
export function matchPatterns(
  text: string,
  sources: readonly string[],
  named: ReadonlyMap<string, NamedPatternDef>,
  dictionaries: ReadonlyMap<string, Dictionary>,
  opts?: PatternSetOptions,
): MatchPatternsResult | null {
  let byKey = matchPatternsCache.get(named);
  if (!byKey) matchPatternsCache.set(named, (byKey = new Map()));
  const cacheKey = JSON.stringify([sources, opts?.regexCaseInsensitive === true]);
  let set = byKey.get(cacheKey);
  if (!set) {
    // The set is cached across engines: the converter (one engine's scripts) is given per match.
    set = createPatternSet(named, dictionaries, { regexCaseInsensitive: opts?.regexCaseInsensitive === true });
    sources.forEach((src, i) => set!.add(i, src, { file: "<matchPatterns>", line: 1, col: 1 }));
    if (byKey.size > 200) byKey.clear();
    byKey.set(cacheKey, set);
  }
  const tiers = new Map(sources.map((_, i) => [i, 0]));
  const best = set.match(text, tiers, opts)[0];
  if (!best) return null;
  return {
    patternId: String(best.triggerId),
    pattern: best.pattern,
    effectivePattern: best.pattern,
    score: best.score,
    weight: best.weight,
    parseTree: best.parseTree,
  };
}
