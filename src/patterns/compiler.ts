// Syntax tree → compiled graph: resolves named patterns, built-ins and dictionaries, compiles
// regexps, and works out which literal keys a pattern needs (for the index).
import type { Dictionary, NamedPatternDef } from "../project/model.js";
import type { CNode, NodeInfo, Requirement, TrieNode } from "./compiled.js";
import { morphTest, stem, stems } from "./morphology.js";
import { NUMBER_WORDS } from "./numbers.js";
import { PatternSyntaxError, parsePattern, type PNode } from "./parser.js";
import { compileRegex } from "./regex.js";
import { catastrophicRegexReason, riskyRegexps } from "./regex-safety.js";
import { tokenizeDetailed } from "./tokenizer.js";
import type { PatternEntity } from "./types.js";
import { systemEntityFinder } from "../nlu/system-entities/index.js";
import { didYouMean } from "../util/spelling.js";

const MAX_SYNONYM_PATHS = 8;
const NUMBER_ENTITIES = new Set(["duckling.number", "zb.number"]);

type NodeBody = CNode extends infer T ? (T extends CNode ? Omit<T, "id"> : never) : never;

/** A compile error inside a named pattern's own body (reported at the definition, not the user). */
export class NamedPatternError extends Error {
  constructor(
    readonly def: NamedPatternDef,
    readonly syntax: PatternSyntaxError,
  ) {
    super(syntax.message);
  }
}

export interface CompilerOptions {
  regexCaseInsensitive?: boolean;
  entities?: ReadonlyMap<string, PatternEntity>;
  warn?: (message: string, def: NamedPatternDef | undefined, offset: number) => void;
}

/** How many re-entries of patterns being compiled one compile path may make (docs/dsl.md "Values and parameters"). */
export const MAX_RECURSION_DEPTH = 4;

const BUILTINS = new Set(["AnyWord", "AnyText", "Text", "Number", "oneWord", "nonEmptyGarbage"]);

export class Compiler {
  private nextId = 0;
  private readonly namedCache = new Map<string, CNode>(); // name → body
  private readonly inProgress = new Map<string, number>(); // name → how deep it is being compiled inside itself
  private readonly reentered: Set<string>[] = []; // per body being compiled: in-progress names it re-entered
  private reentries = 0; // re-entries of in-progress patterns on the current compile path
  private readonly siblings: Map<string, CNode>[] = []; // per body being compiled: bodies its references share
  private readonly dictCache = new Map<string, TrieNode>();
  private readonly reqCache = new Map<number, Requirement>();
  private current: NamedPatternDef | undefined; // the named pattern being compiled (for warnings)

  constructor(
    private readonly named: ReadonlyMap<string, NamedPatternDef>,
    private readonly dictionaries: ReadonlyMap<string, Dictionary>,
    private readonly opts: CompilerOptions = {},
  ) {}

  node(body: NodeBody): CNode {
    return { id: this.nextId++, ...body } as CNode;
  }

  /** Compiles a pattern source; throws PatternSyntaxError (offset in `source`) or NamedPatternError. */
  compile(source: string): CNode {
    const saved = this.current;
    this.current = undefined;
    try {
      return this.build(parsePattern(source));
    } finally {
      this.current = saved;
    }
  }

  /** ` (did you mean "$Color"?)` when a defined or built-in pattern is one or two typos away from `name`. */
  didYouMean(name: string): string {
    const known = new Set<string>(BUILTINS);
    for (const key of this.named.keys()) known.add(key.replace(/^\$/, ""));
    return didYouMean(name, known, (pattern) => `$${pattern}`);
  }

  defOf(name: string): NamedPatternDef | undefined {
    return this.named.get("$" + name) ?? this.named.get(name);
  }

  /** Compiles (and caches) the body of a project-defined named pattern. */
  namedBody(name: string): CNode {
    const cached = this.namedCache.get(name) ?? this.siblings.at(-1)?.get(name);
    if (cached) return cached;
    const def = this.defOf(name)!;
    // A pattern that refers to itself is a grammar: it is unrolled a bounded number of times and the
    // innermost reference never matches, so matching always ends.
    // The bound counts re-entries of any pattern on the way down, so a cycle through several
    // patterns (zb-common's calculator grammar) stays small too.
    const depth = this.inProgress.get(name) ?? 0;
    if (depth > 0) {
      for (const set of this.reentered) set.add(name);
      if (this.reentries >= MAX_RECURSION_DEPTH) return this.node({ k: "never" });
      this.reentries++;
    }
    this.inProgress.set(name, depth + 1);
    const saved = this.current;
    this.current = def;
    const reentered = new Set<string>();
    this.reentered.push(reentered);
    this.siblings.push(new Map());
    try {
      const body = this.build(parsePattern(def.body));
      // A body unrolled inside another pattern's recursion is cut short for that context only; its
      // siblings (same compile path) share it, which keeps a branching cycle linear in size.
      reentered.delete(name);
      if (depth === 0 && reentered.size === 0) this.namedCache.set(name, body);
      else this.siblings.at(-2)?.set(name, body);
      return body;
    } catch (e) {
      if (e instanceof PatternSyntaxError) throw new NamedPatternError(def, e);
      throw e;
    } finally {
      this.siblings.pop();
      this.reentered.pop();
      this.current = saved;
      if (depth === 0) this.inProgress.delete(name);
      else {
        this.inProgress.set(name, depth);
        this.reentries--;
      }
    }
  }

  private build(p: PNode): CNode {
    switch (p.t) {
      case "word":
        return this.node({ k: "word", w: p.w });
      case "glob": {
        const parts = p.g.split("*");
        return this.node({ k: "glob", pre: parts[0]!, suf: parts[parts.length - 1]!, mids: parts.slice(1, -1).filter(Boolean) });
      }
      case "lemma":
        return this.node({ k: "lemma", stem: stem(p.w) });
      case "star":
        return this.node({ k: "star" });
      case "empty":
        return this.node({ k: "empty" });
      case "seq":
        return this.node({ k: "seq", items: p.items.map((i) => this.build(i)) });
      case "alt":
        return p.items.length === 1 ? this.build(p.items[0]!) : this.node({ k: "alt", items: p.items.map((i) => this.build(i)) });
      case "opt": {
        const item = p.items.length === 1 ? this.build(p.items[0]!) : this.node({ k: "alt", items: p.items.map((i) => this.build(i)) });
        return this.node({ k: "opt", item });
      }
      case "perm":
        return this.node({ k: "perm", items: p.items.map((i) => this.build(i)) });
      case "ref":
        return this.ref(p.name, p.alias, p.at);
      case "repeat":
        return this.node({ k: "repeat", item: this.ref(p.ref.name, p.ref.alias, p.ref.at) });
      case "regex": {
        let re: RegExp;
        try {
          re = compileRegex(p.src, p.ci || this.opts.regexCaseInsensitive === true);
        } catch (e) {
          throw new PatternSyntaxError(`invalid regular expression: ${(e as Error).message}`, p.bodyAt);
        }
        const slow = catastrophicRegexReason(p.src);
        if (slow) {
          riskyRegexps.add(re);
          this.opts.warn?.(`$regexp<${p.src}>: ${slow}; the turn's CPU limit ends such a turn`, this.current, p.bodyAt);
        }
        return this.node({ k: "regex", re });
      }
      case "dict": {
        const dict = this.dictionaries.get(p.name) ?? this.dictionaries.get(p.name.replace(/^\$/, ""));
        if (!dict) throw new PatternSyntaxError(`unknown dictionary '${p.name}' in $entity<…>`, p.at);
        return this.node({ k: "dict", info: { tag: p.alias ?? dict.name, pattern: dict.name }, trie: this.trie(dict) });
      }
      case "map":
        return this.node({ k: "map", item: this.build(p.item), value: p.value });
      case "weight":
        return this.node({ k: "weight", w: p.value });
      case "morph": {
        const test = morphTest(p.tags);
        if (test) return this.node({ k: "morph", test });
        this.opts.warn?.(`$morph<${p.tags}>: unknown AOT tag; it never matches`, this.current, p.at);
        return this.node({ k: "never" });
      }
      case "nlu":
        return this.entity(p.name, p.alias, p.at);
    }
  }

  private ref(name: string, alias: string | undefined, at: number): CNode {
    const info: NodeInfo = { tag: alias ?? name, pattern: name };
    const def = this.defOf(name);
    if (def) {
      if (def.converter) info.converter = def.converter;
      return this.node({ k: "named", info, body: this.namedBody(name) });
    }
    if (!BUILTINS.has(name)) throw new PatternSyntaxError(`unknown named pattern $${name}${this.didYouMean(name)}`, at);
    switch (name) {
      case "oneWord":
        return this.node({ k: "any", min: 1, max: 1, words: false, garbage: false });
      case "nonEmptyGarbage":
        return this.node({ k: "any", min: 1, max: Infinity, words: false, garbage: true });
      case "AnyWord":
        return this.node({ k: "named", info, body: this.node({ k: "any", min: 1, max: 1, words: true, garbage: true }) });
      case "AnyText":
        return this.node({ k: "named", info, body: this.node({ k: "any", min: 1, max: Infinity, words: false, garbage: false }) });
      case "Text":
        return this.node({ k: "named", info, body: this.node({ k: "any", min: 1, max: Infinity, words: false, garbage: true }) });
      default:
        return this.node({ k: "number", info });
    }
  }

  /** `@Name`: a project entity (synonyms and patterns), a system entity emulated locally, or never. */
  private entity(name: string, alias: string | undefined, at: number): CNode {
    const info: NodeInfo = { tag: alias ?? name, pattern: "@" + name };
    const own = this.opts.entities?.get(name);
    if (own) return this.projectEntity(own, info);
    if (NUMBER_ENTITIES.has(name)) return this.node({ k: "number", info });
    const find = systemEntityFinder(name);
    if (find) return this.node({ k: "system", info, find });
    const why = /^(duckling|mystem|pymorphy|zb)\./.test(name) ? "needs the live NLU service" : "is not an entity of the project's NLU data";
    this.opts.warn?.(`@${name} ${why}; it never matches offline`, this.current, at);
    return this.node({ k: "never" });
  }

  private projectEntity(e: PatternEntity, info: NodeInfo): CNode {
    const key = "@" + e.name;
    let trie = this.dictCache.get(key);
    if (!trie) {
      trie = { next: new Map() };
      for (const s of e.synonyms) {
        for (const phrase of s.phrases) {
          const words = tokenizeDetailed(phrase).filter((t) => !t.punct);
          if (words.length === 0) continue;
          // A morph synonym is filed under every lemma its words may have (a few paths at most).
          let level: TrieNode[] = [trie];
          for (const w of words) {
            const keys = e.morph ? stems(w.norm).map((l) => "~" + l) : [w.norm];
            const next: TrieNode[] = [];
            for (const n of level) {
              for (const k of keys) {
                let child = n.next.get(k);
                if (!child) n.next.set(k, (child = { next: new Map() }));
                if (next.length < MAX_SYNONYM_PATHS) next.push(child);
              }
            }
            level = next;
          }
          for (const n of level) n.id ??= s.value;
        }
      }
      this.dictCache.set(key, trie);
    }
    const dict = this.node({ k: "dict", info, trie });
    if (e.patterns.length === 0) return dict;
    const alts: CNode[] = [dict];
    for (const p of e.patterns) {
      try {
        alts.push(this.node({ k: "named", info, body: this.node({ k: "map", item: this.build(parsePattern(p.source)), value: p.value }) }));
      } catch (err) {
        if (!(err instanceof PatternSyntaxError)) throw err;
        this.opts.warn?.(`@${e.name}: pattern "${p.source}" cannot be compiled: ${err.message}`, this.current, 0);
      }
    }
    return this.node({ k: "alt", items: alts });
  }

  private trie(dict: Dictionary): TrieNode {
    let root = this.dictCache.get(dict.name);
    if (root) return root;
    root = { next: new Map() };
    for (const entry of dict.entries) {
      for (const syn of entry.synonyms) {
        const words = tokenizeDetailed(syn).filter((t) => !t.punct);
        if (words.length === 0) continue;
        let n = root;
        for (const w of words) {
          let child = n.next.get(w.norm);
          if (!child) n.next.set(w.norm, (child = { next: new Map() }));
          n = child;
        }
        n.id ??= entry.id; // the first entry that lists a synonym owns it
      }
    }
    this.dictCache.set(dict.name, root);
    return root;
  }

  /** Keys of which the input must contain one per inner array (see index.ts for the key scheme). */
  requirement(n: CNode): Requirement {
    const cached = this.reqCache.get(n.id);
    if (cached) return cached;
    this.reqCache.set(n.id, []); // guards against cycles
    const r = this.computeRequirement(n);
    this.reqCache.set(n.id, r);
    return r;
  }

  private computeRequirement(n: CNode): Requirement {
    switch (n.k) {
      case "word":
        return [["w:" + n.w]];
      case "glob":
        if (n.pre) return [["p:" + n.pre]];
        if (n.suf) return [["s:" + n.suf]];
        return [];
      case "lemma":
        return [["l:" + n.stem]];
      case "seq":
      case "perm":
        return n.items.flatMap((i) => this.requirement(i));
      case "alt": {
        const union = new Set<string>();
        for (const item of n.items) {
          const r = this.requirement(item);
          if (r.length === 0) return [];
          // the most selective conjunct of each branch stands for it
          for (const k of r.reduce((a, b) => (b.length < a.length ? b : a))) union.add(k);
        }
        return [[...union]];
      }
      case "named":
        return this.requirement(n.body);
      case "map":
        return this.requirement(n.item);
      case "repeat":
        return this.requirement(n.item);
      case "dict":
        // a dictionary word is also found through the lemma of an input word (matcher.ts, dict)
        return [[...n.trie.next.keys()].flatMap((w) => (w.startsWith("~") ? ["l:" + w.slice(1)] : ["w:" + w, "l:" + w]))];
      case "number":
        return [["#d", ...NUMBER_WORDS.map((w) => "w:" + w)]];
      default:
        return [];
    }
  }
}
