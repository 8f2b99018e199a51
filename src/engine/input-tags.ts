// The answer to an `InputText:` / `InputNumber:` action tag (docs/engine.md, "Action tags"). The
// platform runs such a tag as a script action: it asks its prompt, and the user's next text is kept
// in `$session.<varName>` before the dialog goes to the tag's `then` state. The tag's turn leaves
// what it asked for in the user's stored state (`UserState.pendingInput`); the next request is
// answered here, around the turn, so the webhook, chat and the XML tests behave alike.
import type { BotRequest, HostServices, PendingInput, Reply, TurnResult, UserState } from "./types.js";
import { normaliseButtonText } from "./buttons.js";

type RunTurn = (request: BotRequest, state: UserState) => TurnResult;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The stored value read back with every field checked (a store may hold anything, and a deploy
 * may have renamed a state while the tag waited): the reason it is unusable, else undefined.
 */
function invalidPending(v: unknown, stateExists: (path: string) => boolean): string | undefined {
  if (!isObject(v)) return "not an object";
  if (v.kind !== "text" && v.kind !== "number") return "kind";
  if (typeof v.varName !== "string" || v.varName === "") return "varName";
  if (typeof v.state !== "string") return "state";
  if (!isObject(v.prompt) || v.prompt.type !== "text" || typeof v.prompt.text !== "string" || (v.prompt.html !== undefined && typeof v.prompt.html !== "string")) return "prompt";
  if (v.then !== undefined && (typeof v.then !== "string" || !stateExists(v.then))) return `then (${String(v.then)})`;
  if (v.min !== undefined && !isNumber(v.min)) return "min";
  if (v.max !== undefined && !isNumber(v.max)) return "max";
  if (v.failureMessages !== undefined && !(Array.isArray(v.failureMessages) && v.failureMessages.every((m) => typeof m === "string"))) return "failureMessages";
  return undefined;
}

/** The launch query of a SmartApp launch (RUN_APP, run_app): a start, not what the user typed. */
const LAUNCH_QUERY = "/start";

/** A text from the user; launches, events, timeouts and requests with their own target are not answers. */
const isAnswer = (r: BotRequest): r is BotRequest & { query: string } =>
  typeof r.query === "string" && r.query !== LAUNCH_QUERY && r.event === undefined && r.targetState === undefined && r.timeout !== true;

/** A number as typed: `42`, `-3`, `4.5`, `4,5` [I: the platform's parser is not documented]. */
export function parseTypedNumber(text: string): number | undefined {
  const t = text.trim().replace(",", ".");
  return /^[-+]?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

export function processWithInput(
  services: Pick<HostServices, "random" | "log">,
  stateExists: (path: string) => boolean,
  request: BotRequest,
  state: UserState,
  run: RunTurn,
): TurnResult {
  if (state.pendingInput === undefined) return run(request, state);
  const rest: UserState = { ...state };
  delete rest.pendingInput;
  const pending = state.pendingInput;
  // A malformed or stale value is dropped and the turn dispatches as usual.
  const invalid = invalidPending(pending, stateExists);
  if (invalid !== undefined) {
    services.log("warn", `InputText/InputNumber: the stored answer it waits for is unusable (${invalid}); dropped`);
    return run(request, rest);
  }
  if (!isAnswer(request)) return keptAcross(pending, state, run(request, rest));
  // A button of the prompt (its `actions`) leads where the button says, not into the variable.
  const buttons = state.lastButtons;
  if (buttons && Object.hasOwn(buttons, normaliseButtonText(request.query))) return run(request, rest);
  let value: string | number = request.query;
  if (pending.kind === "number") {
    const n = parseTypedNumber(request.query);
    const outside = n === undefined || (pending.min !== undefined && n < pending.min) || (pending.max !== undefined && n > pending.max);
    if (outside) return refused(services, state, pending);
    value = n;
  }
  const answered: UserState = { ...rest, session: { ...(rest.session ?? {}), [pending.varName]: value } };
  return run(pending.then !== undefined ? { ...request, targetState: pending.then } : request, answered);
}

/**
 * Another request while the tag waits (an event, a timeout) runs in the scenario and the tag keeps
 * waiting, unless that turn asked for input itself or ended the session.
 */
function keptAcross(pending: PendingInput, before: UserState, result: TurnResult): TurnResult {
  if (result.state.pendingInput !== undefined) return result;
  if (result.endSession || result.newSession !== undefined || result.state.sessionId !== before.sessionId) return result;
  return { ...result, state: { ...result.state, pendingInput: pending } };
}

/** InputNumber's answer to a text that is not a number in range: one of `failureMessage`, else the prompt again. */
function refused(services: Pick<HostServices, "random">, state: UserState, pending: PendingInput): TurnResult {
  const list = pending.failureMessages ?? [];
  const reply: Reply =
    list.length > 0 ? { type: "text", text: list[Math.min(list.length - 1, Math.max(0, Math.floor(services.random(list.length))))], state: pending.state } : promptAgain(pending);
  return { replies: [reply], response: { replies: [reply] }, state: { ...state }, endSession: false, mails: [] };
}

/** The prompt again, rebuilt from its known fields only (it was read back from the store). */
function promptAgain(pending: PendingInput): Reply {
  const { text, html } = pending.prompt;
  return typeof html === "string" ? { type: "text", text, html, htmlEnabled: true, state: pending.state } : { type: "text", text, state: pending.state };
}
