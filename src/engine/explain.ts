// The explained turn (docs/engine.md, "The explained turn"): what a turn received, which triggers it
// weighed, which one won and why, where it went, what it answered and logged, what it changed.
// Built only when a caller asks (TurnRunOptions.explain): every hook below is behind `explain?.`,
// so a turn that is not explained pays one undefined check per hook.
import type { SourcePos } from "../dsl/ast.js";
import type { Project, Trigger } from "../project/model.js";
import type { TriggerKind } from "../dsl/ast.js";
import type { PatternMatch } from "../patterns/types.js";
import type { BotRequest, IntentGuess, Reply, TurnErrorKind } from "./types.js";
import { activeTriggers, anchorOf, eventTriggers, GLOBAL_TIER, outsideModal, triggerTarget } from "./locality.js";
import { intentHypotheses, intentThreshold, patternHypotheses, type Hypothesis, type Ranked, type Thresholds } from "./selection.js";

export type CandidateKind = "pattern" | "intent" | "intentGroup" | "event" | "example" | "fallback";

/** One trigger the turn weighed. */
export interface ExplainedCandidate {
  kind: CandidateKind;
  tag: string; // as written in the .sc file: "q!", "intent", "event!", "e"…
  trigger: string; // the pattern, intent path, event name or example phrase
  state: string; // the state that declares the trigger
  target: string; // where it leads: its toState, else the declaring state
  at?: string; // "file:line" of the trigger
  tier?: number; // locality tier: 0 = nearest context … 1000 = global
  locality?: string; // the tier in words
  score?: number; // patterns: matched/total tokens; intents: the classifier's (or channel's) score
  weight?: number; // patterns: the ranking key (score + $weight + context bonus)
  intent?: { path: string; score: number; source?: string }; // the guess that fired an intent trigger
  /** Patterns: matched words not written literally in the pattern (a stem, lemma, wildcard or named pattern took them). */
  formWords?: string[];
  skipped?: string; // why it could not win (below a threshold, outside the modal state)
  selected?: boolean;
}

export interface ExplainedTransition {
  kind: string; // "go!", "go", "transition", "transition (deferred)", "button", "preProcess redirect"…
  from: string;
  to: string;
  at?: string; // "file:line" (or file:line:col) of the code that asked for it
}

export interface ExplainedLog {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  source: "script" | "engine"; // $jsapi.log / console.log / log(), or the engine's own notes
  state: string; // the state being processed when it was logged
}

export interface ExplainedError {
  kind: TurnErrorKind;
  message: string;
  at?: string; // "file:line:col"
  state: string; // the state being processed
  handledBy?: string; // onScriptError, onDialogError, onAnyError, messages.onError, or nothing
}

/** One change of a JSON value: `path` like `cart.elephant` or `items[0]` (arrays are compared whole). */
export interface JsonChange {
  path: string;
  op: "added" | "changed" | "removed";
  before?: unknown;
  after?: unknown;
}

export interface TurnExplanation {
  input: {
    kind: "text" | "event" | "timeout" | "targetState";
    query?: string; // as received
    matchedQuery?: string; // what matching saw after preMatch (nlp.modifyRequestInPreMatch), when it differs
    event?: string;
    intent?: { path: string; score?: number }; // as the channel sent it
    targetState?: string;
  };
  context: { before: string; after: string; modal?: string };
  /** How the target was found: "text", "event", "button", "timeout", "targetState", "preMatch", "$temp.targetState", "lengthLimit", "selectNLUResult", "none". */
  decidedBy: string;
  thresholds?: { patterns: number; phrases: number }; // nlp.intentNoMatchThresholds (text requests)
  candidates: ExplainedCandidate[]; // best first as selection ranked them; skipped ones last
  winner?: ExplainedCandidate;
  runnerUp?: ExplainedCandidate;
  why: string[]; // the reasons, in words
  target?: string; // where execution started (after preProcess)
  executed: string[]; // every state entered, in order
  transitions: ExplainedTransition[];
  replies: Reply[];
  logs: ExplainedLog[];
  errors: ExplainedError[];
  session: JsonChange[]; // $session before → after ($session.contextPath left out: see `context`)
  client: JsonChange[];
  newSession?: TurnExplanation; // the turn that ran in the new session ($reactions.newSession)
}

export const posText = (pos: SourcePos | undefined, col = false): string | undefined =>
  pos ? `${pos.file}:${pos.line}${col ? `:${pos.col}` : ""}` : undefined;

export function triggerTag(t: Trigger): string {
  const base = t.kind === "pattern" ? "q" : t.kind === "example" ? "e" : t.kind === "exampleGroup" ? "eg" : t.kind;
  return t.global ? base + "!" : base;
}

/** The tier in words: how far from the dialog context the trigger's anchor is. */
export function localityText(project: Project, t: Trigger, context: string, tier: number): string {
  if (tier >= GLOBAL_TIER) return "global";
  const anchor = anchorOf(project, t, context)?.anchor ?? null;
  const where = t.fromState?.length ? `fromState ${anchor}` : t.toState !== undefined ? `toState trigger of ${anchor}` : `under ${anchor}`;
  if (tier === 0) return `${where}, the context itself`;
  return `${where}, ${tier} level${tier === 1 ? "" : "s"} up from the context`;
}

const wordOf = (s: string) => s.toLowerCase().replace(/ё/g, "е");

/** Words of the phrase the pattern does not spell out: they matched by stem, lemma, wildcard or named pattern. */
export function formWords(pattern: string, matched: readonly string[]): string[] {
  const literal = new Set((pattern.match(/(?<![$~@\p{L}\p{N}_])[\p{L}\p{N}]+(?![\p{L}\p{N}]*\*)/gu) ?? []).map(wordOf));
  return matched.filter((w) => !literal.has(wordOf(w)));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const keyPath = (base: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`);
const MAX_CHANGES = 200;

/** A compact diff of two JSON values: objects key by key, anything else (arrays too) as a whole. */
export function jsonDiff(before: unknown, after: unknown, path = "", out: JsonChange[] = [], depth = 0): JsonChange[] {
  if (out.length >= MAX_CHANGES) return out;
  if (isPlainObject(before) && isPlainObject(after) && depth < 20) {
    for (const k of Object.keys(before)) {
      if (!Object.hasOwn(after, k)) out.push({ path: keyPath(path, k), op: "removed", before: before[k] });
      else jsonDiff(before[k], after[k], keyPath(path, k), out, depth + 1);
    }
    for (const k of Object.keys(after)) if (!Object.hasOwn(before, k)) out.push({ path: keyPath(path, k), op: "added", after: after[k] });
    return out.slice(0, MAX_CHANGES);
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path: path || "(whole)", op: "changed", before, after });
  return out;
}

const withoutContextPath = (v: Record<string, unknown> | undefined): Record<string, unknown> => {
  const { contextPath: _omit, ...rest } = v ?? {};
  return rest;
};

/** Collects one turn's explanation while the engine runs it. */
export class TurnExplainer {
  readonly data: TurnExplanation;
  /** Where the code now running comes from, for transitions it asks for. */
  private origin: { what: string; pos?: SourcePos } = { what: "transition" };

  constructor(
    request: BotRequest,
    context: string,
    private readonly current: () => string,
  ) {
    const raw: unknown = request.intent;
    const intent = typeof raw === "string" ? { path: raw } : request.intent ? { path: request.intent.path, ...(request.intent.score !== undefined ? { score: request.intent.score } : {}) } : undefined;
    const kind = request.timeout ? "timeout" : request.event ? "event" : request.targetState ? "targetState" : "text";
    this.data = {
      input: {
        kind,
        ...(request.query !== undefined ? { query: request.query } : {}),
        ...(request.event ? { event: request.event } : {}),
        ...(intent ? { intent } : {}),
        ...(request.targetState ? { targetState: request.targetState } : {}),
      },
      context: { before: context, after: context },
      decidedBy: "none",
      candidates: [],
      why: [],
      executed: [],
      transitions: [],
      replies: [],
      logs: [],
      errors: [],
      session: [],
      client: [],
    };
  }

  decided(by: string, ...why: string[]): void {
    this.data.decidedBy = by;
    this.data.why.push(...why);
  }

  because(...why: string[]): void {
    this.data.why.push(...why);
  }

  /** The code about to run (a reaction, a handler): transitions it asks for are attributed to it. */
  runs(what: string, pos?: SourcePos): void {
    this.origin = { what, pos };
  }

  transition(kind: string, from: string, to: string, pos?: SourcePos): void {
    this.data.transitions.push({ kind, from, to, ...(pos ? { at: posText(pos, true) } : {}) });
  }

  /** A transition asked for through $reactions.transition by the code that is running now. */
  scripted(from: string, to: string, deferred: boolean): void {
    const what = this.origin.what === "transition" ? "transition" : `transition from ${this.origin.what}`;
    this.transition(deferred ? `${what} (deferred)` : what, from, to, this.origin.pos);
  }

  log(level: ExplainedLog["level"], message: string, source: ExplainedLog["source"]): void {
    if (this.data.logs.length < 500) this.data.logs.push({ level, message, source, state: this.current() });
  }

  error(kind: TurnErrorKind, message: string, pos: SourcePos | undefined, state: string): ExplainedError {
    const e: ExplainedError = { kind, message, state, ...(pos ? { at: posText(pos, true) } : {}) };
    this.data.errors.push(e);
    return e;
  }

  /** Marks the winner among the candidates (the first one equal to `pick`), and names the runner-up. */
  select(pick: ((c: ExplainedCandidate) => boolean) | undefined): void {
    const list = this.data.candidates;
    const winner = pick ? list.find(pick) : undefined;
    if (winner) {
      winner.selected = true;
      this.data.winner = winner;
    }
    const runnerUp = list.find((c) => c !== winner && !c.skipped && c.target !== winner?.target) ?? list.find((c) => c !== winner && !c.skipped);
    if (runnerUp) this.data.runnerUp = runnerUp;
  }

  /** Nothing was selected: a `match`/`noMatch` event trigger takes the text, or the DialogError follows. */
  fallback(project: Project, context: string, t: Trigger | undefined, modal: string | undefined): void {
    if (!t) {
      this.because(`nothing was selected and no noMatch trigger is active: "No target state was determined"${modal ? ` (modal state ${modal})` : ""}`);
      return;
    }
    const c = candidateOf(project, context, t, eventTriggers(project, context, t.value).find((e) => e.trigger.id === t.id)?.tier);
    c.kind = "fallback";
    this.data.candidates.unshift(c); // the winner first, as everywhere
    this.select((x) => x === c);
    this.because(`nothing was selected: the nearest ${t.value} event trigger takes the text (${c.at})`);
  }

  finish(end: {
    contextAfter: string;
    executed: string[];
    replies: Reply[];
    session: [Record<string, unknown> | undefined, Record<string, unknown>];
    client: [Record<string, unknown> | undefined, Record<string, unknown>];
  }): TurnExplanation {
    const d = this.data;
    d.context.after = end.contextAfter;
    d.executed = [...end.executed];
    d.target ??= end.executed[0];
    d.replies = end.replies;
    d.session = jsonDiff(withoutContextPath(end.session[0]), withoutContextPath(end.session[1]));
    d.client = jsonDiff(end.client[0] ?? {}, end.client[1]);
    return d;
  }
}

const num = (n: number | undefined) => (n === undefined ? "?" : Number.isInteger(n) ? String(n) : n.toFixed(2));

function candidateOf(project: Project, context: string, t: Trigger, tier: number | undefined): ExplainedCandidate {
  const kind: CandidateKind = t.kind === "pattern" || t.kind === "intent" || t.kind === "intentGroup" || t.kind === "event" || t.kind === "example" ? t.kind : "example";
  return {
    kind,
    tag: triggerTag(t),
    trigger: t.value,
    state: t.owner,
    target: triggerTarget(t),
    at: posText(t.pos),
    ...(tier !== undefined ? { tier, locality: localityText(project, t, context, tier) } : {}),
  };
}

/** A candidate from a ranked hypothesis of selection.ts. */
function rankedCandidate(project: Project, context: string, r: Ranked): ExplainedCandidate {
  const t = r.trigger === undefined ? undefined : project.triggers[r.trigger];
  const c: ExplainedCandidate = t
    ? candidateOf(project, context, t, Number.isFinite(r.tier) ? r.tier : undefined)
    : { kind: r.hyp.ruleType, tag: r.hyp.ruleType, trigger: String(r.hyp.pattern ?? ""), state: r.hyp.clazz, target: r.hyp.clazz };
  c.kind = r.hyp.ruleType;
  c.score = r.hyp.score;
  if (r.hyp.weight !== undefined) c.weight = r.hyp.weight;
  const intent = r.hyp.debugInfo?.intent as IntentGuess | undefined;
  if (intent) c.intent = { path: intent.path, score: intent.score, ...(intent.source ? { source: intent.source } : {}) };
  if (r.hyp.ruleType === "pattern" && r.hyp.parseTree) {
    const words = formWords(String(r.hyp.pattern ?? ""), r.hyp.parseTree.words ?? []);
    if (words.length > 0) c.formWords = words;
  }
  return c;
}

const describe = (c: ExplainedCandidate) => `${c.tag}: ${c.trigger} (${c.at ?? c.state})`;
const PATTERN_KINDS: ReadonlySet<TriggerKind> = new Set(["pattern"]);

export interface TextSelection {
  project: Project;
  context: string;
  modal?: string;
  th: Thresholds;
  contextDepth: boolean;
  patterns: Ranked[];
  intents: Ranked[];
  examples: Ranked[];
  nBest: Hypothesis[]; // selection order, the selected one first
  guesses: IntentGuess[]; // every guess of the NLU, thresholds not applied
  /** Matches the pattern triggers given (id → tier) without converters (scripts do not run for them). */
  matchOutsideModal: (tiers: ReadonlyMap<number, number>) => PatternMatch[];
}

/** The candidates of a text request and why the default ranking picked the first (docs/nlu.md, "Selection"). */
export function explainText(ex: TurnExplainer, s: TextSelection): void {
  const { project, context, th } = s;
  ex.data.thresholds = { ...th };
  if (s.modal) ex.data.context.modal = s.modal;
  const ranked = [...s.patterns, ...s.intents, ...s.examples];
  const byHyp = new Map(ranked.map((r) => [r.hyp, r]));
  const ordered = s.nBest.map((h) => byHyp.get(h)).filter((r): r is Ranked => r !== undefined);
  const cands = ordered.map((r) => rankedCandidate(project, context, r));
  const candOf = new Map(ordered.map((r, i) => [r, cands[i]!]));
  ex.data.candidates.push(...cands);

  // Intent guesses under the phrases threshold: the triggers they would have fired, marked skipped.
  // (a score of 0 is no guess at all; the best five are enough)
  const low = s.guesses.filter((g) => g.score > 0 && g.score < intentThreshold(th, g.source)).slice(0, 5);
  if (low.length > 0) {
    const tiers = activeTiersOf(project, context);
    for (const r of intentHypotheses(project, low, tiers)) {
      const c = rankedCandidate(project, context, r);
      const g = r.hyp.debugInfo?.intent as IntentGuess;
      c.skipped = `score ${num(r.hyp.score)} < ${thresholdName(g?.source)} threshold ${num(intentThreshold(th, g?.source))}`;
      ex.data.candidates.push(c);
    }
  }
  // Patterns that match but are outside the modal state: ignored by locality.
  if (s.modal) {
    try {
      const outside = outsideModal(project, context, PATTERN_KINDS);
      if (outside.size > 0) {
        for (const r of patternHypotheses(project, s.matchOutsideModal(outside), outside)) {
          const c = rankedCandidate(project, context, r);
          c.skipped = `outside the modal state ${s.modal}`;
          ex.data.candidates.push(c);
        }
      }
    } catch {
      // only an explanation: a pattern that cannot match here is simply not listed
    }
  }

  const p0 = s.patterns[0];
  const i0 = s.intents[0];
  const e0 = s.examples[0];
  const first = ordered[0];
  ex.decided("text");
  if (s.modal) ex.because(`the context is inside the modal state ${s.modal}: only its own triggers count`);
  // The best few recognised intents that no active trigger takes (a classifier may return many).
  for (const g of s.guesses.filter((x) => x.score >= th.phrases).slice(0, 3)) {
    if (!s.intents.some((r) => (r.hyp.debugInfo?.intent as IntentGuess | undefined)?.path === g.path)) {
      ex.because(`intent ${g.path} (${num(g.score)}) was recognised, but no active intent trigger takes it here`);
    }
  }
  if (!first) {
    ex.because(ranked.length === 0 ? "no pattern, intent or example matched" : "nothing was selected");
    return;
  }
  const w = candOf.get(first)!;
  if (first === p0) {
    const second = s.patterns[1];
    ex.because(
      `${describe(w)} is ${s.patterns.length === 1 ? "the only matching pattern" : `the best of ${s.patterns.length} matching patterns`}: weight ${num(p0.hyp.weight)} = score ${num(p0.hyp.score)} + context bonus for tier ${num(w.tier)}` +
        (second ? `; next: ${describe(candOf.get(second)!)} weight ${num(second.hyp.weight)}, tier ${num(second.tier)}${second.hyp.weight === p0.hyp.weight ? " (equal weight: the one declared first wins)" : ""}` : ""),
    );
    if (w.formWords) ex.because(`words not written literally in the pattern (a stem, lemma, wildcard or named pattern took them): ${w.formWords.join(", ")}`);
    // The platform: a matching pattern wins even over an intent with a higher score; the
    // intentNoMatchThresholds filter intents only (docs/nlu.md, "Selection").
    if (i0) ex.because(`a matching pattern beats the intent ${(i0.hyp.debugInfo?.intent as IntentGuess).path}${s.contextDepth ? ` (its context is not farther: tier ${num(p0.tier)} ≤ ${num(i0.tier)})` : ""}`);
    else if (e0) ex.because("a matching pattern beats an example phrase in the same or a farther context");
  } else if (first === i0) {
    const g = i0.hyp.debugInfo?.intent as IntentGuess;
    ex.because(`${describe(w)} fires for intent ${g.path} (score ${num(g.score)} ≥ ${thresholdName(g.source)} threshold ${num(intentThreshold(th, g.source))}${g.source === "request" ? ", given by the channel" : ""}), tier ${num(i0.tier)}: nearest context first, then score, an exact intent before a group`);
    if (!p0) ex.because("no pattern matched");
    else if (s.contextDepth) ex.because(`nlp.considerContextDepthInStateSelectionV2: the best pattern is in a farther context (tier ${num(p0.tier)}) than the intent (tier ${num(i0.tier)})`);
  } else if (first === e0) {
    ex.because(`${describe(w)}: the text equals the example phrase (ignoring case and punctuation)${p0 ? `, and the example is nearer than the best pattern (tier ${num(e0.tier)} < ${num(p0.tier)})` : ""}`);
  }
  ex.select((c) => c === w);
}

/** The tiers of every active trigger in `context` (all kinds). */
function activeTiersOf(project: Project, context: string): ReadonlyMap<number, number> {
  return activeTriggers(project, context).tiers;
}

/** selectNLUResult handlers ran: did they change the selection? */
export function explainOverride(ex: TurnExplainer, before: Hypothesis | null, after: Hypothesis | null): void {
  const same = (a: Hypothesis | null, b: Hypothesis | null) => a?.clazz === b?.clazz && a?.ruleType === b?.ruleType && a?.score === b?.score;
  if (same(before, after)) {
    ex.because("selectNLUResult handlers ran and kept the selection");
    return;
  }
  ex.decided("selectNLUResult", `a selectNLUResult handler changed the selection from ${before ? `${before.ruleType} → ${before.clazz}` : "nothing"} to ${after ? `${after.ruleType} → ${after.clazz}` : "nothing"}`);
  for (const c of ex.data.candidates) delete c.selected;
  delete ex.data.winner;
  if (!after) return;
  const match = ex.data.candidates.find((c) => !c.skipped && c.target === after.clazz && c.kind === after.ruleType);
  if (match) ex.select((c) => c === match);
  else {
    const c: ExplainedCandidate = { kind: (after.ruleType as CandidateKind) ?? "pattern", tag: "selectNLUResult", trigger: String(after.pattern ?? after.ruleType), state: after.clazz, target: after.clazz, score: Number(after.score) };
    ex.data.candidates.unshift(c);
    ex.select((x) => x === c);
  }
}

/** An event request: every active trigger of that event, the nearest selected; else the noMatch fallback. */
export function explainEvent(ex: TurnExplainer, project: Project, context: string, name: string, chosen: Trigger | undefined): void {
  const own = eventTriggers(project, context, name);
  for (const { trigger, tier } of own) ex.data.candidates.push(candidateOf(project, context, trigger, tier));
  if (own.length > 0) {
    ex.decided("event", `the nearest active trigger of event ${name} wins (lowest tier, then declaration order)`);
    ex.select((c) => c.at === posText(chosen?.pos) && c.trigger === name);
    return;
  }
  if (chosen) {
    const tier = eventTriggers(project, context, chosen.value).find((e) => e.trigger.id === chosen.id)?.tier;
    const c = candidateOf(project, context, chosen, tier);
    c.kind = "fallback";
    ex.data.candidates.push(c);
    ex.decided("event", `no active trigger for event ${name}: the nearest noMatch takes it`);
    ex.select((x) => x === c);
    return;
  }
  ex.decided("event", `no active trigger for event ${name} and no noMatch: the turn is silent`);
}

/** Which of nlp.intentNoMatchThresholds applies to an intent guess: `patterns` for one matched by the intent's own CAILA patterns. */
const thresholdName = (source: string | undefined): string => (source === "pattern" ? "patterns" : "phrases");
