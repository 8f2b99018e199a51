// Tolerant reading of SmartPay bodies (spec §5.3, §8): ids and codes arrive as strings or numbers,
// `error_description` as a string or as an array of JSON-schema errors (a confirmed production bug).
import { parse as parseLossless, isSafeNumber } from "lossless-json";
import type { ErrorBlock } from "./types.js";

/** Parse JSON; integers beyond 2^53 stay exact as strings (only ids get that large). */
export function parseJson(text: string): unknown {
  return parseLossless(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function idString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

/** One readable line from whatever `error_description` held. */
export function describe(description: unknown): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description === "string") return description;
  if (Array.isArray(description)) {
    return description
      .map((d) => {
        if (typeof d === "string") return d;
        if (isObject(d)) {
          const where = d.dataPath ?? d.instancePath;
          const msg = typeof d.message === "string" ? d.message : JSON.stringify(d);
          return typeof where === "string" && where !== "" ? `${where} ${msg}` : msg;
        }
        return String(d);
      })
      .join("; ");
  }
  return JSON.stringify(description);
}

/** SmartPay's error block in one shape whatever the answer carried; `fallbackCode` when it has no code. */
export function normaliseErrorBlock(raw: unknown, fallbackCode: string): ErrorBlock {
  if (!isObject(raw)) return { error_code: fallbackCode };
  const block: ErrorBlock = { error_code: idString(raw.error_code) ?? fallbackCode };
  if (typeof raw.user_message === "string") block.user_message = raw.user_message;
  const text = describe(raw.error_description);
  if (text !== undefined) block.error_description = text;
  if (Array.isArray(raw.error_description)) block.details = raw.error_description;
  return block;
}

/**
 * Copy of a SmartPay body with `invoice_id` and `error` normalised. SmartStore bodies have no
 * `error` block (they say `success`/`message`), so one is only added when asked. Undefined for non-objects.
 */
export function normaliseBody(raw: unknown, status: number, withError = true): Record<string, unknown> | undefined {
  if (!isObject(raw)) return undefined;
  const out: Record<string, unknown> = { ...raw };
  const id = idString(raw.invoice_id);
  if (id !== undefined) out.invoice_id = id;
  const fallback = status >= 200 && status < 300 ? "0" : String(status);
  if (withError || raw.error !== undefined) out.error = normaliseErrorBlock(raw.error, fallback);
  return out;
}

/** The error block of a failed SmartStore call, built from its `message`. */
export function storeErrorBlock(body: Record<string, unknown>, status: number): { error_code: string; user_message?: string; error_description?: string } {
  if (isObject(body.error)) return normaliseErrorBlock(body.error, String(status));
  if (typeof body.message !== "string") return { error_code: String(status) };
  return { error_code: String(status), user_message: body.message, error_description: body.message };
}
