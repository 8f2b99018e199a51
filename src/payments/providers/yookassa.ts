// YooKassa as a payment-core adapter (docs/yookassa.md, "Adapter"): maps payment objects onto the
// neutral model and makes every mutating call with an Idempotence-Key derived from our own ids, so a
// retry — in this process or after a restart — is the same operation (the body of an attempt's
// create is fixed by its invoice, which never changes).
import type { CancelCategory, Money, PaymentAttempt, PaymentInvoice, ProviderSnapshot } from "../core/model.js";
import type { YooKassaClient } from "../yookassa/client.js";
import { YooKassaError, YooKassaNotFoundError } from "../yookassa/errors.js";
import { parseMinor, toAmount } from "../yookassa/money.js";
import type { CreatePaymentRequest, Payment, Receipt, Refund } from "../yookassa/types.js";
import type { Lookup, PaymentProviderAdapter, RefundOutcome } from "./types.js";

/** Kept for callers of the first version: the core now has `permission_revoked` itself. */
export type YooKassaCancelCategory = CancelCategory;

const DECLINED = new Set(["insufficient_funds", "card_expired", "fraud_suspected", "general_decline", "3d_secure_failed", "call_issuer", "invalid_card_number", "invalid_csc", "issuer_unavailable", "payment_method_limit_exceeded", "payment_method_restricted", "country_forbidden", "identification_required", "unsupported_mobile_operator"]);
const EXPIRED = new Set(["expired_on_confirmation", "expired_on_capture", "deal_expired"]);

/** Pure: a cancellation reason as a category (docs/payments.md, cancel reasons). */
export function cancelCategory(reason: string | undefined): YooKassaCancelCategory {
  if (reason === undefined) return "unknown";
  if (DECLINED.has(reason)) return "declined";
  if (EXPIRED.has(reason)) return "expired";
  if (reason === "canceled_by_merchant") return "canceled_by_merchant";
  if (reason === "permission_revoked") return "permission_revoked";
  if (reason === "internal_timeout") return "technical";
  return "unknown";
}

const money = (a: { value: unknown; currency: unknown } | undefined): Money | undefined => {
  const minor = parseMinor(a?.value);
  return minor !== undefined && typeof a?.currency === "string" ? { minor, currency: a.currency } : undefined;
};

/** Pure: a payment object (answer, fetched notification) as a neutral snapshot. */
export function yookassaSnapshot(p: Payment): ProviderSnapshot {
  const snap: ProviderSnapshot = { providerPaymentId: p.id, status: p.status, providerStatus: p.status };
  const amount = money(p.amount);
  // After a partial capture `amount` is the captured part: it is the capture, not a mismatch with the
  // order (YooKassa takes exactly the amount we create), so a succeeded payment reports only the capture.
  if (amount && p.status !== "succeeded") snap.amount = amount;
  if (p.status === "succeeded" && amount) snap.capturedMinor = amount.minor;
  const refunded = money(p.refunded_amount);
  if (refunded && refunded.minor > 0) snap.refundedMinor = refunded.minor;
  if (p.status === "canceled") snap.cancelCategory = cancelCategory(p.cancellation_details?.reason);
  if (p.confirmation?.confirmation_url) snap.confirmationUrl = p.confirmation.confirmation_url;
  if (p.payment_method?.id) snap.paymentMethod = { id: p.payment_method.id, saved: p.payment_method.saved === true, ...(p.payment_method.title ? { title: p.payment_method.title } : {}) };
  return snap;
}

/** Deterministic keys, at most 64 characters: UUID attempt ids give 36 + suffix. */
export const idempotenceKeys = {
  create: (attemptId: string) => `${attemptId}:create`,
  /** With the amount: a second capture of another amount is another request (YooKassa then refuses it by status). */
  capture: (attemptId: string, minor?: number) => `${attemptId}:capture${minor === undefined ? "" : `:${minor}`}`,
  cancel: (attemptId: string) => `${attemptId}:cancel`,
  refund: (refundId: string) => `rf:${refundId}`,
};

/** How a YooKassa payment is created: the return URL, one or two stages, saving the method, the receipt. */
export interface YooKassaCreateOptions {
  returnUrl: string;
  capture: boolean; // false: two-stage, the payment waits for capture
  savePaymentMethod?: boolean;
  receipt?: Receipt;
}

/** What the adapter reads of the core's rows (narrow, so it works before the core knows "yookassa"). */
export type InvoiceFields = Pick<PaymentInvoice, "id" | "orderId" | "amount" | "description">;
/** What the adapter reads of an attempt row. */
export type AttemptFields = Pick<PaymentAttempt, "id" | "account" | "providerPaymentId">;

/**
 * The payment core's adapter for YooKassa, with the calls only YooKassa has (create, charge a saved method,
 * capture, cancel).
 */
export interface YooKassaAdapter extends Omit<PaymentProviderAdapter, "kind" | "fetch" | "prepareRefund" | "submitRefund"> {
  prepareRefund: NonNullable<PaymentProviderAdapter["prepareRefund"]>;
  submitRefund: NonNullable<PaymentProviderAdapter["submitRefund"]>;
  kind: "yookassa";
  fetch(attempt: AttemptFields): Promise<Lookup>;
  create(invoice: InvoiceFields, attempt: AttemptFields, opts: YooKassaCreateOptions): Promise<{ snapshot: ProviderSnapshot; confirmationUrl?: string; payment: Payment }>;
  chargeSaved(invoice: InvoiceFields, attempt: AttemptFields, paymentMethodId: string, opts: { capture: boolean; receipt?: Receipt }): Promise<{ snapshot: ProviderSnapshot; payment: Payment }>;
  /** A create body made by the caller (the core's create path), under the key kept with the attempt. */
  send(account: string, body: CreatePaymentRequest, idempotenceKey: string): Promise<{ snapshot: ProviderSnapshot; payment: Payment }>;
  /** A payment as YooKassa has it now (the authoritative read). */
  get(account: string, paymentId: string): Promise<Payment>;
  capture(attempt: AttemptFields, amount?: Money): Promise<ProviderSnapshot>;
  cancel(attempt: AttemptFields): Promise<ProviderSnapshot>;
  refund(attempt: AttemptFields, refundId: string, amount: Money, opts?: { description?: string; receipt?: Receipt }): Promise<Refund>;
}

/** `clientFor(account)` gives the client of a shop (its shop id and secret key), or undefined. */
/** YooKassa notifies: the reconciler asks about a pending payment only this often (a notification that never came). */
export const DEFAULT_YOOKASSA_POLL_MS = 60_000;

/**
 * The YooKassa adapter over a client per shop; a create that had no answer is looked for among the payments
 * of the last `findWithinMs` (default 72 hours).
 */
export function yookassaAdapter(clientFor: (account: string) => YooKassaClient | undefined, opts: { findWithinMs?: number; now?: () => number; pollIntervalMs?: number } = {}): YooKassaAdapter {
  const client = (account: string): YooKassaClient => {
    const c = clientFor(account);
    if (!c) throw new Error(`no YooKassa credentials for shop ${account}`);
    return c;
  };
  const base = (invoice: InvoiceFields, attempt: AttemptFields): CreatePaymentRequest => ({
    amount: toAmount(invoice.amount.minor, invoice.amount.currency),
    description: invoice.description.slice(0, 128),
    // The only way back from an orphaned payment to our rows (findByOrder below).
    metadata: { invoice_id: invoice.id, attempt_id: attempt.id, order_id: invoice.orderId },
  });
  return {
    kind: "yookassa",
    pollIntervalMs: opts.pollIntervalMs ?? DEFAULT_YOOKASSA_POLL_MS,

    async fetch(attempt) {
      try {
        return yookassaSnapshot(await client(attempt.account).getPayment(attempt.providerPaymentId!));
      } catch (err) {
        if (err instanceof YooKassaNotFoundError) return "not_found";
        throw err;
      }
    },

    /** An orphan (a create with no answer) is found by its metadata among the shop's recent payments. */
    async findByOrder(account, orderId): Promise<Lookup> {
      const since = new Date((opts.now ?? Date.now)() - (opts.findWithinMs ?? 72 * 3600_000)).toISOString();
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const list = await client(account).listPayments({ "created_at.gte": since, limit: 100, cursor });
        const hit = list.items.find((p) => p.metadata?.order_id === orderId);
        if (hit) return yookassaSnapshot(hit);
        if (!list.next_cursor) break;
        cursor = list.next_cursor;
      }
      return "not_found";
    },

    async create(invoice, attempt, o) {
      const body: CreatePaymentRequest = {
        ...base(invoice, attempt),
        capture: o.capture,
        confirmation: { type: "redirect", return_url: o.returnUrl },
        ...(o.savePaymentMethod ? { save_payment_method: true } : {}),
        ...(o.receipt ? { receipt: o.receipt } : {}),
      };
      const payment = await client(attempt.account).createPayment(body, idempotenceKeys.create(attempt.id));
      return { snapshot: yookassaSnapshot(payment), confirmationUrl: payment.confirmation?.confirmation_url, payment };
    },

    async chargeSaved(invoice, attempt, paymentMethodId, o) {
      const body: CreatePaymentRequest = { ...base(invoice, attempt), capture: o.capture, payment_method_id: paymentMethodId, ...(o.receipt ? { receipt: o.receipt } : {}) };
      const payment = await client(attempt.account).createPayment(body, idempotenceKeys.create(attempt.id));
      return { snapshot: yookassaSnapshot(payment), payment };
    },

    async send(account, body, key) {
      const payment = await client(account).createPayment(body, key);
      return { snapshot: yookassaSnapshot(payment), payment };
    },

    get: (account, paymentId) => client(account).getPayment(paymentId),

    async capture(attempt, amount) {
      const body = amount ? { amount: toAmount(amount.minor, amount.currency) } : {};
      return yookassaSnapshot(await client(attempt.account).capturePayment(attempt.providerPaymentId!, idempotenceKeys.capture(attempt.id, amount?.minor), body));
    },

    async cancel(attempt) {
      return yookassaSnapshot(await client(attempt.account).cancelPayment(attempt.providerPaymentId!, idempotenceKeys.cancel(attempt.id)));
    },

    /** The POST /refunds body, fixed with the core's refund row (a resend is the same body under the same key). */
    async prepareRefund(_invoice, attempt, ask) {
      if (!attempt.providerPaymentId) throw new Error("the payment has no YooKassa id yet");
      const description = ask.details?.description;
      if (description !== undefined && (typeof description !== "string" || description.length > 250)) throw new Error("description: must be a string of at most 250 characters");
      return { payment_id: attempt.providerPaymentId, amount: toAmount(ask.amount.minor, ask.amount.currency), ...(description ? { description } : {}) };
    },

    /**
     * Send the core's refund under its own key. `succeeded` and `canceled` are final; `pending` (or no
     * answer) leaves it requested and the core sends the same request again later, which YooKassa
     * answers with the same refund for the same key.
     */
    async submitRefund(_invoice, attempt, refund): Promise<RefundOutcome> {
      let answer: Refund;
      try {
        answer = await client(attempt.account).createRefund(refund.request as Parameters<YooKassaClient["createRefund"]>[0], refund.providerIdempotenceKey ?? idempotenceKeys.refund(refund.id));
      } catch (err) {
        if (err instanceof YooKassaError && !err.outcomeUnknown && !err.retryable) return { status: "failed", error: `${err.code}: ${err.description ?? err.message}` };
        throw err;
      }
      if (answer.status === "succeeded") return { status: "succeeded", providerRefundId: answer.id };
      if (answer.status === "canceled") return { status: "failed", error: `canceled: ${answer.cancellation_details?.reason ?? "unknown"}`, providerRefundId: answer.id };
      throw new Error(`refund ${answer.id} is ${answer.status}: asked again later`);
    },

    async refund(attempt, refundId, amount, o = {}) {
      return client(attempt.account).createRefund(
        { payment_id: attempt.providerPaymentId!, amount: toAmount(amount.minor, amount.currency), ...(o.description ? { description: o.description } : {}), ...(o.receipt ? { receipt: o.receipt } : {}) },
        idempotenceKeys.refund(refundId),
      );
    },
  };
}
