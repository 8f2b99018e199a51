// The provider-neutral payment model (docs/payments.md, "The payment core"): what the scenario wants
// paid (an invoice, one per order), the provider objects made for it (attempts), money facts (the
// ledger), provider inputs (the inbox) and events for the user's dialog (the outbox).

/** Neutral attempt statuses, ranked: a provider input only ever moves an attempt up. */
export type AttemptStatus = "created" | "pending" | "waiting_for_capture" | "succeeded" | "canceled";
/** An invoice's status: open until an attempt holds, takes or loses the money. */
export type InvoiceStatus = "open" | "awaiting_capture" | "paid" | "canceled";
/** `permission_revoked`: the payer withdrew a saved method's consent; later charges of it fail the same way. */
export type CancelCategory = "declined" | "expired" | "canceled_by_user" | "canceled_by_merchant" | "permission_revoked" | "technical" | "unknown";
/** The payment providers the core speaks to. */
export type ProviderKind = "smartpay" | "yookassa";

/** The rank of each attempt status: a provider input never moves an attempt to a lower rank. */
export const ATTEMPT_RANK: Record<AttemptStatus, number> = { created: 0, pending: 1, waiting_for_capture: 2, succeeded: 3, canceled: 3 };
/** Attempt statuses no provider input changes any more. */
export const FINAL_ATTEMPT: ReadonlySet<AttemptStatus> = new Set(["succeeded", "canceled"]);

/** An amount in integer minor units (kopecks) and its currency: never a float. */
export interface Money {
  minor: number; // integer minor units (kopecks)
  currency: string; // ISO 4217
}

/** What the scenario wants paid: one invoice per order, whose dialog hears its events, and its money so far. */
export interface PaymentInvoice {
  id: string;
  userKey: string; // whose dialog gets the events
  provider: ProviderKind;
  account: string; // the provider account (SmartPay: service_id)
  orderId: string; // the scenario's order id, unique per (provider, account)
  amount: Money;
  description: string;
  status: InvoiceStatus;
  paidAttemptId?: string; // set once, by compare-and-set
  capturedMinor: number;
  refundedMinor: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** One provider object made for an invoice (a SmartPay invoice, a YooKassa payment) and its state. */
export interface PaymentAttempt {
  id: string;
  invoiceId: string;
  provider: ProviderKind;
  account: string;
  providerPaymentId?: string; // SmartPay invoice_id; absent while the create has no answer
  status: AttemptStatus;
  providerStatus?: string; // the provider's own word (SmartPay invoice_status)
  amount: Money;
  cancelCategory?: CancelCategory;
  /** YooKassa: the payment link (confirmation_url) the payer opens. */
  confirmationUrl?: string;
  /** YooKassa: the payment method charged (a saved one for autopayments, or the one the payer used). */
  paymentMethodId?: string;
  /** YooKassa: the payer agreed to keep the method for autopayments (payment_method.saved). */
  paymentMethodSaved?: boolean;
  /** The create's Idempotence-Key, kept with the attempt: reused only for a body with the same requestHash. */
  idempotenceKey?: string;
  /** sha256 of the create body (canonical JSON) sent under idempotenceKey. */
  requestHash?: string;
  /** The 54-FZ receipt sent with the create (the provider's JSON, kept with the key: docs/yookassa.md, "Receipts"). */
  receipt?: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
  syncedAt?: string;
}

/** A money fact: a capture or a refund, written once and never changed. */
export interface LedgerEntry {
  id: number;
  invoiceId: string;
  attemptId: string;
  kind: "capture" | "refund";
  amount: Money;
  providerObjectId: string; // unique with kind: a capture is counted once however often it is seen
  at: string;
}

/** What a provider says about one attempt (an authoritative read, or an input to verify). */
export interface ProviderSnapshot {
  providerPaymentId?: string;
  status: AttemptStatus;
  providerStatus: string;
  amount?: Money;
  capturedMinor?: number;
  refundedMinor?: number;
  cancelCategory?: CancelCategory;
  /** YooKassa: the payment link, when the answer carries one. */
  confirmationUrl?: string;
  /** YooKassa: the payment method the provider reports (id; saved when kept for autopayments). */
  paymentMethod?: { id: string; saved: boolean; title?: string };
}

/** Events raised into the user's dialog as `event!:` triggers, once per (invoice, name[, refund total or refund id]). */
export type PaymentEventName =
  | "payment.authorized"
  | "payment.waiting_for_capture"
  | "payment.succeeded"
  | "payment.canceled"
  | "payment.duplicate"
  | "payment.amount_mismatch"
  | "payment.refunded"
  | "refund.succeeded"
  | "refund.failed";

/** Every PaymentEventName, to check a name a scenario subscribes to. */
export const PAYMENT_EVENT_NAMES: readonly PaymentEventName[] = [
  "payment.authorized",
  "payment.waiting_for_capture",
  "payment.succeeded",
  "payment.canceled",
  "payment.duplicate",
  "payment.amount_mismatch",
  "payment.refunded",
  "refund.succeeded",
  "refund.failed",
];

/** A refund asked of the core: written (requested) before the provider is called, final once it answers. */
export type RefundStatus = "requested" | "succeeded" | "failed";

/** One refund model for every provider (SmartPay, YooKassa): the core writes it, the adapter sends it. */
export interface PaymentRefund {
  id: string;
  invoiceId: string;
  attemptId: string;
  amount: Money;
  status: RefundStatus;
  /** The caller's key: a repeated request with it yields this refund, never a second one (YooKassa: `id:<refundId>`, or `auto:<refunded>:<amount>`). */
  idempotencyKey: string;
  /** What the provider is sent (SmartPay: the PATCH body; YooKassa: the POST /refunds body), fixed when the refund is requested. */
  request: unknown;
  /** sha256 of the caller's terms (canonical JSON): the same key with other terms is refused, never another refund. */
  requestHash?: string;
  /** The provider's own idempotency key for this refund (YooKassa's Idempotence-Key), fixed with the row, so a resend is the same refund. */
  providerIdempotenceKey?: string;
  reason?: string;
  providerRefundId?: string;
  /** Set just before the provider is called: unset after a restart means it never was. */
  sentAt?: string;
  error?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Event names a client may not raise: the dialog hears them only from the payment core. */
export function isPaymentEventName(name: unknown): boolean {
  return typeof name === "string" && /^(payment|refund|payment_method)\./.test(name);
}

/** An event for the user's dialog (the outbox): delivered once, retried until it is. */
export interface PaymentEvent {
  id: number;
  key: string; // unique: the "once" of once per (payment, status)
  invoiceId: string;
  userKey: string;
  name: PaymentEventName;
  payload: Record<string, unknown>;
  createdAt: string;
  deliveredAt?: string;
  tries: number;
  nextAt: number; // epoch ms of the next delivery try
  lastError?: string;
}

/**
 * A provider input as received (a poll, a create's answer, a notification), kept until it is applied;
 * `dedupKey` drops repeats.
 */
export interface InboxEntry {
  id: number;
  source: string; // "smartpay.poll", "smartpay.create", "smartpay.client_hint"
  dedupKey: string;
  body: unknown;
  receivedAt: string;
  processedAt?: string;
}
