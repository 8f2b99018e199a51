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

/** One line of JSON; U+2028/2029 escaped too, so no consumer can see a line break. */
function compact(value: unknown): string {
  return JSON.stringify(stripNulls(value)).replace(/[\u2028\u2029]/g, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"));
}

export function serializeAnswer(answer: SmartAppAnswer): string {
  const parts = [`"messageName":${compact(answer.messageName)}`];
  // The token was checked to be an integer when the request was parsed; check again before splicing.
  if (answer.messageId !== undefined && INTEGER_TOKEN.test(answer.messageId)) parts.push(`"messageId":${answer.messageId}`);
  if (answer.sessionId !== undefined) parts.push(`"sessionId":${compact(answer.sessionId)}`);
  if (answer.uuid !== undefined && answer.uuid !== null) parts.push(`"uuid":${compact(answer.uuid)}`);
  parts.push(`"payload":${compact(answer.payload)}`);
  return `{${parts.join(",")}}`;
}
