// The YooKassa emulator's behaviour without HTTP (docs/yookassa.md, "The emulator"): payments and
// refunds per shop, the status machine (pending → waiting_for_capture → succeeded | canceled),
// expiry of links and holds on a virtual clock, saved payment methods, the 24-hour idempotency store
// and the notification queue. emulator.ts maps it onto the API's paths.
import { createHash, randomUUID } from "node:crypto";
import { toAmount } from "./money.js";
import { EmulatorError, invalid, isObject, readAmount, readDescription, readMetadata, validateReceipt } from "./emulator-validate.js";
import { NotificationQueue, type NotificationFault } from "./emulator-notify.js";
import type { CancellationDetails, Payment, PaymentMethod, PaymentStatus, Refund } from "./types.js";

/** The emulator's time: real time, or a virtual clock the tests move forward. */
export interface EmulatorClock {
  now(): number;
  advance?(ms: number): void;
}

/** Real time plus an offset the tests move forward: 24 hours pass in one call. */
export class VirtualClock implements EmulatorClock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** The secret key the emulator accepts when none is configured (`YOOKASSA_SECRET_KEY` at the CLI edge). */
export const DEFAULT_EMULATOR_SECRET_KEY = "test_sandbox_secret_key";
/** How long the emulator remembers an Idempotence-Key, as YooKassa does (24 hours). */
export const IDEMPOTENCE_TTL_MS = 24 * 3600_000;

/** The emulator's clock, time limits and notification schedule. */
export interface EmulatorCoreOptions {
  clock?: EmulatorClock;
  /** How long a payment link may wait for the payer. Default 1 h. */
  pendingTtlMs?: number;
  /** How long a hold waits for capture or cancel (a card's 7 days). */
  holdTtlMs?: number;
  /** The shop has fiscalization on: every payment and refund needs a receipt. Default false. */
  receiptsRequired?: boolean;
  /** Autopayments are enabled for the shop. Default true; false answers 403 as YooKassa does. */
  autopayments?: boolean;
  notificationUrl?: string;
  /** Retry pauses of notification delivery, ms; the last one repeats until 24 h after the event. */
  notificationSchedule?: number[];
}

/** Why an emulated payment was declined: a YooKassa cancellation reason. */
export type DeclineReason = string;

interface PaymentRecord {
  shopId: string;
  seq: number;
  id: string;
  status: PaymentStatus;
  currency: string;
  authorizedMinor: number;
  amountMinor: number; // the payment's amount: the captured one after a partial capture
  refundedMinor: number;
  capture: boolean;
  savePaymentMethod: boolean;
  createdAt: number;
  capturedAt?: number;
  pendingUntil?: number;
  holdUntil?: number;
  description?: string;
  metadata?: Record<string, string>;
  receipt?: unknown;
  confirmationUrl?: string;
  returnUrl?: string;
  method?: PaymentMethod;
  cancellation?: CancellationDetails;
  merchantCustomerId?: string;
}

interface RefundRecord {
  shopId: string;
  seq: number;
  refund: Refund;
}

interface IdempotentResult {
  hash: string;
  at: number;
  status: number;
  text: string;
}

type Json = Record<string, unknown>;
const VOLUNTARY_DECLINES = new Set(["3d_secure_failed", "call_issuer", "card_expired", "country_forbidden", "fraud_suspected", "general_decline", "identification_required", "insufficient_funds", "invalid_card_number", "invalid_csc", "issuer_unavailable", "payment_method_limit_exceeded", "payment_method_restricted", "internal_timeout", "unsupported_mobile_operator"]);
/** The decline reasons a test may ask the emulator's payer to give. */
export const DECLINE_REASONS: readonly string[] = [...VOLUNTARY_DECLINES];

/**
 * The YooKassa emulator's state and rules without HTTP: payments, refunds, saved methods, idempotence and
 * notifications.
 */
export class YooKassaEmulatorCore {
  readonly clock: EmulatorClock;
  readonly notifications: NotificationQueue;
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly methods = new Map<string, { shopId: string; method: PaymentMethod; revoked: boolean }>();
  private readonly idem = new Map<string, IdempotentResult>();
  private readonly declines: DeclineReason[] = [];
  private seq = 0;

  constructor(private readonly opts: EmulatorCoreOptions = {}) {
    this.clock = opts.clock ?? new VirtualClock();
    this.notifications = new NotificationQueue(this.clock, { url: opts.notificationUrl, schedule: opts.notificationSchedule });
  }

  // ---- idempotency ----

  /**
   * Runs a POST once per (shop, key): the same key with the same request replays the first answer byte
   * for byte; with another request it is a 400; after 24 h the key is forgotten.
   */
  idempotent(shopId: string, key: string | undefined, request: { method: string; path: string; body: unknown }, run: () => { status: number; body: unknown }): { status: number; text: string } {
    if (key === undefined || key === "") throw invalid("Idempotence-Key header is missing", "Idempotence-Key");
    if (key.length > 64) throw invalid("Idempotence-Key is longer than 64 characters", "Idempotence-Key");
    const now = this.clock.now();
    const slot = `${shopId}\n${key}`;
    const hash = createHash("sha256").update(`${request.method} ${request.path}\n${canonical(request.body)}`).digest("hex");
    const seen = this.idem.get(slot);
    if (seen && now - seen.at < IDEMPOTENCE_TTL_MS) {
      if (seen.hash !== hash) throw invalid("Idempotence key duplicated", "Idempotence-Key");
      return { status: seen.status, text: seen.text };
    }
    let answer: { status: number; body: unknown };
    try {
      answer = run();
    } catch (err) {
      if (!(err instanceof EmulatorError)) throw err;
      answer = { status: err.status, body: errorBody(err) };
    }
    const text = JSON.stringify(answer.body);
    this.idem.set(slot, { hash, at: now, status: answer.status, text });
    return { status: answer.status, text };
  }

  // ---- API operations ----

  createPayment(shopId: string, body: unknown, checkoutBase: string): Payment {
    this.sweep();
    if (!isObject(body)) throw invalid("the body must be a JSON object");
    const amount = readAmount(body.amount, "amount");
    const description = readDescription(body.description);
    const metadata = readMetadata(body.metadata);
    if (body.capture !== undefined && typeof body.capture !== "boolean") throw invalid("capture must be a boolean", "capture");
    if (body.save_payment_method !== undefined && typeof body.save_payment_method !== "boolean") throw invalid("save_payment_method must be a boolean", "save_payment_method");
    if (body.receipt !== undefined) validateReceipt(body.receipt, amount);
    else if (this.opts.receiptsRequired) throw invalid("Receipt is missing or illegal", "receipt");
    const autopay = this.opts.autopayments ?? true;
    const now = this.clock.now();
    const rec: PaymentRecord = {
      shopId,
      seq: ++this.seq,
      id: randomUUID(),
      status: "pending",
      currency: amount.currency,
      authorizedMinor: amount.minor,
      amountMinor: amount.minor,
      refundedMinor: 0,
      capture: body.capture === true, // absent means two-stage, as in the API
      savePaymentMethod: body.save_payment_method === true,
      createdAt: now,
      description,
      metadata,
      receipt: body.receipt,
    };
    if (typeof body.merchant_customer_id === "string") rec.merchantCustomerId = body.merchant_customer_id;
    if ((rec.savePaymentMethod || body.payment_method_id !== undefined) && !autopay) {
      throw new EmulatorError(403, "forbidden", "Autopayments are not enabled for this shop", body.payment_method_id !== undefined ? "payment_method_id" : "save_payment_method");
    }

    if (body.payment_method_id !== undefined) {
      // A charge of a saved method: no confirmation, the answer is final at once.
      const saved = typeof body.payment_method_id === "string" ? this.methods.get(body.payment_method_id) : undefined;
      if (!saved || saved.shopId !== shopId) throw invalid("payment_method_id is not a saved payment method of this shop", "payment_method_id");
      rec.method = { ...saved.method };
      this.payments.set(rec.id, rec);
      const decline = saved.revoked ? "permission_revoked" : this.declines.shift();
      if (decline) this.cancelRecord(rec, { party: decline === "permission_revoked" ? "yoo_money" : "payment_network", reason: decline });
      else this.authorize(rec);
      return this.view(rec);
    }

    const confirmation = body.confirmation;
    if (!isObject(confirmation)) throw invalid("confirmation is required (or payment_method_id for a saved method)", "confirmation");
    if (confirmation.type !== "redirect") throw new EmulatorError(400, "not_supported", `confirmation type ${String(confirmation.type)} is not supported by the emulator; use redirect`, "confirmation.type");
    if (typeof confirmation.return_url !== "string" || !/^https?:\/\//.test(confirmation.return_url)) throw invalid("confirmation.return_url must be an http(s) URL", "confirmation.return_url");
    rec.returnUrl = confirmation.return_url;
    rec.confirmationUrl = `${checkoutBase}/${rec.id}`;
    rec.pendingUntil = now + (this.opts.pendingTtlMs ?? 3600_000);
    this.payments.set(rec.id, rec);
    return this.view(rec);
  }

  getPayment(shopId: string, id: string): Payment {
    this.sweep();
    return this.view(this.record(shopId, id));
  }

  listPayments(shopId: string, query: Record<string, string | undefined>): Json {
    this.sweep();
    const filtered = [...this.payments.values()].filter((p) => p.shopId === shopId && (!query.status || p.status === query.status) && inRange(p.createdAt, query, "created_at") && inRange(p.capturedAt, query, "captured_at"));
    return page(filtered, query, (p) => this.view(p));
  }

  capture(shopId: string, id: string, body: unknown): Payment {
    this.sweep();
    const rec = this.record(shopId, id);
    if (rec.status !== "waiting_for_capture") throw invalid(`Payment has status ${rec.status}; only waiting_for_capture can be captured`, "payment_id");
    const b = isObject(body) ? body : {};
    let minor = rec.authorizedMinor;
    if (b.amount !== undefined) {
      const a = readAmount(b.amount, "amount");
      if (a.currency !== rec.currency) throw invalid(`amount.currency must be ${rec.currency}`, "amount.currency");
      if (a.minor > rec.authorizedMinor) throw invalid("The capture amount exceeds the payment amount", "amount.value");
      minor = a.minor;
    }
    if (b.receipt !== undefined) validateReceipt(b.receipt, { minor, currency: rec.currency });
    else if (this.opts.receiptsRequired && minor !== rec.authorizedMinor) throw invalid("A receipt for the captured amount is required", "receipt");
    if (b.receipt !== undefined) rec.receipt = b.receipt;
    rec.amountMinor = minor;
    this.succeed(rec);
    return this.view(rec);
  }

  cancel(shopId: string, id: string): Payment {
    this.sweep();
    const rec = this.record(shopId, id);
    if (rec.status === "canceled") return this.view(rec);
    if (rec.status !== "waiting_for_capture") throw invalid(`Payment has status ${rec.status}; only waiting_for_capture can be canceled`, "payment_id");
    this.cancelRecord(rec, { party: "merchant", reason: "canceled_by_merchant" });
    return this.view(rec);
  }

  createRefund(shopId: string, body: unknown): Refund {
    this.sweep();
    if (!isObject(body)) throw invalid("the body must be a JSON object");
    if (typeof body.payment_id !== "string") throw invalid("payment_id is required", "payment_id");
    const rec = this.payments.get(body.payment_id);
    if (!rec || rec.shopId !== shopId) throw invalid("No payment with this payment_id", "payment_id");
    const amount = readAmount(body.amount, "amount");
    const description = readDescription(body.description, "description");
    const metadata = readMetadata(body.metadata);
    if (rec.status !== "succeeded") throw invalid(`Payment has status ${rec.status}; only succeeded payments can be refunded`, "payment_id");
    if (amount.currency !== rec.currency) throw invalid(`amount.currency must be ${rec.currency}`, "amount.currency");
    if (amount.minor > rec.amountMinor - rec.refundedMinor) throw invalid(`The refund amount exceeds what is left to refund (${toAmount(rec.amountMinor - rec.refundedMinor).value})`, "amount.value");
    if (body.receipt !== undefined) validateReceipt(body.receipt, amount);
    else if (this.opts.receiptsRequired) throw invalid("Receipt is missing or illegal", "receipt");
    rec.refundedMinor += amount.minor;
    const refund: Refund = {
      id: randomUUID(),
      payment_id: rec.id,
      status: "succeeded",
      amount: toAmount(amount.minor, amount.currency),
      created_at: iso(this.clock.now()),
      ...(description !== undefined ? { description } : {}),
      ...(metadata ? { metadata } : {}),
      ...(body.receipt !== undefined ? { receipt_registration: "succeeded" as const } : {}),
    };
    this.refunds.set(refund.id, { shopId, seq: ++this.seq, refund });
    this.notifications.enqueue("refund.succeeded", refund);
    return refund;
  }

  getRefund(shopId: string, id: string): Refund {
    const r = this.refunds.get(id);
    if (!r || r.shopId !== shopId) throw new EmulatorError(404, "not_found", `Refund ${id} not found`);
    return r.refund;
  }

  listRefunds(shopId: string, query: Record<string, string | undefined>): Json {
    const filtered = [...this.refunds.values()].filter((r) => r.shopId === shopId && (!query.payment_id || r.refund.payment_id === query.payment_id) && (!query.status || r.refund.status === query.status) && inRange(Date.parse(r.refund.created_at), query, "created_at"));
    return page(filtered, query, (r) => r.refund);
  }

  // ---- the payer (checkout page and test control) ----

  /** The payer pays: a hold (capture false) or a success; the card is saved when asked. */
  pay(id: string): Payment {
    const rec = this.pendingRecord(id);
    const decline = this.declines.shift();
    if (decline) return this.decline(id, decline);
    const methodId = randomUUID();
    rec.method = { type: "bank_card", id: methodId, saved: rec.savePaymentMethod, title: "Bank card *4444", card: { first6: "555555", last4: "4444", expiry_month: "12", expiry_year: "2030", card_type: "MasterCard" } };
    if (rec.savePaymentMethod) this.methods.set(methodId, { shopId: rec.shopId, method: { ...rec.method }, revoked: false });
    this.authorize(rec);
    return this.view(rec);
  }

  decline(id: string, reason: DeclineReason = "general_decline"): Payment {
    const rec = this.pendingRecord(id);
    if (!VOLUNTARY_DECLINES.has(reason)) throw invalid(`unknown decline reason ${reason}; one of ${DECLINE_REASONS.join(", ")}`, "reason");
    this.cancelRecord(rec, { party: reason === "fraud_suspected" || reason === "internal_timeout" ? "yoo_money" : "payment_network", reason });
    return this.view(rec);
  }

  /** The payer closes the page: nothing changes until the link expires. */
  abandon(id: string): Payment {
    return this.view(this.pendingRecord(id));
  }

  /** The payer withdraws the autopayment consent: later charges end with permission_revoked. */
  revokeMethod(methodId: string): void {
    const m = this.methods.get(methodId);
    if (!m) throw new EmulatorError(404, "not_found", `no saved payment method ${methodId}`);
    m.revoked = true;
  }

  /** Fault injection: the next payment (checkout or charge) is declined with this reason. */
  declineNext(reason: DeclineReason): void {
    if (!VOLUNTARY_DECLINES.has(reason)) throw invalid(`unknown decline reason ${reason}`, "reason");
    this.declines.push(reason);
  }

  injectNotificationFault(fault: NotificationFault): void {
    this.notifications.inject(fault);
  }

  /** A payment as the checkout page sees it (no shop check: the link is the credential). */
  checkoutView(id: string): Payment & { return_url?: string } {
    this.sweep();
    const rec = this.payments.get(id);
    if (!rec) throw new EmulatorError(404, "not_found", `Payment ${id} not found`);
    return { ...this.view(rec), ...(rec.returnUrl ? { return_url: rec.returnUrl } : {}) };
  }

  /** Links and holds past their time are canceled (expired_on_confirmation / expired_on_capture). */
  sweep(): void {
    const now = this.clock.now();
    for (const rec of this.payments.values()) {
      if (rec.status === "pending" && rec.pendingUntil !== undefined && rec.pendingUntil <= now) this.cancelRecord(rec, { party: "yoo_money", reason: "expired_on_confirmation" });
      else if (rec.status === "waiting_for_capture" && rec.holdUntil !== undefined && rec.holdUntil <= now) this.cancelRecord(rec, { party: "yoo_money", reason: "expired_on_capture" });
    }
  }

  close(): void {
    this.notifications.close();
  }

  // ---- internals ----

  private record(shopId: string, id: string): PaymentRecord {
    const rec = this.payments.get(id);
    if (!rec || rec.shopId !== shopId) throw new EmulatorError(404, "not_found", `Payment ${id} not found`);
    return rec;
  }

  private pendingRecord(id: string): PaymentRecord {
    this.sweep();
    const rec = this.payments.get(id);
    if (!rec) throw new EmulatorError(404, "not_found", `Payment ${id} not found`);
    if (rec.status !== "pending") throw new EmulatorError(409, "invalid_request", `Payment ${id} is ${rec.status}; the link can no longer be paid`);
    return rec;
  }

  private authorize(rec: PaymentRecord): void {
    if (rec.capture) return this.succeed(rec);
    rec.status = "waiting_for_capture";
    rec.holdUntil = this.clock.now() + (this.opts.holdTtlMs ?? 7 * 24 * 3600_000);
    this.notifications.enqueue("payment.waiting_for_capture", this.view(rec));
  }

  private succeed(rec: PaymentRecord): void {
    rec.status = "succeeded";
    rec.capturedAt = this.clock.now();
    this.notifications.enqueue("payment.succeeded", this.view(rec));
  }

  private cancelRecord(rec: PaymentRecord, details: CancellationDetails): void {
    rec.status = "canceled";
    rec.cancellation = details;
    this.notifications.enqueue("payment.canceled", this.view(rec));
  }

  private view(rec: PaymentRecord): Payment {
    const paid = rec.status === "waiting_for_capture" || rec.status === "succeeded";
    const p: Payment = {
      id: rec.id,
      status: rec.status,
      paid,
      amount: toAmount(rec.amountMinor, rec.currency),
      ...(rec.status === "succeeded" ? { income_amount: toAmount(rec.amountMinor - Math.round(rec.amountMinor * 0.035), rec.currency) } : {}),
      ...(rec.description !== undefined ? { description: rec.description } : {}),
      recipient: { account_id: rec.shopId, gateway_id: `${rec.shopId}01` },
      ...(rec.method ? { payment_method: { ...rec.method } } : {}),
      created_at: iso(rec.createdAt),
      ...(rec.capturedAt !== undefined ? { captured_at: iso(rec.capturedAt) } : {}),
      ...(rec.status === "waiting_for_capture" && rec.holdUntil !== undefined ? { expires_at: iso(rec.holdUntil) } : {}),
      ...(rec.status === "pending" && rec.confirmationUrl ? { confirmation: { type: "redirect", confirmation_url: rec.confirmationUrl } } : {}),
      test: true,
      ...(rec.status === "succeeded" ? { refunded_amount: toAmount(rec.refundedMinor, rec.currency) } : {}),
      refundable: rec.status === "succeeded" && rec.refundedMinor < rec.amountMinor,
      ...(rec.receipt !== undefined ? { receipt_registration: rec.status === "succeeded" ? ("succeeded" as const) : ("pending" as const) } : {}),
      metadata: rec.metadata ?? {},
      ...(rec.cancellation ? { cancellation_details: { ...rec.cancellation } } : {}),
      ...(rec.merchantCustomerId !== undefined ? { merchant_customer_id: rec.merchantCustomerId } : {}),
    };
    return p;
  }
}

/** YooKassa's error body for an emulator error. */
export function errorBody(err: EmulatorError): Json {
  return { type: "error", id: randomUUID(), code: err.code, description: err.message, ...(err.parameter ? { parameter: err.parameter } : {}) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Sorted keys, so the same JSON written in another key order counts as the same request. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}

function inRange(at: number | undefined, query: Record<string, string | undefined>, field: string): boolean {
  const bounds: [string, (a: number, b: number) => boolean][] = [["gte", (a, b) => a >= b], ["gt", (a, b) => a > b], ["lte", (a, b) => a <= b], ["lt", (a, b) => a < b]];
  for (const [op, test] of bounds) {
    const raw = query[`${field}.${op}`];
    if (raw === undefined) continue;
    const bound = Date.parse(raw);
    if (Number.isNaN(bound)) throw invalid(`${field}.${op} must be an ISO 8601 date`, `${field}.${op}`);
    if (at === undefined || !test(at, bound)) return false;
  }
  return true;
}

/** Newest first, `limit` 1–100 (default 10); the cursor is the sequence number of the last item shown. */
function page<T extends { seq: number }>(items: T[], query: Record<string, string | undefined>, view: (t: T) => unknown): Json {
  const limit = query.limit === undefined ? 10 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid("limit must be an integer 1–100", "limit");
  let after = Infinity;
  if (query.cursor !== undefined) {
    const decoded = Number(Buffer.from(query.cursor, "base64url").toString("utf8"));
    if (!Number.isInteger(decoded)) throw invalid("cursor is not a cursor this API gave", "cursor");
    after = decoded;
  }
  const sorted = items.filter((i) => i.seq < after).sort((a, b) => b.seq - a.seq);
  const shown = sorted.slice(0, limit);
  const body: Json = { type: "list", items: shown.map(view) };
  if (sorted.length > limit) body.next_cursor = Buffer.from(String(shown[shown.length - 1].seq)).toString("base64url");
  return body;
}
