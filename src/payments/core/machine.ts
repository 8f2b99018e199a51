// Pure: what one provider snapshot does to an attempt and its invoice (docs/payments.md, the state
// machine). The store applies the plan in one transaction with compare-and-set on both rows.
import {
  ATTEMPT_RANK,
  type AttemptStatus,
  type CancelCategory,
  type InvoiceStatus,
  type LedgerEntry,
  type Money,
  type PaymentAttempt,
  type PaymentEventName,
  type PaymentInvoice,
  type PaymentRefund,
  type ProviderSnapshot,
  type RefundStatus,
} from "./model.js";

/** An event the plan raises; `key` makes it once per payment and status. */
export interface PlannedEvent {
  key: string;
  name: PaymentEventName;
  payload: Record<string, unknown>;
}

/** What one provider snapshot changes: the attempt's and invoice's new state, the money facts and the events. */
export interface Plan {
  attempt?: { status: AttemptStatus; providerStatus: string; providerPaymentId?: string; cancelCategory?: CancelCategory; confirmationUrl?: string; paymentMethod?: { id: string; saved: boolean } };
  invoice?: { status: InvoiceStatus; paidAttemptId?: string; capturedMinor?: number; refundedMinor?: number };
  ledger: Omit<LedgerEntry, "id" | "at">[];
  events: PlannedEvent[];
  /** A refund's outcome, by compare-and-set on the refund's version. */
  refund?: { id: string; version: number; status: RefundStatus; providerRefundId?: string; error?: string };
  /** Why nothing changed, for the inbox record (stale, same, conflicting). */
  ignored?: string;
}

const sameMoney = (a: Money | undefined, b: Money): boolean => a === undefined || (a.minor === b.minor && a.currency === b.currency);

/** The plan of one provider snapshot for an attempt (pure; the store applies it with compare-and-set). */
export function planSnapshot(invoice: PaymentInvoice, attempt: PaymentAttempt, snap: ProviderSnapshot): Plan {
  const plan: Plan = { ledger: [], events: [] };
  const from = attempt.status;
  const to = snap.status;
  const base = {
    invoiceId: invoice.id,
    orderId: invoice.orderId,
    provider: invoice.provider,
    providerPaymentId: snap.providerPaymentId ?? attempt.providerPaymentId,
    amount: invoice.amount,
  };
  const providerObject = `${invoice.provider}:${invoice.account}:${snap.providerPaymentId ?? attempt.providerPaymentId ?? attempt.id}`;

  const up = ATTEMPT_RANK[to] > ATTEMPT_RANK[from];
  if (!up && to !== from) {
    // A lower rank is a stale input; the same rank with the other terminal is a conflict the provider's
    // later reads settle (both are kept in the inbox).
    plan.ignored = ATTEMPT_RANK[to] < ATTEMPT_RANK[from] ? `stale: ${to} after ${from}` : `conflict: ${to} while ${from}`;
  }
  // YooKassa: the link and the payment method (saved for autopayments) ride along with the status.
  const extras = {
    ...(snap.confirmationUrl && snap.confirmationUrl !== attempt.confirmationUrl ? { confirmationUrl: snap.confirmationUrl } : {}),
    ...(snap.paymentMethod && (snap.paymentMethod.id !== attempt.paymentMethodId || snap.paymentMethod.saved !== (attempt.paymentMethodSaved ?? false)) ? { paymentMethod: { id: snap.paymentMethod.id, saved: snap.paymentMethod.saved } } : {}),
  };
  if (up || (to === from && snap.providerPaymentId && !attempt.providerPaymentId)) {
    plan.attempt = { status: to, providerStatus: snap.providerStatus, providerPaymentId: snap.providerPaymentId, cancelCategory: to === "canceled" ? (snap.cancelCategory ?? "unknown") : undefined, ...extras };
  } else if ((to === from && snap.providerStatus !== attempt.providerStatus) || (to === from && Object.keys(extras).length > 0)) {
    plan.attempt = { status: from, providerStatus: snap.providerStatus, ...extras };
  }
  const method = snap.paymentMethod ? { paymentMethod: snap.paymentMethod } : {};

  if (up && to === "waiting_for_capture" && invoice.status === "open") {
    plan.invoice = { status: "awaiting_capture" };
    // YooKassa's own name for the hold (its notification's event); SmartPay's stays payment.authorized.
    const name = invoice.provider === "yookassa" ? "payment.waiting_for_capture" : "payment.authorized";
    plan.events.push({ key: `${invoice.id}:${name}`, name, payload: { ...base, ...method, status: "awaiting_capture" } });
  }
  if (up && to === "succeeded") {
    const captured = snap.capturedMinor ?? invoice.amount.minor;
    plan.ledger.push({ invoiceId: invoice.id, attemptId: attempt.id, kind: "capture", amount: { minor: captured, currency: invoice.amount.currency }, providerObjectId: providerObject });
    if (!sameMoney(snap.amount, invoice.amount)) {
      plan.events.push({ key: `${invoice.id}:payment.amount_mismatch`, name: "payment.amount_mismatch", payload: { ...base, expected: invoice.amount, actual: snap.amount } });
      plan.invoice = { status: invoice.status, capturedMinor: invoice.capturedMinor + captured };
    } else if (invoice.paidAttemptId && invoice.paidAttemptId !== attempt.id) {
      plan.events.push({ key: `${invoice.id}:payment.duplicate:${attempt.id}`, name: "payment.duplicate", payload: { ...base, attemptId: attempt.id } });
      plan.invoice = { status: "paid", capturedMinor: invoice.capturedMinor + captured };
    } else {
      plan.invoice = { status: "paid", paidAttemptId: attempt.id, capturedMinor: invoice.capturedMinor + captured };
      plan.events.push({ key: `${invoice.id}:payment.succeeded`, name: "payment.succeeded", payload: { ...base, ...method, status: "paid", captured: { minor: captured, currency: invoice.amount.currency } } });
    }
  }
  if (up && to === "canceled" && invoice.status !== "paid") {
    // One provider object per order (SmartPay, and YooKassa as the core uses it), so its end is the order's end.
    plan.invoice = { status: "canceled" };
    plan.events.push({ key: `${invoice.id}:payment.canceled`, name: "payment.canceled", payload: { ...base, status: "canceled", category: snap.cancelCategory ?? "unknown" } });
  }
  // Refunds are their own dimension: the status stays paid, the ledger and the event count the money.
  const refunded = snap.refundedMinor ?? 0;
  const known = (plan.invoice?.refundedMinor ?? invoice.refundedMinor) || 0;
  if (refunded > known) {
    const delta = refunded - known;
    plan.ledger.push({ invoiceId: invoice.id, attemptId: attempt.id, kind: "refund", amount: { minor: delta, currency: invoice.amount.currency }, providerObjectId: `${providerObject}:refunded:${refunded}` });
    plan.invoice = { ...(plan.invoice ?? { status: invoice.status }), refundedMinor: refunded };
    plan.events.push({
      key: `${invoice.id}:refund.succeeded:${refunded}`,
      name: "refund.succeeded",
      payload: { ...base, refunded: { minor: delta, currency: invoice.amount.currency }, refundedTotal: { minor: refunded, currency: invoice.amount.currency }, full: refunded >= invoice.amount.minor },
    });
    if (refunded >= invoice.amount.minor) plan.events.push(refundedEvent(invoice, base, refunded));
  }
  return plan;
}

function refundedEvent(invoice: PaymentInvoice, base: Record<string, unknown>, refunded: number): PlannedEvent {
  return { key: `${invoice.id}:payment.refunded`, name: "payment.refunded", payload: { ...base, status: invoice.status, refundedTotal: { minor: refunded, currency: invoice.amount.currency } } };
}

/** What is left to refund: the captured money less every refund not failed (requested ones hold theirs). */
export function refundable(invoice: PaymentInvoice, refunds: readonly PaymentRefund[]): number {
  const held = refunds.filter((r) => r.status !== "failed").reduce((sum, r) => sum + r.amount.minor, 0);
  return Math.max(0, invoice.capturedMinor - Math.max(held, invoice.refundedMinor));
}

/**
 * Pure: a provider's answer to a refund. Success moves the invoice's refunded total (never past what
 * the ledger already knows from a status read of the same money: SmartPay's `refunded`), writes the
 * money fact and the events; failure frees the held amount and tells the dialog.
 */
export function planRefund(
  invoice: PaymentInvoice,
  attempt: PaymentAttempt,
  refund: PaymentRefund,
  refunds: readonly PaymentRefund[],
  outcome: { status: "succeeded"; providerRefundId?: string } | { status: "failed"; error: string; providerRefundId?: string },
): Plan {
  const base = { invoiceId: invoice.id, orderId: invoice.orderId, provider: invoice.provider, providerPaymentId: attempt.providerPaymentId, amount: invoice.amount, refundId: refund.id, idempotencyKey: refund.idempotencyKey };
  const cur = invoice.amount.currency;
  if (outcome.status === "failed") {
    return {
      ledger: [],
      refund: { id: refund.id, version: refund.version, status: "failed", error: outcome.error, providerRefundId: outcome.providerRefundId },
      events: [{ key: `${invoice.id}:refund.failed:${refund.id}`, name: "refund.failed", payload: { ...base, refund: refund.amount, error: outcome.error } }],
    };
  }
  const before = refunds.filter((r) => r.id !== refund.id && r.status === "succeeded").reduce((sum, r) => sum + r.amount.minor, 0);
  const total = Math.max(invoice.refundedMinor, before + refund.amount.minor);
  const delta = total - invoice.refundedMinor;
  const plan: Plan = {
    ledger: [],
    refund: { id: refund.id, version: refund.version, status: "succeeded", providerRefundId: outcome.providerRefundId },
    invoice: { status: invoice.status, refundedMinor: total },
    events: [
      {
        key: `${invoice.id}:refund.succeeded:${total}`,
        name: "refund.succeeded",
        payload: { ...base, refunded: refund.amount, refundedTotal: { minor: total, currency: cur }, full: total >= invoice.capturedMinor },
      },
    ],
  };
  if (delta > 0) {
    plan.ledger.push({ invoiceId: invoice.id, attemptId: attempt.id, kind: "refund", amount: { minor: delta, currency: cur }, providerObjectId: `${invoice.provider}:${invoice.account}:refund:${refund.id}` });
  }
  if (total >= invoice.capturedMinor) plan.events.push(refundedEvent(invoice, base, total));
  return plan;
}
