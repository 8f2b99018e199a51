// Body parsing that keeps `messageId` exact: real ids exceed 2^53 (spec §1), so the top-level token
// is kept as its digits and spliced back into the answer. Every other number becomes a JS number.
import { isLosslessNumber, LosslessNumber, parse } from "lossless-json";
import { WebhookRequestError } from "./errors.js";
import { scanJsonText } from "../../util/json-text.js";

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
  return fastParse(text, colons) ?? losslessParse(text);
}

/**
 * The common case at native speed: JSON.parse gives the same plain-number tree as the lossless parse
 * below whenever the body has no duplicate keys (lossless-json refuses differing duplicates; JSON.parse
 * would keep the last) and its messageId, if numeric, is a safe integer (then String(n) is its exact
 * canonical token). Anything else (invalid JSON, duplicates, a big or fractional id) returns undefined
 * and takes the lossless path, which also produces the error messages.
 */
function fastParse(text: string, colons: number): ParsedBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    if (countMembers(value) !== colons) return undefined; // a key appeared twice somewhere
  } catch {
    return undefined; // invalid JSON, or nesting deeper than the stack: the lossless path reports it
  }
  const body = value as Record<string, unknown>;
  const id = body.messageId;
  if (typeof id !== "number") return { body };
  if (!Number.isSafeInteger(id)) return undefined;
  body.messageId = 0; // the schema's stand-in for a good id, as below
  return { body, messageId: String(id) }; // String(-0) is "0", like integerToken
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
  // the count differ, which sends the body down the lossless path.
  for (const k in value) n += 1 + countMembers((value as Record<string, unknown>)[k]);
  return n;
}

function losslessParse(text: string): ParsedBody {
  let value: unknown;
  try {
    value = parse(text, null, (token: string) => new LosslessNumber(token));
  } catch (err) {
    throw new WebhookRequestError(400, `body is not valid JSON: ${(err as Error).message}`, "invalid_json");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WebhookRequestError(400, "body must be a JSON object (a SmartApp API message)", "invalid_message");
  }
  const top = value as Record<string, unknown>;
  const rawId = top.messageId;
  const body = toPlainNumbers(top) as Record<string, unknown>;
  if (!isLosslessNumber(rawId)) return { body };
  const id = integerToken(rawId.value);
  // The schema sees 0 for a good id (any JS number would do) and a fraction for a bad one, so ajv
  // reports "messageId must be integer" without ever rounding a big id.
  body.messageId = id === undefined ? 0.5 : 0;
  return id === undefined ? { body } : { body, messageId: id };
}

/** The canonical integer token of a JSON number, or undefined when it is not an integer. */
function integerToken(token: string): string | undefined {
  if (INTEGER_TOKEN.test(token)) return token === "-0" ? "0" : token;
  // 1.0 or 1e3 are integers in JSON Schema; re-emit them as plain digits when that is exact.
  const n = Number(token);
  return Number.isSafeInteger(n) ? String(n) : undefined;
}

function toPlainNumbers(value: unknown): unknown {
  if (isLosslessNumber(value)) return Number.parseFloat(value.value); // nearest double, never throws
  if (Array.isArray(value)) return value.map(toPlainNumbers);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty so a "__proto__" key stays data and never becomes the prototype
      Object.defineProperty(out, k, { value: toPlainNumbers(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** The messageId for $request.rawRequest: a JS number when exact, else the digit string. */
export function messageIdValue(token: string): number | string {
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : token;
}
