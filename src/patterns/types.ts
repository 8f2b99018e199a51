// What the pattern engine offers the dialog engine. Implementation: src/patterns/*.
import type { SourcePos } from "../dsl/ast.js";
import type { Diagnostic } from "../util/errors.js";

/** `$parseTree` exactly as spec dsl.md §3.3: keys tag/pattern/text/words/value plus <Tag>: node[] and _<Tag>. */
export interface ParseNode {
  tag: string;
  pattern: string;
  text: string;
  words: string[];
  value?: unknown;
  [child: string]: unknown;
}

export interface PatternMatch {
  triggerId: number;
  score: number; // matched / total tokens (§3.4 step 1)
  weight: number; // score + Σ$weight + context bonus: the ranking key
  parseTree: ParseNode; // tag "root"
  pattern: string; // the source of the pattern
}

/** Runs a converter (`converter = fn` of a named pattern) in the script host; returns the node's new value. */
export type ConverterRunner = (converter: string, node: ParseNode) => unknown;

/** A project NLU entity usable as `@Name` in patterns (from the CAILA export, src/nlu). */
export interface PatternEntity {
  name: string;
  synonyms: { value: string; phrases: string[] }[];
  patterns: { value: string; source: string }[];
  morph: boolean; // synonyms match other forms of their words (CAILA noMorph = false)
}

export interface PatternSetOptions {
  /** `@Name` entities of the project; system entities (@duckling.number, @mystem.geo…) need none. */
  entities?: ReadonlyMap<string, PatternEntity>;
  converter?: ConverterRunner;
  regexCaseInsensitive?: boolean; // chatbot.yaml; default false
  /** Regexps flagged catastrophic at load never match (the replay after a CPU kill, see regex-safety.ts). */
  skipRiskyRegexps?: boolean;
  /** The turn's clock (Unix ms) that `@duckling.date` resolves "завтра" against; default the real time. */
  now?: number;
  /** The text of a source line, so errors can show it (compileProjectPatterns reads project files). */
  sourceLine?: (pos: SourcePos) => string | undefined;
}

/**
 * All pattern triggers of a project, compiled once at load and indexed by literal words.
 * `tiers` maps each ACTIVE trigger id to its context tier: 0 = children of the current context,
 * 1 = siblings, 2.. = further ancestors' children, and a large value for globals. Lower is closer.
 */
export interface PatternSet {
  add(triggerId: number, source: string, pos: SourcePos): void; // throws ProjectError on a bad pattern
  match(text: string, tiers: ReadonlyMap<number, number>, options?: PatternSetOptions): PatternMatch[]; // best first
  /** Load-time warnings (e.g. unsupported `$morph<…>`), when the implementation collects them. */
  readonly diagnostics?: Diagnostic[];
}
