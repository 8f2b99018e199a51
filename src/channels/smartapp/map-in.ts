// SmartApp API message → BotRequest (spec smartapp-api.md §6.1–§6.2, dsl.md §8.1).
import type { BotRequest } from "../../engine/types.js";
import { messageIdValue } from "./parse.js";
import type { SmartAppRequest } from "./types.js";
import { PAY_DIALOG_FINISHED, payDialogEventData } from "../../payments/pay-dialog-event.js";
import { isPaymentEventName } from "../../payments/core/model.js";

export interface MapInOptions {
  /** Which uuid field keys the user's state: `sub` (SberID, stable; falls back to userId) or `userId`. */
  sessionKey?: "sub" | "userId";
  /** $request.channelType; the real SmartApp Code value is unknown (spec §6.1), so it is configurable. */
  channelType?: string;
  /** A launch becomes the query "/start" (SmartApp Code projects match `q!: $regex</start>`) or the event "runApp". */
  launch?: "start" | "event";
  /** A voice launch that carries the launch phrase (MESSAGE_TO_SKILL, intent run_app, text): keep the text or treat it as a launch. */
  voiceLaunch?: "text" | "launch";
  /** Also expose the payment result as eventData[0] for seed-style scripts (spec §6.1). */
  payDialogSeedCompat?: boolean;
}

export interface MappedRequest {
  userKey: string;
  request: BotRequest;
  newSession: boolean;
  messageId: string;
}

export const LAUNCH_QUERY = "/start";
export const LAUNCH_EVENT = "runApp";
export { PAY_DIALOG_FINISHED };

// Messages answered by an event of the same name whose eventData is the payload (dsl.md §8.1).
const PAYLOAD_EVENTS = new Set(["CLOSE_APP", "TAKE_PROFILE_DATA", "RATING_RESULT", "TAKE_RUNTIME_PERMISSIONS"]);

export function mapIn(msg: SmartAppRequest, opts: MapInOptions = {}): MappedRequest {
  const userKey = userKeyOf(msg, opts.sessionKey ?? "sub");
  // Fields are added to dispatch's fresh object in place: an object literal mixing spreads and
  // fields cost ≈ 2 KB and several µs per request (docs/benchmarks.md).
  const request: BotRequest = dispatch(msg, opts);
  request.channelType = opts.channelType ?? "smartapp";
  request.channelUserId = userKey;
  request.questionId = msg.messageId;
  request.language = languageOf(msg.payload);
  const offset = timezoneOf(msg.payload);
  if (offset !== undefined) request.timezoneOffsetSec = offset;
  request.rawRequest = { ...msg.raw, messageId: messageIdValue(msg.messageId) };
  return { userKey, request, newSession: msg.payload.new_session === true, messageId: msg.messageId };
}

function userKeyOf(msg: SmartAppRequest, key: "sub" | "userId"): string {
  const { sub, userId } = msg.uuid;
  if (key === "sub" && typeof sub === "string" && sub !== "") return sub;
  return String(userId);
}

type Dispatch = Pick<BotRequest, "query" | "event" | "data" | "intent">;

function dispatch(msg: SmartAppRequest, opts: MapInOptions): Dispatch {
  const sa = msg.serverAction;
  // The pay dialog's return is recognised by action_id whatever the messageName is (spec §4.3).
  if (sa?.action_id === PAY_DIALOG_FINISHED) return payDialogFinished(sa.parameters, opts.payDialogSeedCompat ?? true);
  const { messageName, payload } = msg;
  if (PAYLOAD_EVENTS.has(messageName)) return { event: messageName, data: { eventData: payloadEventData(messageName, payload) } };
  if (messageName === "MESSAGE_TO_SKILL") {
    const text = originalText(payload);
    const voiceLaunch = payload.intent === "run_app" && (text === "" || opts.voiceLaunch === "launch");
    if (voiceLaunch) return launch(undefined, opts);
    const intent = projectIntent(payload.intent);
    return intent ? { query: text, data: {}, intent } : { query: text, data: {} };
  }
  // RUN_APP and SERVER_ACTION: run_app (or none) is a launch, any other action_id an event.
  if (!sa || sa.action_id === "run_app") return launch(sa?.parameters, opts);
  // payment.* / refund.* events come only from the payment core: a client's action_id of that name
  // is kept apart as "client.<name>", so no request can pose as a payment.
  const event = isPaymentEventName(sa.action_id) ? `client.${sa.action_id}` : sa.action_id;
  return { event, data: { eventData: sa.parameters ?? {} } };
}

function launch(parameters: unknown, opts: MapInOptions): Dispatch {
  // Launch parameters (e.g. an app-to-app caller) stay readable as eventData in both modes.
  const data = { eventData: parameters ?? {} };
  return opts.launch === "event" ? { event: LAUNCH_EVENT, data } : { query: LAUNCH_QUERY, data };
}

function payDialogFinished(parameters: unknown, seedCompat: boolean): Dispatch {
  return { event: PAY_DIALOG_FINISHED, data: { eventData: payDialogEventData(parameters, seedCompat) } };
}

function payloadEventData(messageName: string, payload: Record<string, unknown>): Record<string, unknown> {
  // The runtime-permissions doc page reads eventData.payload.status_code, the others
  // eventData.status_code: offer both (a copy, so nothing is circular).
  if (messageName === "TAKE_RUNTIME_PERMISSIONS") return { ...payload, payload: { ...payload } };
  return payload;
}

/**
 * The assistant's `intent` is usually its own routing value ("scenario", "run_app"); one written as an
 * intent path ("/Greeting") names a project intent and is taken as recognised. Otherwise the engine
 * classifies original_text with the project's NLU (docs/nlu.md).
 */
function projectIntent(value: unknown): BotRequest["intent"] {
  return typeof value === "string" && /^\/[^\s]*$/.test(value) && value.length > 1 ? { path: value, score: 1 } : undefined;
}

function originalText(payload: Record<string, unknown>): string {
  const message = payload.message as Record<string, unknown> | undefined;
  return typeof message?.original_text === "string" ? message.original_text : "";
}

/** No documented language field exists; look where one would be, else Russian. */
function languageOf(payload: Record<string, unknown>): string {
  const candidates = [payload.language, field(payload.meta, "language"), field(payload.character, "language"), field(payload.character, "lang")];
  for (const c of candidates) if (typeof c === "string" && c !== "") return c;
  return "ru";
}

/** The user's UTC offset (meta.time.timezone_offset_sec); a value no time zone has is ignored. */
function timezoneOf(payload: Record<string, unknown>): number | undefined {
  const offset = field(field(payload.meta, "time"), "timezone_offset_sec");
  return Number.isInteger(offset) && Math.abs(offset as number) <= 14 * 3600 ? (offset as number) : undefined;
}

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}
