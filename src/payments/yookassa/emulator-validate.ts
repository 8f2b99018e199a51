// Request checks of the YooKassa emulator (docs/yookassa.md, "The emulator"): amounts, metadata and
// 54-FZ receipts. Each check names the failing field the way YooKassa's `parameter` does.
import { parseMinor } from "./money.js";
import { PAYMENT_MODES, PAYMENT_SUBJECTS } from "./types.js";

/** A 4xx the emulator answers with YooKassa's error body. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

/** A 400 `invalid_request` error of the emulator, naming the parameter at fault. */
export const invalid = (message: string, parameter?: string) => new EmulatorError(400, "invalid_request", message, parameter);

type Json = Record<string, unknown>;
/** Whether a JSON value is a plain object (not null, not an array). */
export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** An `{value, currency}` as kopecks; `positive` rejects zero. */
export function readAmount(v: unknown, parameter: string, positive = true): { minor: number; currency: string } {
  if (!isObject(v)) throw invalid(`${parameter} is required: {value, currency}`, parameter);
  const minor = parseMinor(v.value);
  if (minor === undefined || (positive && minor <= 0)) throw invalid(`${parameter}.value must be a positive decimal with at most 2 places`, `${parameter}.value`);
  if (typeof v.currency !== "string" || !/^[A-Z]{3}$/.test(v.currency)) throw invalid(`${parameter}.currency must be an ISO 4217 code`, `${parameter}.currency`);
  return { minor, currency: v.currency };
}

/** A payment's `metadata` as YooKassa allows it: at most 16 string keys with short string values. */
export function readMetadata(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw invalid("metadata must be an object of strings", "metadata");
  const entries = Object.entries(v);
  if (entries.length > 16) throw invalid("metadata may have at most 16 keys", "metadata");
  for (const [k, val] of entries) {
    if (k.length > 32) throw invalid(`metadata key ${k.slice(0, 40)} is longer than 32 characters`, "metadata");
    if (typeof val !== "string" || val.length > 512) throw invalid(`metadata.${k} must be a string of at most 512 characters`, "metadata");
  }
  return v as Record<string, string>;
}

/** A description of at most 128 characters, as YooKassa allows it. */
export function readDescription(v: unknown, parameter = "description"): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length > 128) throw invalid(`${parameter} must be a string of at most 128 characters`, parameter);
  return v;
}

const QUANTITY = /^\d+(\.\d{1,3})?$/;

/**
 * A receipt (§54-FZ) for an operation of `total` kopecks: a customer with email or phone, 1–100 items,
 * VAT codes 1–10, known payment modes/subjects, and Σ(price × quantity) equal to the total.
 */
export function validateReceipt(v: unknown, total: { minor: number; currency: string }, parameter = "receipt"): void {
  if (!isObject(v)) throw invalid(`${parameter} must be an object`, parameter);
  const customer = isObject(v.customer) ? v.customer : {};
  const email = customer.email;
  const phone = customer.phone;
  if (email === undefined && phone === undefined) throw invalid(`${parameter}.customer needs an email or a phone`, `${parameter}.customer`);
  if (email !== undefined && (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))) throw invalid(`${parameter}.customer.email is not an email`, `${parameter}.customer.email`);
  if (phone !== undefined && (typeof phone !== "string" || !/^\d{10,15}$/.test(phone))) throw invalid(`${parameter}.customer.phone must be digits in E.164 without "+"`, `${parameter}.customer.phone`);
  if (v.tax_system_code !== undefined && !(Number.isInteger(v.tax_system_code) && (v.tax_system_code as number) >= 1 && (v.tax_system_code as number) <= 6)) {
    throw invalid(`${parameter}.tax_system_code must be 1–6`, `${parameter}.tax_system_code`);
  }
  if (!Array.isArray(v.items) || v.items.length === 0 || v.items.length > 100) throw invalid(`${parameter}.items must hold 1–100 items`, `${parameter}.items`);
  let sum = 0;
  v.items.forEach((raw: unknown, i: number) => {
    const at = `${parameter}.items[${i}]`;
    if (!isObject(raw)) throw invalid(`${at} must be an object`, at);
    if (typeof raw.description !== "string" || raw.description.length < 1 || raw.description.length > 128) throw invalid(`${at}.description must be 1–128 characters`, `${at}.description`);
    const qText = typeof raw.quantity === "number" ? String(raw.quantity) : raw.quantity;
    if (typeof qText !== "string" || !QUANTITY.test(qText) || Number(qText) <= 0) throw invalid(`${at}.quantity must be a positive number with at most 3 decimals`, `${at}.quantity`);
    const price = readAmount(raw.amount, `${at}.amount`, false);
    if (price.currency !== total.currency) throw invalid(`${at}.amount.currency must be ${total.currency}`, `${at}.amount.currency`);
    if (!(Number.isInteger(raw.vat_code) && (raw.vat_code as number) >= 1 && (raw.vat_code as number) <= 10)) throw invalid(`${at}.vat_code must be an integer 1–10`, `${at}.vat_code`);
    if (raw.payment_mode !== undefined && !(PAYMENT_MODES as readonly unknown[]).includes(raw.payment_mode)) throw invalid(`${at}.payment_mode is not a known payment mode`, `${at}.payment_mode`);
    if (raw.payment_subject !== undefined && !(PAYMENT_SUBJECTS as readonly unknown[]).includes(raw.payment_subject)) throw invalid(`${at}.payment_subject is not a known payment subject`, `${at}.payment_subject`);
    // Quantity has up to 3 decimals: count in thousandths to stay exact.
    const milli = Math.round(Number(qText) * 1000);
    sum += price.minor * milli;
  });
  if (sum !== total.minor * 1000) {
    throw invalid(`the sum of ${parameter} items (${(sum / 100_000).toFixed(2)}) does not equal the amount (${(total.minor / 100).toFixed(2)})`, `${parameter}.items`);
  }
}
