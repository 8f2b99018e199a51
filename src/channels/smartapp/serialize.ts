// Answer serialisation: compact JSON, no null anywhere (spec §1), messageId spliced in as the exact
// integer token the request carried.
import type { SmartAppAnswer } from "./types.js";

const INTEGER_TOKEN = /^-?[0-9]+$/;

/** Drops null, undefined and non-finite numbers (JSON.stringify would write them as null), recursively. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter(keep).map(stripNulls);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (keep(v)) Object.defineProperty(out, k, { value: stripNulls(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function keep(v: unknown): boolean {
  if (v === null || v === undefined || typeof v === "function" || typeof v === "symbol") return false;
  return typeof v !== "number" || Number.isFinite(v);
}

/**
 * True when JSON.stringify alone writes what it writes of stripNulls(value): plain objects and
 * arrays only, no null or non-finite number anywhere, and nothing an array would write as null.
 * Most answers are such, and then need no stripped copy (one copy of every answer saved).
 */
function writesAsIs(value: unknown): boolean {
  if (value === null) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false; // undefined, a function or a symbol here would be written as null
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!writesAsIs(item)) return false;
    return true;
  }
  // Dates and other classes (toJSON, own prototypes) are left to stripNulls, as before.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key];
    // Omitted by both ways of writing an object member.
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    if (!writesAsIs(member)) return false;
  }
  return true;
}

/** One line of JSON; U+2028/2029 escaped too, so no consumer can see a line break. */
function compact(value: unknown): string {
  return JSON.stringify(writesAsIs(value) ? value : stripNulls(value)).replace(/[\u2028\u2029]/g, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"));
}

export function serializeAnswer(answer: SmartAppAnswer): string {
  let text = `{"messageName":${compact(answer.messageName)}`;
  // The token was checked to be an integer when the request was parsed; check again before splicing.
  if (answer.messageId !== undefined && INTEGER_TOKEN.test(answer.messageId)) text += `,"messageId":${answer.messageId}`;
  if (answer.sessionId !== undefined) text += `,"sessionId":${compact(answer.sessionId)}`;
  if (answer.uuid !== undefined && answer.uuid !== null) text += `,"uuid":${compact(answer.uuid)}`;
  return `${text},"payload":${compact(answer.payload)}}`;
}
