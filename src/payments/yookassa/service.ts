// The payment core's YooKassa path (docs/yookassa.md, "Scripts: $yookassa"): what `$yookassa.*` does on
// the host. Every call goes through the core, so a payment is recorded before YooKassa is asked
// (write-ahead), every answer is an inbox input, and events reach the dialog once. The create's
// Idempotence-Key is kept with the attempt together with a hash of the body; it is sent again only
// with the same body, so a retry — this turn, the next, after a restart — is the same payment.
import { createHash } from "node:crypto";
import { RefundRejectedError, type PaymentCore } from "../core/core.js";
import type { PaymentAttempt, PaymentInvoice, PaymentRefund, ProviderSnapshot, RefundStatus } from "../core/model.js";
import { idempotenceKeys, yookassaSnapshot, type YooKassaAdapter } from "../providers/yookassa.js";
import type { PaymentProviderAdapter } from "../providers/types.js";
import { YooKassaError } from "./errors.js";
import { checkPaymentArgs } from "./script-args.js";
import type { CreatePaymentRequest, Payment } from "./types.js";

type Json = Record<string, unknown>;

/** What a script gets: data, never an exception (as `$payment`). `code` 200, 4xx, or -1 for no answer. */
export type YooKassaResult = Json & { code: number; ok: boolean };

/** What the YooKassa service works with: the core, the adapter, the shop and the return URL. */
export interface YooKassaServiceOptions {
  core: PaymentCore;
  adapter: YooKassaAdapter;
  /** The shop the project sells through (its account in the core). */
  shopId: string;
  /** Where the payer returns after the checkout page (a function when it is known only once the server listens). */
  returnUrl: string | (() => string);
  /** Called when a payment is created (state pending): the merchant notifications' first state. */
  onCreated?: (invoice: PaymentInvoice, payment: Payment) => unknown;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

/** Pure: JSON with sorted keys, so one body hashes the same however its keys were ordered. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Json;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A request body's hash, to tell a repeated create from one with other terms under the same order. */
export const bodyHash = (body: unknown): string => createHash("sha256").update(canonicalJson(body)).digest("hex");

/** The core's refund status in YooKassa's words. */
const REFUND_STATUS: Record<RefundStatus, string> = { requested: "pending", succeeded: "succeeded", failed: "canceled" };

/** What the user is told when the payment link is not ready yet; the next try finds it. */
export const PREPARING_LINK_MESSAGE = "Ссылка на оплату ещё готовится. Попробуйте ещё раз через несколько секунд";

/** A 400 answer to a script: the field at fault and why. */
export const invalid = (field: string, message: string): YooKassaResult => ({
  code: 400,
  ok: false,
  error: { error_code: "invalid_request", field, user_message: "Некорректные данные платежа", error_description: `${field}: ${message}` },
});

/** A 409 answer to a script: the order cannot be paid this way now. */
export const conflict = (message: string): YooKassaResult => ({ code: 409, ok: false, error: { error_code: "conflict", user_message: "Платёж не может быть выполнен", error_description: message } });

function fromError(err: unknown, what: string): YooKassaResult {
  if (!(err instanceof YooKassaError)) throw err;
  const unknown = err.outcomeUnknown;
  return {
    code: err.status === 0 ? -1 : err.status,
    ok: false,
    ...(unknown ? { pending: true } : {}),
    error: {
      error_code: err.code,
      user_message: unknown ? PREPARING_LINK_MESSAGE : "Платёжная система отклонила запрос",
      error_description: `${what}: ${err.description ?? err.message}`,
      ...(err.parameter ? { parameter: err.parameter } : {}),
    },
  };
}

/** A payment as script data: kopecks, the link, the saved method, the cancel category. */
/** The refund of "the rest" of a payment refunded in full (the SmartPay path's wording, core.ts). */
export function nothingLeft(invoice: PaymentInvoice): string {
  return `nothing is left to refund of orderId ${invoice.orderId} (captured ${invoice.capturedMinor}, refunded ${invoice.refundedMinor})`;
}

/** A payment as scripts see it: the order, invoice and attempt, the status and the link to pay. */
export function view(invoice: PaymentInvoice, attempt: PaymentAttempt, payment?: Payment): YooKassaResult {
  const out: YooKassaResult = {
    code: 200,
    ok: true,
    orderId: invoice.orderId,
    invoiceId: invoice.id,
    paymentId: attempt.providerPaymentId ?? null,
    status: attempt.status === "created" ? "pending" : attempt.status,
    paid: attempt.status === "succeeded" || attempt.status === "waiting_for_capture",
    amount: invoice.amount.minor,
    currency: invoice.amount.currency,
    capturedAmount: invoice.capturedMinor,
    refundedAmount: invoice.refundedMinor,
  };
  if (attempt.confirmationUrl && attempt.status === "pending") {
    out.confirmationUrl = attempt.confirmationUrl;
    out.button = { text: "Оплатить", url: attempt.confirmationUrl };
  }
  if (attempt.paymentMethodId) out.paymentMethod = { id: attempt.paymentMethodId, saved: attempt.paymentMethodSaved === true, ...(payment?.payment_method?.title ? { title: payment.payment_method.title } : {}) };
  if (attempt.status === "canceled") out.cancellation = { category: attempt.cancelCategory ?? "unknown", ...(payment?.cancellation_details ? { reason: payment.cancellation_details.reason, party: payment.cancellation_details.party } : {}) };
  return out;
}

/**
 * `$yookassa` on the host: creates, charges, captures, cancels and refunds YooKassa payments through the
 * payment core.
 */
export class YooKassaService {
  constructor(private readonly opts: YooKassaServiceOptions) {}

  private get core(): PaymentCore {
    return this.opts.core;
  }

  private async rows(attemptId: string): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt }> {
    const attempt = (await this.core.store.attempt(attemptId))!;
    return { invoice: (await this.core.store.invoice(attempt.invoiceId))!, attempt };
  }

  /** A payment link (`confirmation.type: redirect`), or a charge of a saved method when `paymentMethodId` is given. */
  async createPayment(user: string, raw: unknown): Promise<YooKassaResult> {
    const checked = checkPaymentArgs(raw);
    if (!checked.ok) return invalid(checked.field, checked.message);
    const { args, request } = checked;
    if (typeof user !== "string" || user === "") return invalid("user", "the request has no user whose dialog would hear the payment's events");
    const amount = { minor: args.amount, currency: args.currency ?? "RUB" };
    const begun = await this.core.begin({ userKey: user, provider: "yookassa", account: this.opts.shopId, orderId: args.orderId, amount, description: args.description });
    let { invoice, attempt } = begun;
    if (!begun.created) {
      if (invoice.amount.minor !== amount.minor || invoice.amount.currency !== amount.currency) {
        return conflict(`orderId ${args.orderId} already has a payment of ${invoice.amount.minor} ${invoice.amount.currency} kopecks; a changed order needs a new orderId`);
      }
      if (invoice.userKey !== user) return conflict(`orderId ${args.orderId} belongs to another user`);
      if (invoice.status === "canceled") return { ...view(invoice, attempt), code: 409, ok: false, error: { error_code: "canceled", user_message: "Платёж отменён", error_description: `orderId ${args.orderId} ended canceled (${attempt.cancelCategory ?? "unknown"}); pay again with a new orderId` } };
    }
    const body: CreatePaymentRequest = {
      ...request,
      metadata: { ...(args.metadata ?? {}), invoice_id: invoice.id, attempt_id: attempt.id, order_id: invoice.orderId },
      ...(args.paymentMethodId ? {} : { confirmation: { type: "redirect", return_url: typeof this.opts.returnUrl === "string" ? this.opts.returnUrl : this.opts.returnUrl() } }),
    };
    const otherTerms = () =>
      conflict(`orderId ${args.orderId} was already sent to YooKassa with other terms (receipt, capture, saved method, metadata or return URL); its Idempotence-Key is reused only for the same body, so use a new orderId`);
    if (attempt.requestHash !== undefined && attempt.requestHash !== bodyHash(body)) return otherTerms();
    // Made already (an answer, a notification or the poller saw it): read it, never post again.
    if (attempt.providerPaymentId) return this.refresh(invoice, attempt, "yookassa.create_repeat");
    // The 54-FZ receipt is kept with the key, before it is sent: the ledger shows what YooKassa got.
    const kept = await this.core.store.keepCreateRequest(attempt.id, idempotenceKeys.create(attempt.id), bodyHash(body), body.receipt as Record<string, unknown> | undefined);
    if (kept.requestHash !== bodyHash(body)) return otherTerms();
    let sent: { snapshot: ProviderSnapshot; payment: Payment };
    try {
      sent = await this.opts.adapter.send(this.opts.shopId, body, kept.idempotenceKey);
    } catch (err) {
      const res = fromError(err, "createPayment");
      if (err instanceof YooKassaError && !err.outcomeUnknown && !err.retryable) {
        // A definitive refusal: YooKassa made nothing, and replays this answer for the key. The order ends here.
        await this.core.observe("yookassa.create_refused", { attemptId: attempt.id }, { status: "canceled", providerStatus: `refused:${err.code}`, cancelCategory: "technical" });
      }
      return { ...res, orderId: args.orderId };
    }
    await this.core.observe("yookassa.create", { attemptId: attempt.id }, sent.snapshot, sent.payment);
    ({ invoice, attempt } = await this.rows(attempt.id));
    try {
      await this.opts.onCreated?.(invoice, sent.payment);
    } catch (err) {
      // The payment exists at YooKassa either way: the script still gets its link.
      this.opts.log?.("error", `merchant notification of payment ${invoice.id} (pending) not recorded: ${err instanceof Error ? err.message : String(err)}`);
    }
    return view(invoice, attempt, sent.payment);
  }

  /** An autopayment: a saved method charged without the payer. */
  async charge(user: string, raw: unknown): Promise<YooKassaResult> {
    const o = raw as Json | undefined;
    if (!o || typeof o !== "object" || typeof o.paymentMethodId !== "string" || o.paymentMethodId === "") return invalid("paymentMethodId", "is required (the id of a saved payment method, from paymentMethod.id of a paid payment)");
    return this.createPayment(user, raw);
  }

  /** The order's payment as YooKassa has it now (an input to the core too). */
  async getPayment(ref: unknown): Promise<YooKassaResult> {
    const found = await this.find(ref);
    if ("code" in found) return found;
    if (!found.attempt.providerPaymentId) return view(found.invoice, found.attempt);
    return this.refresh(found.invoice, found.attempt, "yookassa.get");
  }

  async capture(ref: unknown, amountMinor?: unknown): Promise<YooKassaResult> {
    const found = await this.find(ref);
    if ("code" in found) return found;
    const { invoice, attempt } = found;
    if (amountMinor !== undefined && (typeof amountMinor !== "number" || !Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > invoice.amount.minor)) {
      return invalid("amount", `must be a positive integer number of kopecks, at most the held ${invoice.amount.minor}`);
    }
    if (attempt.status === "succeeded") return view(invoice, attempt); // captured already: the same answer
    if (attempt.status !== "waiting_for_capture") return conflict(`orderId ${invoice.orderId} is ${attempt.status}: only a payment waiting_for_capture can be captured`);
    try {
      const snap = await this.opts.adapter.capture(attempt, amountMinor === undefined ? undefined : { minor: amountMinor as number, currency: invoice.amount.currency });
      await this.core.observe("yookassa.capture", { attemptId: attempt.id }, snap);
    } catch (err) {
      return fromError(err, "capture");
    }
    const rows = await this.rows(attempt.id);
    return view(rows.invoice, rows.attempt);
  }

  async cancel(ref: unknown): Promise<YooKassaResult> {
    const found = await this.find(ref);
    if ("code" in found) return found;
    const { invoice, attempt } = found;
    if (attempt.status === "canceled") return view(invoice, attempt);
    if (attempt.status !== "waiting_for_capture") return conflict(`orderId ${invoice.orderId} is ${attempt.status}: only a payment waiting_for_capture can be canceled (a paid one is refunded)`);
    try {
      await this.core.observe("yookassa.cancel", { attemptId: attempt.id }, await this.opts.adapter.cancel(attempt));
    } catch (err) {
      return fromError(err, "cancel");
    }
    const rows = await this.rows(attempt.id);
    return view(rows.invoice, rows.attempt);
  }

  /**
   * A refund, partial or whole, through the core's refunds (the same records as SmartPay's): written
   * before YooKassa is asked, with its own Idempotence-Key fixed with the row, finished by the core's
   * reconciler when the answer is lost. `refundId` names it (the same id is the same refund, whatever
   * happens in between); without one, a refund of the same amount while the refunded total has not
   * moved is the same refund too, so a retried turn refunds once. The same key with another amount
   * or description is refused.
   */
  async refund(ref: unknown, raw: unknown): Promise<YooKassaResult> {
    const found = await this.find(ref);
    if ("code" in found) return found;
    const { invoice, attempt } = found;
    const o = (raw ?? {}) as Json;
    if (typeof o !== "object" || Array.isArray(o)) return invalid("options", "must be {amount?, refundId?, description?}");
    if (invoice.status !== "paid" || !attempt.providerPaymentId) return conflict(`orderId ${invoice.orderId} is ${invoice.status}: only a paid payment can be refunded`);
    const left = invoice.capturedMinor - invoice.refundedMinor;
    // "The rest" of a payment refunded in full is nothing: say so, rather than blame the amount.
    if (o.amount === undefined && left <= 0) return conflict(nothingLeft(invoice));
    const minor = o.amount ?? left;
    if (typeof minor !== "number" || !Number.isSafeInteger(minor) || minor <= 0) return invalid("amount", "must be a positive integer number of kopecks");
    if (o.refundId !== undefined && (typeof o.refundId !== "string" || o.refundId === "" || o.refundId.length > 64)) return invalid("refundId", "must be a string of 1–64 characters");
    if (o.description !== undefined && (typeof o.description !== "string" || o.description.length > 250)) return invalid("description", "must be a string of at most 250 characters");
    const clientKey = typeof o.refundId === "string" ? `id:${o.refundId}` : `auto:${invoice.refundedMinor}:${minor}`;
    const description = typeof o.description === "string" && o.description !== "" ? o.description : undefined;
    let made: { refund: PaymentRefund; created: boolean };
    try {
      made = await this.core.refund({
        payment: invoice.id,
        provider: "yookassa",
        amountMinor: minor,
        idempotencyKey: clientKey,
        requestHash: bodyHash({ amount: minor, description }),
        via: this.opts.adapter as PaymentProviderAdapter, // the script's client: a turn's short timeouts
        ...(description ? { details: { description } } : {}),
      });
    } catch (err) {
      if (!(err instanceof RefundRejectedError)) throw err;
      if (err.code === "amount") return invalid("amount", err.message);
      if (err.code === "request") return invalid("options", err.message);
      return conflict(err.code === "conflict" ? `refund ${String(o.refundId ?? clientKey)} was already asked for another amount or description` : err.message);
    }
    const { refund } = made;
    const rows = await this.rows(attempt.id);
    const answer = { ...view(rows.invoice, rows.attempt), refund: { id: refund.providerRefundId ?? null, status: REFUND_STATUS[refund.status], amount: refund.amount.minor } };
    if (refund.status === "failed") return { ...answer, code: 409, ok: false, error: { error_code: "refund_canceled", user_message: "Возврат отклонён", error_description: refund.error ?? "YooKassa canceled the refund" } };
    // Still requested: YooKassa has not answered (or said pending); the core sends the same request again.
    if (refund.status === "requested") return { ...answer, pending: true };
    return answer;
  }

  private async refresh(invoice: PaymentInvoice, attempt: PaymentAttempt, source: string): Promise<YooKassaResult> {
    let payment: Payment;
    try {
      payment = await this.opts.adapter.get(attempt.account, attempt.providerPaymentId!);
    } catch (err) {
      const res = fromError(err, "getPayment");
      return { ...view(invoice, attempt), ...res, orderId: invoice.orderId };
    }
    await this.core.observe(source, { attemptId: attempt.id }, yookassaSnapshot(payment), payment);
    const rows = await this.rows(attempt.id);
    return view(rows.invoice, rows.attempt, payment);
  }

  /** `ref`: the scenario's orderId, or `{orderId}` / `{paymentId}` (YooKassa's id). */
  private async find(ref: unknown): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt } | YooKassaResult> {
    const r = typeof ref === "string" ? { orderId: ref } : ((ref ?? {}) as Json);
    let attempt: PaymentAttempt | undefined;
    if (typeof r.paymentId === "string" && r.paymentId !== "") attempt = await this.core.store.attemptByProviderId("yookassa", r.paymentId);
    else if (typeof r.orderId === "string" && r.orderId !== "") {
      const invoice = await this.core.store.findByOrder("yookassa", this.opts.shopId, r.orderId);
      attempt = invoice ? (await this.core.store.attemptsOf(invoice.id)).at(-1) : undefined;
    } else return invalid("orderId", "is required (the orderId given to createPayment, or {paymentId})");
    if (!attempt) return { code: 404, ok: false, error: { error_code: "not_found", user_message: "Платёж не найден", error_description: `no YooKassa payment for ${JSON.stringify(r.paymentId ?? r.orderId)} in this project` } };
    return { invoice: (await this.core.store.invoice(attempt.invoiceId))!, attempt };
  }
}
