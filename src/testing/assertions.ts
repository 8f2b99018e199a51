// Assertion semantics (spec dsl.md §7.2): each check looks at the most recent step's TurnResult.
// `<a>` consumes text replies in order; everything else only reads.
import type { Reply, TurnResult } from "../engine/types.js";
import { getPath, normalisePath, normaliseText, parsePath, partialMismatch } from "./match.js";
import type { AssertItem } from "./model.js";

/** The response of one step plus how far `<a>` has consumed its text replies. */
export interface StepOutcome {
  result: TurnResult;
  cursor: number; // index into result.replies where the next `<a>` starts looking
}

/** Why an assertion failed, with the expected and actual values the report shows side by side. */
export interface AssertFailure {
  message: string;
  expected?: Record<string, unknown>;
  actual?: Record<string, unknown>;
}

const isText = (r: Reply): boolean => r.type === "text";
// Replies a text-less `<a>` may stand for; a timeout is a scheduled event, not a reply.
const isAssertable = (r: Reply): boolean => r.type !== "timeout";
const textOf = (r: Reply): string => (typeof r.text === "string" ? r.text : String(r.text ?? ""));
const quote = (s: string): string => JSON.stringify(s);

/** Text replies not consumed by `<a>` yet. */
export function unconsumedTexts(outcome: StepOutcome): Reply[] {
  return outcome.result.replies.slice(outcome.cursor).filter(isText);
}

function checkA(item: Extract<AssertItem, { kind: "a" }>, outcome: StepOutcome): AssertFailure | undefined {
  const expected: Record<string, unknown> = {};
  if (item.text !== undefined) expected.text = normaliseText(item.text);
  if (item.contains !== undefined) expected.contains = item.contains;
  if (item.state) expected.state = normalisePath(item.state);
  if (item.cls) expected.class = normalisePath(item.cls);
  const replies = outcome.result.replies;
  let i = outcome.cursor;
  while (i < replies.length && !isText(replies[i]!)) i++;
  // An `<a>` with no text to compare ("a reply exists", maybe from a state) is also met by a
  // buttons / image / audio reply when no text reply is left: a state that only shows buttons is
  // asserted this way (docs/testing.md, "<a> without text").
  if (i >= replies.length && item.text === undefined && item.contains === undefined) {
    i = outcome.cursor;
    while (i < replies.length && !isAssertable(replies[i]!)) i++;
  }
  if (i >= replies.length) {
    const message =
      item.text !== undefined ? `expected the text reply ${quote(normaliseText(item.text))}, but there are no more text replies`
      : item.contains !== undefined ? `expected a text reply containing ${quote(item.contains)}, but there are no more text replies`
      : "expected a reply, but there are no more replies";
    return { message, expected, actual: { text: null } };
  }
  const reply = replies[i]!;
  outcome.cursor = i + 1;
  const text = normaliseText(textOf(reply));
  const actual: Record<string, unknown> = isText(reply) ? { text } : { type: reply.type };
  if (item.state) actual.state = reply.state ?? null;
  if (item.cls) actual.class = outcome.result.classifiedState ?? null;
  if (item.text !== undefined && text !== expected.text) return { message: `expected text ${quote(expected.text as string)} but got ${quote(text)}`, expected, actual };
  if (item.contains !== undefined && !text.includes(normaliseText(item.contains))) return { message: `expected text containing ${quote(item.contains)} but got ${quote(text)}`, expected, actual };
  if (item.state && reply.state !== expected.state) return { message: `expected the reply from state ${expected.state as string} but it came from ${reply.state ?? "(no state)"}`, expected, actual };
  if (item.cls && outcome.result.classifiedState !== expected.class) return { message: `expected the request to be classified into ${expected.class as string} but it went to ${outcome.result.classifiedState ?? "(nothing)"}`, expected, actual };
  return undefined;
}

/**
 * The response as the platform's test runner shows it to `<responseData>`: `$response` plus `answer`,
 * the texts of the text replies joined by a blank line, unless a script set `$response.answer` itself
 * (docs/testing.md, "<responseData>").
 */
function responseView(result: TurnResult): Record<string, unknown> {
  const replies = result.response.replies ?? result.replies;
  const view: Record<string, unknown> = { ...result.response, replies };
  if (view.answer === undefined && Array.isArray(replies)) view.answer = (replies as Reply[]).filter(isText).map(textOf).join("\n\n");
  return view;
}

function checkResponseData(item: Extract<AssertItem, { kind: "responseData" }>, outcome: StepOutcome): AssertFailure | undefined {
  const response = responseView(outcome.result);
  let actual: unknown = response;
  if (item.field) {
    const path = parsePath(item.field);
    if (!path) return { message: `cannot read field path ${quote(item.field)}` };
    const got = getPath(response, path);
    if (!got.found) return { message: `$response has no field ${item.field}`, expected: { [item.field]: item.expected }, actual: { [item.field]: undefined } };
    actual = got.value;
  }
  const at = partialMismatch(item.expected, actual);
  if (at === undefined) return undefined;
  const where = item.field ? `${item.field}${at.slice(1)}` : at;
  const label = item.field ?? "$response";
  return { message: `$response data differs at ${where}`, expected: { [label]: item.expected }, actual: { [label]: actual } };
}

function checkTimeout(item: Extract<AssertItem, { kind: "timeoutReply" }>, outcome: StepOutcome): AssertFailure | undefined {
  const reply = outcome.result.replies.find((r) => r.type === "timeout");
  const t = outcome.result.timeout ?? (reply ? { interval: Number(reply.interval), targetState: String(reply.targetState ?? "") } : undefined);
  const expected: Record<string, unknown> = {};
  if (item.interval !== undefined) expected.interval = item.interval;
  if (item.targetState) expected.targetState = normalisePath(item.targetState);
  if (!t) return { message: "expected a timeout to be scheduled, but none was", expected, actual: { timeout: null } };
  const actual = { interval: t.interval, targetState: t.targetState };
  if (item.interval !== undefined && t.interval !== item.interval) return { message: `expected a timeout of ${item.interval} s but got ${t.interval} s`, expected, actual };
  if (item.targetState && t.targetState !== expected.targetState) return { message: `expected a timeout to ${expected.targetState as string} but it goes to ${t.targetState}`, expected, actual };
  return undefined;
}

function checkNewSession(item: Extract<AssertItem, { kind: "newSession" }>, outcome: StepOutcome): AssertFailure | undefined {
  const ns = outcome.result.newSession;
  const expected: Record<string, unknown> = {};
  if (item.message !== undefined) expected.message = item.message;
  if (item.hasData) expected.data = item.data;
  if (!ns) return { message: "expected a new session to be requested, but it was not", expected, actual: { newSession: null } };
  const actual: Record<string, unknown> = { message: ns.message, data: ns.data };
  if (item.message !== undefined && normaliseText(ns.message ?? "") !== normaliseText(item.message)) return { message: `expected the new session message ${quote(item.message)} but got ${quote(ns.message ?? "")}`, expected, actual };
  if (item.hasData) {
    const at = partialMismatch(item.data, ns.data);
    if (at !== undefined) return { message: `new session data differs at ${at}`, expected, actual };
  }
  return undefined;
}

// The engine's mail record may name fields after $mail's settings (to / text / content); accept both.
const MAIL_FIELDS = { recipient: ["recipient", "to", "destination"], subject: ["subject"], body: ["body", "text", "content", "html"] } as const;

function mailField(mail: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = mail[n];
    if (v !== undefined && v !== null) return Array.isArray(v) ? v.join(", ") : String(v);
  }
  return undefined;
}

function checkMail(item: Extract<AssertItem, { kind: "mail" }>, outcome: StepOutcome): AssertFailure | undefined {
  const mails = outcome.result.mails ?? [];
  const expected: Record<string, unknown> = {};
  for (const k of ["recipient", "subject", "body"] as const) if (item[k] !== undefined) expected[k] = item[k];
  const ok = mails.some((m) => (["recipient", "subject", "body"] as const).every((k) => item[k] === undefined || normaliseText(mailField(m, MAIL_FIELDS[k]) ?? "") === normaliseText(item[k]!)));
  if (ok) return undefined;
  const actual = { mails: mails.map((m) => ({ recipient: mailField(m, MAIL_FIELDS.recipient), subject: mailField(m, MAIL_FIELDS.subject), body: mailField(m, MAIL_FIELDS.body) })) };
  return { message: mails.length ? "no $mail call has these values" : "expected a $mail call, but there was none", expected, actual };
}

/** Checks one assertion; `<a>` advances `outcome.cursor`. */
export function checkAssertion(item: AssertItem, outcome: StepOutcome): AssertFailure | undefined {
  switch (item.kind) {
    case "a":
      return checkA(item, outcome);
    case "responseData":
      return checkResponseData(item, outcome);
    case "timeoutReply":
      return checkTimeout(item, outcome);
    case "newSession":
      return checkNewSession(item, outcome);
    case "mail":
      return checkMail(item, outcome);
  }
}
