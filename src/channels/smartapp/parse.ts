// Body parsing that keeps `messageId` exact: real ids exceed 2^53 (spec §1), so the top-level token
// is kept as its digits and spliced back into the answer. Every other number becomes a JS number.
import { isLosslessNumber, LosslessNumber, parse } from "lossless-json";
import { WebhookRequestError } from "./errors.js";

export interface ParsedBody {
  /** The message; `messageId` is replaced by a JS stand-in for schema validation (see below). */
  body: Record<string, unknown>;
  /** The exact integer token of a numeric `messageId`, if it was one. */
  messageId?: string;
}

const INTEGER_TOKEN = /^-?(0|[1-9][0-9]*)$/;

export function parseBody(text: string): ParsedBody {
  if (text.trim() === "") throw new WebhookRequestError(400, "empty body: expected a SmartApp API message (a JSON object)", "invalid_json");
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
