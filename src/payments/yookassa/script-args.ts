// What a scenario passes to `$yookassa.createPayment(...)` / `.charge(...)`, checked on the host side
// before anything reaches YooKassa (docs/yookassa.md, "Script arguments"). Money is integer kopecks,
// as in `$payment`; a bad field is answered with its path and a reason, never sent on.
import { toAmount } from "./money.js";
import { PAYMENT_MODES, PAYMENT_SUBJECTS, type CreatePaymentRequest, type Receipt, type ReceiptItem } from "./types.js";

/** The arguments of `$yookassa.createPayment` a script may give, checked. */
export interface ScriptPaymentArgs {
  orderId: string;
  amount: number; // kopecks
  currency?: string; // default RUB
  description: string;
  capture?: boolean; // default true (one-stage); false holds the money until capture
  savePaymentMethod?: boolean;
  paymentMethodId?: string; // charge a saved method (no link)
  receipt?: {
    email?: string;
    phone?: string;
    fullName?: string;
    taxSystemCode?: number;
    items: { name: string; price: number; quantity: number; vatCode: number; paymentMode?: string; paymentSubject?: string }[];
  };
  metadata?: Record<string, string>;
}

/** A script's payment arguments checked: the request to send, or the field at fault and why. */
export type Checked = { ok: true; args: ScriptPaymentArgs; request: Omit<CreatePaymentRequest, "metadata" | "confirmation"> } | { ok: false; field: string; message: string };

class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const fail = (field: string, message: string): never => {
  throw new Invalid(field, message);
};

function text(o: Json, key: string, path: string, max: number, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return required ? fail(path + key, "is required (a non-empty string)") : undefined;
  if (typeof v !== "string" || v.trim() === "") return fail(path + key, "must be a non-empty string");
  if (v.length > max) fail(path + key, `must be at most ${max} characters`);
  return v;
}

function kopecks(o: Json, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) fail(path + key, "must be a positive integer number of kopecks");
  return v as number;
}

/** Pure: the script's arguments as a YooKassa create body (the caller adds metadata and the link). */
export function checkPaymentArgs(raw: unknown): Checked {
  try {
    if (!isObject(raw)) fail("args", "must be an object {orderId, amount, description, …}");
    const o = raw as Json;
    const orderId = text(o, "orderId", "", 64, true)!;
    const amount = kopecks(o, "amount", "");
    const currency = text(o, "currency", "", 3, false) ?? "RUB";
    if (!/^[A-Z]{3}$/.test(currency)) fail("currency", "must be an ISO 4217 code such as RUB");
    const description = text(o, "description", "", 128, true)!;
    for (const flag of ["capture", "savePaymentMethod"]) if (o[flag] !== undefined && typeof o[flag] !== "boolean") fail(flag, "must be true or false");
    const paymentMethodId = text(o, "paymentMethodId", "", 64, false);
    if (paymentMethodId !== undefined && o.savePaymentMethod === true) fail("savePaymentMethod", "cannot be set when charging a saved method (paymentMethodId)");
    const args: ScriptPaymentArgs = { orderId, amount, currency, description, capture: o.capture !== false };
    if (o.savePaymentMethod === true) args.savePaymentMethod = true;
    if (paymentMethodId !== undefined) args.paymentMethodId = paymentMethodId;
    const request: Omit<CreatePaymentRequest, "metadata" | "confirmation"> = { amount: toAmount(amount, currency), capture: args.capture, description };
    if (args.savePaymentMethod) request.save_payment_method = true;
    if (paymentMethodId !== undefined) request.payment_method_id = paymentMethodId;
    if (o.receipt !== undefined) request.receipt = checkReceipt(o.receipt, amount, currency);
    if (o.metadata !== undefined) {
      if (!isObject(o.metadata)) fail("metadata", "must be an object of strings");
      const entries = Object.entries(o.metadata as Json);
      // Three keys are ours (invoice_id, attempt_id, order_id): the scenario gets the other 13.
      if (entries.length > 13) fail("metadata", "may have at most 13 keys");
      for (const [k, v] of entries) {
        if (["invoice_id", "attempt_id", "order_id"].includes(k)) fail(`metadata.${k}`, "is reserved by the runtime");
        if (k.length > 32 || typeof v !== "string" || v.length > 512) fail(`metadata.${k}`, "keys are ≤ 32 characters, values strings ≤ 512");
      }
      args.metadata = o.metadata as Record<string, string>;
    }
    return { ok: true, args, request };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: err.message };
    throw err;
  }
}

function checkReceipt(raw: unknown, total: number, currency: string): Receipt {
  if (!isObject(raw)) return fail("receipt", "must be an object {email or phone, items}");
  const email = text(raw, "email", "receipt.", 256, false);
  const phone = text(raw, "phone", "receipt.", 15, false);
  if (email === undefined && phone === undefined) fail("receipt", "needs an email or a phone for the 54-FZ receipt");
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) fail("receipt.email", "is not an email address");
  if (phone !== undefined && !/^\d{10,15}$/.test(phone)) fail("receipt.phone", 'must be digits without "+", e.g. 79000000000');
  const fullName = text(raw, "fullName", "receipt.", 256, false);
  const tax = raw.taxSystemCode;
  if (tax !== undefined && !(Number.isInteger(tax) && (tax as number) >= 1 && (tax as number) <= 6)) fail("receipt.taxSystemCode", "must be 1–6");
  if (!Array.isArray(raw.items) || raw.items.length === 0 || raw.items.length > 100) fail("receipt.items", "must hold 1–100 items");
  let sum = 0;
  const items: ReceiptItem[] = (raw.items as unknown[]).map((it, i) => {
    const path = `receipt.items[${i}].`;
    if (!isObject(it)) return fail(path.slice(0, -1), "must be an object {name, price, quantity, vatCode}");
    const name = text(it, "name", path, 128, true)!;
    const price = kopecks(it, "price", path);
    const q = it.quantity;
    if (typeof q !== "number" || !(q > 0) || Math.round(q * 1000) !== q * 1000) fail(path + "quantity", "must be a positive number with at most 3 decimals");
    if (!(Number.isInteger(it.vatCode) && (it.vatCode as number) >= 1 && (it.vatCode as number) <= 10)) fail(path + "vatCode", "must be a VAT code 1–10 (1 = no VAT, 4 = 20 %, …)");
    const mode = it.paymentMode ?? "full_payment";
    if (!(PAYMENT_MODES as readonly unknown[]).includes(mode)) fail(path + "paymentMode", `must be one of ${PAYMENT_MODES.join(", ")}`);
    const subject = it.paymentSubject ?? "commodity";
    if (!(PAYMENT_SUBJECTS as readonly unknown[]).includes(subject)) fail(path + "paymentSubject", "is not a payment subject YooKassa knows (commodity, service, …)");
    sum += price * Math.round((q as number) * 1000);
    return { description: name, quantity: q as number, amount: toAmount(price, currency), vat_code: it.vatCode as number, payment_mode: mode as ReceiptItem["payment_mode"], payment_subject: subject as ReceiptItem["payment_subject"] };
  });
  if (sum !== total * 1000) fail("receipt.items", `add up to ${(sum / 100_000).toFixed(2)}, but amount is ${(total / 100).toFixed(2)}`);
  const customer: NonNullable<Receipt["customer"]> = {};
  if (email !== undefined) customer.email = email;
  if (phone !== undefined) customer.phone = phone;
  if (fullName !== undefined) customer.full_name = fullName;
  return { customer, items, ...(tax !== undefined ? { tax_system_code: tax as number } : {}) };
}
