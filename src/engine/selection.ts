// Choosing the target of a text request (spec dsl.md §4.4): pattern, intent and example hypotheses,
// $context.nluResults and the default ranking between them.
import type { IntentGuess } from "./types.js";
import type { Project, Trigger } from "../project/model.js";
import type { ParseNode, PatternMatch } from "../patterns/types.js";
import { triggerTarget } from "./locality.js";
import { foundSlots } from "./slot-filling.js";

export interface Hypothesis {
  clazz: string; // target state path
  score: number;
  ruleType: "pattern" | "intent" | "intentGroup" | "example";
  pattern?: string;
  weight?: number;
  parseTree?: ParseNode;
  debugInfo?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface NluResults {
  patterns: Hypothesis[];
  intents: Hypothesis[];
  examples: Hypothesis[];
  selected: Hypothesis | null;
}

export interface Ranked {
  hyp: Hypothesis;
  tier: number;
  trigger?: number; // the trigger's id, for the explained turn (not part of $context.nluResults)
}

export interface Thresholds {
  patterns: number;
  phrases: number;
}

/**
 * The score an intent guess needs (`nlp.intentNoMatchThresholds`): `patterns` for a guess from one of
 * the intent's own CAILA patterns, `phrases` for one from the training phrases (or the channel's).
 * The platform's documentation says both set thresholds "for intents"; neither touches `q:` patterns.
 */
export function intentThreshold(th: Thresholds, source: string | undefined): number {
  return source === "pattern" ? th.patterns : th.phrases;
}

export function thresholds(project: Project): Thresholds {
  const t = (project.config.nlp?.intentNoMatchThresholds ?? {}) as Partial<Thresholds>;
  return {
    patterns: typeof t.patterns === "number" ? t.patterns : 0.2,
    phrases: typeof t.phrases === "number" ? t.phrases : 0.2,
  };
}

export function patternHypotheses(project: Project, matches: PatternMatch[], tiers: ReadonlyMap<number, number>): Ranked[] {
  const out = new Array<Ranked>(matches.length); // sized up front, cut to what was found
  let n = 0;
  for (const m of matches) {
    const t = project.triggers[m.triggerId];
    if (!t) continue;
    out[n++] = {
      tier: tiers.get(m.triggerId) ?? Infinity,
      trigger: t.id,
      hyp: {
        clazz: triggerTarget(t),
        score: m.score,
        weight: m.weight,
        ruleType: "pattern",
        pattern: m.pattern,
        parseTree: m.parseTree,
        debugInfo: { state: t.owner, file: t.pos.file, line: t.pos.line },
      },
    };
  }
  out.length = n;
  return out; // keep the pattern engine's order: it already ranks by weight and context
}

/** An intent trigger fires for the NLU's intent path; intentGroup for any path under its prefix. */
function intentFires(t: Trigger, path: string): boolean {
  if (t.kind === "intent") return t.value === path;
  const prefix = t.value.endsWith("/") ? t.value : t.value + "/";
  return path === t.value || path.startsWith(prefix);
}

/**
 * Intent hypotheses: every active intent / intentGroup trigger that one of the NLU's guesses (already
 * above the phrases threshold) fires. Nearest context first, then the higher score, then an exact
 * intent before a group and declaration order (stable sort).
 */
export function intentHypotheses(project: Project, guesses: readonly IntentGuess[], tiers: ReadonlyMap<number, number>): Ranked[] {
  if (guesses.length === 0) return [];
  const out: (Ranked & { exact: number })[] = [];
  for (const [id, tier] of tiers) {
    const t = project.triggers[id];
    if (!t || (t.kind !== "intent" && t.kind !== "intentGroup")) continue;
    const g = guesses.find((x) => intentFires(t, x.path));
    if (!g) continue;
    out.push({
      tier,
      trigger: t.id,
      exact: t.kind === "intent" ? 0 : 1,
      hyp: {
        clazz: triggerTarget(t),
        score: g.score,
        ruleType: t.kind,
        // `slots`, the list zb-common's slot filling reads (docs/nlu.md, "Slots").
        debugInfo: { intent: { path: g.path, score: g.score, source: g.source, slots: g.slots ?? {}, answer: g.answer }, slots: foundSlots(g.slots, g.arrays), state: t.owner },
      },
    });
  }
  return out.sort((a, b) => a.tier - b.tier || b.hyp.score - a.hyp.score || a.exact - b.exact).map(({ tier, hyp, trigger }) => ({ tier, hyp, trigger }));
}

const normalisePhrase = (s: string) =>
  s
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** No example classifier offline: an `e:` phrase fires when the text equals it up to case and punctuation [I]. */
// Example triggers by normalised phrase, built once per project: a turn looks its text up instead of
// scanning every active trigger, so the cost does not grow with the project.
const examplesByPhrase = new WeakMap<Project, Map<string, number[]>>();

function exampleIndex(project: Project): Map<string, number[]> {
  let index = examplesByPhrase.get(project);
  if (!index) {
    index = new Map();
    for (const t of project.triggers) {
      if (t.kind !== "example") continue;
      const key = normalisePhrase(t.value);
      index.set(key, [...(index.get(key) ?? []), t.id]);
    }
    examplesByPhrase.set(project, index);
  }
  return index;
}

export function exampleHypotheses(project: Project, text: string, tiers: ReadonlyMap<number, number>): Ranked[] {
  const index = exampleIndex(project);
  if (index.size === 0) return []; // most projects have no `e:`: no need to normalise the text
  const norm = normalisePhrase(text);
  if (!norm) return [];
  const out: Ranked[] = [];
  for (const id of index.get(norm) ?? []) {
    const tier = tiers.get(id);
    if (tier === undefined) continue;
    const t = project.triggers[id];
    out.push({ tier, trigger: t.id, hyp: { clazz: triggerTarget(t), score: 1, ruleType: "example", debugInfo: { example: t.value } } });
  }
  return out.sort((a, b) => a.tier - b.tier);
}

/**
 * Default choice without a selectNLUResult handler (spec §4.4, docs/nlu.md "Selection"): patterns
 * first, then intents — a matching pattern wins even over an intent with a higher score, as the
 * platform documents; with nlp.considerContextDepthInStateSelectionV2 a pattern in a farther context
 * tier than the best intent gives way to it [I]. Then an example.
 * `intentNoMatchThresholds` does not apply here: it filters the intent guesses (see intentThreshold).
 */
export function buildNluResults(
  patterns: Ranked[],
  intents: Ranked[],
  examples: Ranked[],
  contextDepth = false,
): { nlu: NluResults; nBest: Hypothesis[] } {
  const p0 = patterns[0];
  const i0 = intents[0];
  const e0 = examples[0];
  // Arrays sized up front: the first push into an empty array reserves 16 slots, more than a turn
  // has hypotheses.
  const order = new Array<Ranked>(3);
  let heads = 0;
  if (p0 && (!i0 || !contextDepth || p0.tier <= i0.tier)) order[heads++] = p0;
  if (i0) order[heads++] = i0;
  if (p0 && !order.includes(p0) && (!e0 || p0.tier <= e0.tier)) order[heads++] = p0;
  if (e0) order[heads++] = e0;
  if (p0 && !order.includes(p0)) order[heads++] = p0;
  order.length = heads;
  // The head first, then every other hypothesis in list order.
  const nBest = new Array<Hypothesis>(heads + patterns.length + intents.length + examples.length);
  let n = 0;
  for (const r of order) nBest[n++] = r.hyp;
  for (const list of [patterns, intents, examples]) for (const r of list) if (!order.includes(r)) nBest[n++] = r.hyp;
  nBest.length = n;
  return {
    nlu: {
      patterns: patterns.map((r) => r.hyp),
      intents: intents.map((r) => r.hyp),
      examples: examples.map((r) => r.hyp),
      selected: order[0]?.hyp ?? null,
    },
    nBest,
  };
}
