// Body parsing that keeps `messageId` exact: real ids exceed 2^53 (spec §1), so the top-level token
// is kept as its digits and spliced back into the answer. Every other number becomes a JS number.
import { WebhookRequestError } from "./errors.js";
import { scanJsonText, topLevelNumberToken } from "../../util/json-text.js";

export interface ParsedBody {
  /** The message; `messageId` is replaced by a JS stand-in for schema validation (see below). */
  body: Record<string, unknown>;
  /** The exact integer token of a numeric `messageId`, if it was one. */
  messageId?: string;
}

const INTEGER_TOKEN = /^-?(0|[1-9][0-9]*)$/;

/**
 * Deepest nesting of objects and arrays a body may have (docs/security.md). Real SmartApp messages
 * nest under 15 levels; a few thousand levels overflow the stack of the parsers and of the worker
 * hand-off (structured clone), so the limit is checked on the raw text before anything recurses.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export interface ParseLimits {
  maxDepth?: number; // default DEFAULT_MAX_JSON_DEPTH
}

export function parseBody(text: string, limits: ParseLimits = {}): ParsedBody {
  if (text.trim() === "") throw new WebhookRequestError(400, "empty body: expected a SmartApp API message (a JSON object)", "invalid_json");
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const { colons, depth } = scanJsonText(text, maxDepth);
  if (depth > maxDepth) {
    throw new WebhookRequestError(400, `body nests objects/arrays deeper than ${maxDepth} levels`, "too_deep");
  }
  return nativeParse(text, colons);
}

/**
 * JSON.parse, and the exact messageId token read off the text: the cost of a body stays that of the
 * native parser whatever its shape. A JavaScript parser (lossless-json) took the bodies with an id
 * beyond 2^53 (the platform's usual ids), duplicate keys or invalid JSON: up to half a second of the
 * main thread for 1 MB of `{},{},…`, five times the native parse (docs/security.md, "Seventh
 * red-team round"). A body with a key twice is refused, equal values or not: two parsers may read it
 * differently, and no client sends one.
 */
function nativeParse(text: string, colons: number): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WebhookRequestError(400, `body is not valid JSON: ${(err as Error).message}`, "invalid_json");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WebhookRequestError(400, "body must be a JSON object (a SmartApp API message)", "invalid_message");
  }
  if (countMembers(value) !== colons) {
    throw new WebhookRequestError(400, "body is not valid JSON: an object has the same key twice", "invalid_json");
  }
  const body = value as Record<string, unknown>;
  const id = body.messageId;
  if (typeof id !== "number") return { body };
  // A safe integer's String is its exact canonical token (String(-0) is "0"); a larger or
  // fractional one is read from the text, which JSON.parse has rounded.
  const token = Number.isSafeInteger(id) ? String(id) : integerToken(topLevelNumberToken(text, "messageId") ?? "");
  // The schema sees 0 for a good id (any JS number would do) and a fraction for a bad one, so ajv
  // reports "messageId must be integer" without ever rounding a big id.
  body.messageId = token === undefined ? 0.5 : 0;
  return token === undefined ? { body } : { body, messageId: token };
}

/** Object members in a parsed tree. */
function countMembers(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) n += countMembers(v);
    return n;
  }
  // for-in allocates no key array; an inherited enumerable key (a polluted prototype) only makes
  // the count differ, which refuses the body rather than read it wrong.
  for (const k in value) n += 1 + countMembers((value as Record<string, unknown>)[k]);
  return n;
}

/** The canonical integer token of a JSON number, or undefined when it is not an integer. */
function integerToken(token: string): string | undefined {
  if (INTEGER_TOKEN.test(token)) return token === "-0" ? "0" : token;
  // 1.0 or 1e3 are integers in JSON Schema; re-emit them as plain digits when that is exact.
  const n = Number(token);
  return Number.isSafeInteger(n) ? String(n) : undefined;
}

/** The messageId for $request.rawRequest: a JS number when exact, else the digit string. */
export function messageIdValue(token: string): number | string {
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : token;
}
