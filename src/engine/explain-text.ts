// The explained turn in words: the full block `smartapp chat` prints for /why (and `serve` logs on a
// terminal), and the few lines a failing XML test step adds to its report (docs/engine.md).
import type { ExplainedCandidate, JsonChange, TurnExplanation } from "./explain.js";
import { isWithin } from "./paths.js";

const num = (n: number | undefined): string => (n === undefined ? "?" : Number.isInteger(n) ? String(n) : n.toFixed(2));
const clip = (s: string, max = 120): string => (s.length > max ? s.slice(0, max - 1) + "…" : s);
const json = (v: unknown): string => clip(JSON.stringify(v) ?? "undefined", 80);

/** `q!: order * → /GlobalOrder (src/main.sc:20, global, score 0.50)` */
export function describeCandidate(c: ExplainedCandidate): string {
  const facts = [c.at, c.locality ?? (c.tier !== undefined ? `tier ${c.tier}` : undefined)];
  if (c.score !== undefined) facts.push(`score ${num(c.score)}`);
  if (c.weight !== undefined && c.kind === "pattern") facts.push(`weight ${num(c.weight)}`);
  if (c.intent && c.intent.path !== c.trigger) facts.push(`intent ${c.intent.path}`);
  if (c.formWords) facts.push(`not literal: ${c.formWords.join(", ")}`);
  const kind = c.kind === "fallback" ? "fallback " : "";
  return `${kind}${c.tag}: ${clip(c.trigger, 60)} → ${c.target} (${facts.filter(Boolean).join(", ")})`;
}

function describeInput(e: TurnExplanation): string {
  const i = e.input;
  let what: string;
  if (i.kind === "event") what = `event ${i.event}`;
  else if (i.kind === "timeout") what = "the scheduled timeout";
  else if (i.kind === "targetState") what = `a request for ${i.targetState}`;
  else what = `text ${JSON.stringify(i.query ?? "")}`;
  if (i.matchedQuery !== undefined) what += ` (matched as ${JSON.stringify(i.matchedQuery)} after preMatch)`;
  if (i.intent) what += ` with intent ${i.intent.path}${i.intent.score !== undefined ? ` ${num(i.intent.score)}` : ""} from the channel`;
  return `${what} in ${e.context.before}${e.context.modal ? ` (modal state ${e.context.modal})` : ""}`;
}

function describeChanges(changes: JsonChange[]): string {
  return changes
    .map((c) => (c.op === "added" ? `+${c.path} = ${json(c.after)}` : c.op === "removed" ? `-${c.path}` : `${c.path}: ${json(c.before)} → ${json(c.after)}`))
    .join("; ");
}

const MAX_CANDIDATES = 10;

/** The whole explanation, one fact per line (no colours; callers indent). */
export function formatExplanation(e: TurnExplanation): string[] {
  const out: string[] = [`turn: ${describeInput(e)}`];
  const th = e.thresholds ? ` (thresholds: patterns ${num(e.thresholds.patterns)}, phrases ${num(e.thresholds.phrases)})` : "";
  out.push(`decided by: ${e.decidedBy}${th}`);
  if (e.candidates.length > 0) {
    out.push("candidates:");
    for (const c of e.candidates.slice(0, MAX_CANDIDATES)) {
      out.push(`  ${c.selected ? "✓" : c.skipped ? "✗" : "·"} ${describeCandidate(c)}${c.skipped ? ` — skipped: ${c.skipped}` : ""}`);
    }
    if (e.candidates.length > MAX_CANDIDATES) out.push(`  … ${e.candidates.length - MAX_CANDIDATES} more`);
  }
  if (e.why.length > 0) {
    out.push("why:");
    for (const w of e.why) out.push(`  - ${w}`);
  }
  for (const t of e.transitions) out.push(`transition: ${t.kind} ${t.from} → ${t.to}${t.at ? ` (${t.at})` : ""}`);
  out.push(`executed: ${e.executed.length ? e.executed.join(" → ") : "(nothing)"}; context ${e.context.before} → ${e.context.after}`);
  for (const l of e.logs) out.push(`log [${l.level}] ${l.source === "script" ? "" : "(engine) "}${clip(l.message, 200)} (${l.state})`);
  for (const x of e.errors) out.push(`error: ${x.kind}${x.at ? ` at ${x.at}` : ""} in ${x.state}: ${x.message}${x.handledBy ? ` → ${x.handledBy}` : ""}`);
  if (e.session.length) out.push(`$session: ${describeChanges(e.session)}`);
  if (e.client.length) out.push(`$client: ${describeChanges(e.client)}`);
  if (e.newSession) {
    out.push("then, in a new session:");
    for (const line of formatExplanation(e.newSession)) out.push("  " + line);
  }
  return out;
}

/**
 * The few lines a failed test step needs: which state won and why, what happened to the expected
 * state's triggers, the runner-up. `expectedState` is the assertion's `state` when it has one.
 */
export function explainMismatch(e: TurnExplanation, expectedState?: string): string[] {
  const out: string[] = [];
  const won = e.target ?? e.executed[0];
  if (!won) out.push(`why: no state ran (${e.why[0] ?? `decided by ${e.decidedBy}`})`);
  else out.push(`why: ${won} won${e.winner ? ` — ${describeCandidate(e.winner)}` : ` (decided by ${e.decidedBy})`}`);
  if (e.context.modal) out.push(`  context ${e.context.before} is inside the modal state ${e.context.modal}`);
  if (expectedState && expectedState !== won) {
    const hits = e.candidates.filter((c) => isWithin(c.target, expectedState) || isWithin(expectedState, c.target));
    if (hits.length === 0) out.push(`  expected ${expectedState}: none of its triggers matched from context ${e.context.before}`);
    for (const c of hits.slice(0, 3)) out.push(`  expected ${expectedState}: ${describeCandidate(c)}${c.skipped ? ` — skipped: ${c.skipped}` : c.selected ? "" : " — ranked lower"}`);
  }
  if (e.runnerUp && !(expectedState && isWithin(e.runnerUp.target, expectedState))) out.push(`  runner-up: ${describeCandidate(e.runnerUp)}`);
  for (const w of e.why.slice(0, 3)) out.push(`  - ${w}`);
  for (const x of e.errors) out.push(`  error: ${x.kind}${x.at ? ` at ${x.at}` : ""}: ${x.message}`);
  return out;
}
