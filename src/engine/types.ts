import type { ParseNode } from "../patterns/types.js";
// The dialog engine's inputs and outputs. The engine is pure: a turn takes (project, request, stored
// state) and returns (replies, new state, effects); I/O, time and randomness come through HostServices.
import type { SourcePos } from "../dsl/ast.js";
import type { TurnExplanation } from "./explain.js";

/** What a channel (webhook, REPL, XML test) hands to the engine: JAICP's BotRequest. */
export interface BotRequest {
  query?: string; // text request ($request.query)
  event?: string; // event request ($request.event)
  targetState?: string; // direct target (test <request>, zb-common new session)
  timeout?: boolean; // fire the pending timeout (test <timeout/>)
  data?: Record<string, unknown>; // $request.data: eventData, targetState, newSession, smartRandom, offset…
  intent?: { path: string; score?: number; slots?: Record<string, unknown>; answer?: string }; // from the channel's NLU
  channelType?: string; // default "smartapp"
  channelUserId?: string;
  botId?: string;
  questionId?: string; // per request id (the SmartApp messageId as a string)
  language?: string;
  /** The user's offset from UTC in seconds (SmartApp meta.time.timezone_offset_sec): dates said in the text resolve in the user's wall time. */
  timezoneOffsetSec?: number;
  rawRequest?: unknown; // the whole channel payload
  userFrom?: Record<string, unknown>;
}

/** One intent hypothesis of the project's NLU for a phrase (CAILA's inference result). */
export interface IntentGuess {
  path: string; // "/Greeting"
  score: number; // 0..1, compared with nlp.intentNoMatchThresholds.phrases
  source?: "phrases" | "pattern" | "request"; // classifier, an intent's CAILA pattern, or given by the channel
  answer?: string;
  slots?: Record<string, unknown>;
  arrays?: string[]; // the slots of `slots` that are array slots: their value is the list of values
  entities?: FoundEntity[]; // the entities the slots were filled with, in text order ($context.entities)
}

/** An entity found in the phrase, as `$context.entities` / `$entities` hold it on the platform (docs/nlu.md). */
export interface FoundEntity {
  pattern: string; // the entity's name: "duckling.number", "City"
  startPos: number; // the index of its first word in the phrase (-1 when not known)
  length: number; // the number of its words
  value: string; // its DATA or its text, always a string (JSON text for an object)
  slot?: string; // the slot it filled
}

/** The project's intent classifier, trained at load (src/nlu). Synchronous: it runs inside a turn. */
export interface IntentClassifier {
  classify(text: string): IntentGuess[]; // best first; empty when nothing is recognised
  /**
   * The intent's slots found in the text: slot name → the entity's parse tree nodes, in text order
   * (one, or for an array slot one per value; docs/nlu.md). Slots named in `filled` take no
   * occurrence of their entity (they have a value already).
   */
  fillSlots?(path: string, text: string, now?: number, filled?: ReadonlySet<string>): Record<string, ParseNode[]>;
  /** The intent's slots as its CAILA export declares them, in order (docs/nlu.md, "Slots"). */
  slotsOf?(path: string): IntentSlotDef[];
}

/** A slot of a CAILA intent: the items of `$context.intent.slots` are the required ones (docs/nlu.md, "Slots"). */
export interface IntentSlotDef {
  name: string;
  entity: string; // "duckling.number", "City", …
  required: boolean;
  array: boolean;
  prompts: string[]; // the questions slot filling asks, in order
}

/** A filled slot as the platform reports it (`debugInfo.slots`, `data.slots`): `value` is JSON text or a plain string. */
export interface FoundSlot {
  name: string;
  value: string;
  array?: boolean;
}

/**
 * A slot filling in progress: zb-common's preProcess switched to the platform's slot-filling bot
 * (`cailapub-slotfilling`), which the engine emulates (src/engine/slot-filling.ts, docs/nlu.md).
 */
export interface SlotFillingState {
  intent: Record<string, unknown>; // the switch's `parameters.intent` ($context.intent), sent back as `data.intent`
  required: IntentSlotDef[]; // the intent's required slots, in order
  known: FoundSlot[]; // the slots filled so far
  entities: unknown[]; // the switch's `parameters.entities`, sent back as `data.entities`
  retries: number; // answers that did not fill the slot being asked
  maxSlotRetries: number;
  stopOnAnyIntent: boolean;
  stopOnAnyIntentThreshold: number;
  targetState: string; // where the filled slots go back: `/SlotFilling/return`
  promptState: string; // the state the prompts are stamped with: the intent's state
}

/** Everything persisted per user between turns. Plain JSON. */
export interface UserState {
  session: Record<string, unknown>; // $session (the engine keeps contextPath also as $session.contextPath)
  client: Record<string, unknown>; // $client
  contextPath: string; // "/" for a new dialog
  sessionId?: string; // changes on startSession / stopSession / newSession
  lastButtons?: Record<string, string>; // normalised button text -> absolute transition path
  pendingTimeout?: { interval: number; targetState: string; setAt: number };
  contextHistory?: string[];
  /** messageIds of the turns run with `TurnOptions.once` (payment events), the latest 64; kept by the executor, not the engine. */
  onceIds?: string[];
  /** A slot filling in progress (the emulated `cailapub-slotfilling` bot asks its prompts). */
  slotFilling?: SlotFillingState;
  /** An `InputText:` / `InputNumber:` tag waiting for the user's answer (src/engine/input-tags.ts). */
  pendingInput?: PendingInput;
}

/** What an `InputText:` / `InputNumber:` tag asked for; the next text from the user answers it. */
export interface PendingInput {
  kind: "text" | "number";
  varName: string; // the answer goes to $session[varName]
  then?: string; // absolute path of the state the answer leads to
  state: string; // the state of the tag: its replies are stamped with it
  prompt: Reply; // asked again after an answer InputNumber refuses, when there are no failure messages
  min?: number;
  max?: number;
  failureMessages?: string[];
}

export const emptyUserState = (): UserState => ({ session: {}, client: {}, contextPath: "/" });

/** One reply in $response.replies (spec dsl.md §6). `state` is stamped by the engine. */
export interface Reply {
  type: string; // text | buttons | inlineButtons | image | audio | video | location | card | cardList | raw | timeout | switch | …
  state?: string;
  [field: string]: unknown;
}

export type TurnErrorKind = "script" | "dialog" | "limit" | "timeout" | "internal";

export interface TurnResult {
  replies: Reply[]; // $response.replies after postProcess
  response: Record<string, unknown>; // the whole $response (replies included), for <responseData>
  state: UserState; // the new state to commit
  classifiedState?: string; // where execution started (XML `<a class=…>`)
  finalState?: string; // the last executed state
  executed?: string[]; // every state entered this turn, in order (test coverage)
  endSession: boolean; // stopSession/startSession/newSession or $response.endSession: the session ended with this turn
  newSession?: { message?: string; data?: unknown }; // $reactions.newSession was called
  timeout?: { interval: number; targetState: string }; // scheduled by this turn
  mails: Record<string, unknown>[]; // $mail calls (XML <mail>)
  error?: { kind: TurnErrorKind; message: string; pos?: SourcePos }; // a failure the turn reported (after the error path ran)
  nlu?: TurnNlu; // what the text request was recognised as (chat shows it)
  explanation?: TurnExplanation; // only when the turn ran with TurnRunOptions.explain (docs/engine.md)
}

/** The NLU outcome of a text request: the recognised intent and the hypothesis selection chose. */
export interface TurnNlu {
  intent?: { path: string; score: number; source?: IntentGuess["source"] };
  selected?: { ruleType: string; clazz: string; score: number };
}

/** Outbound HTTP as the script sees it (spec dsl.md §5.7), after URL templating and defaults. */
export interface HttpRequest {
  method: string; // upper-case
  url: string; // absolute, ${} placeholders already substituted
  headers: Record<string, string>;
  body?: string; // serialised body (JSON, form or text)
  timeoutMs: number; // capped at 25 s
  dataType?: "json" | "xml" | "text";
}

export interface HttpResponse {
  status: number; // -1 on transport error or timeout
  headers: Record<string, string>;
  body: string;
  error?: string; // e.g. "Read timed out"
}

/**
 * The host side of a turn. Every call is synchronous from the script's point of view: in the server
 * the worker blocks on an Atomics bridge while the main thread does the I/O; in tests it is a mock.
 */
export interface HostServices {
  http(req: HttpRequest): HttpResponse;
  /** Other host operations scripts reach synchronously (e.g. "smartpay.createInvoice"). Returns JSON data. */
  call(op: string, args: unknown): unknown;
  now(): number; // Unix ms; frozen by <dateTime> in tests
  random(max: number): number; // integer in [0, max); queued by <random> in tests
  /**
   * The seed of the turn's `Math.random` in the script realm, four unsigned 32-bit words
   * (`freshSeed()`, src/sandbox/host.ts). The worker tapes it, so a turn run again draws the same numbers.
   */
  seed(): number[];
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  env(name: string): string | undefined;
  secret(name: string): string | undefined;
}

/** A project ready to serve turns: src/engine/index.ts `createEngine(project, services)`. */
export interface Engine {
  process(request: BotRequest, state: UserState, options?: TurnRunOptions): TurnResult;
  /** Frees the script isolate; the engine is not used afterwards. */
  dispose(): void;
}

export interface TurnRunOptions {
  testContext?: Record<string, unknown>;
  /** Build TurnResult.explanation: candidates, the winner and why, transitions, logs, errors, session diff. Costs time; off by default. */
  explain?: boolean;
  /**
   * Replay a turn whose worker was killed for a sandbox limit (a CPU loop the realm could not stop,
   * a memory bomb): the request goes straight to the error path — onScriptError / onAnyError /
   * messages.onError — as if the script had thrown this error.
   */
  failWith?: { message: string; limit: "cpu" | "memory" };
}
