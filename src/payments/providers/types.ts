// What the payment core needs from a provider (docs/payments.md, "The payment core"). SmartPay is the
// first adapter (./smartpay.ts); the next providers implement the same interface.
import type { Money, PaymentAttempt, PaymentInvoice, PaymentRefund, ProviderKind, ProviderSnapshot } from "../core/model.js";

/** A provider's word on an attempt: its snapshot, or that it does not know it. */
export type Lookup = ProviderSnapshot | "not_found";

/** A provider's final answer to a refund. An unknown outcome (no answer, 5xx) is thrown instead: the refund stays requested and is sent again. */
export type RefundOutcome = { status: "succeeded"; providerRefundId?: string } | { status: "failed"; error: string; providerRefundId?: string };

/** A refund the core asks a provider for: the amount, what is left and the script's provider-specific details. */
export interface RefundAsk {
  amount: Money;
  /** What is left before this refund (captured less the refunds that succeeded). */
  currentMinor: number;
  /** The script's provider-specific part (SmartPay: order_bundle, the items refunded). */
  details?: Record<string, unknown>;
}

/** What the payment core needs of a provider: its word on an attempt, an orphan's lookup, and refunds. */
export interface PaymentProviderAdapter {
  kind: ProviderKind;
  /** The provider's authoritative word on an attempt it knows by id. */
  fetch(attempt: PaymentAttempt): Promise<Lookup>;
  /** The provider object made for an order whose create had no answer (an orphan), if any. */
  findByOrder(account: string, orderId: string): Promise<Lookup>;
  /** The provider's request for a refund, fixed when the refund is written (so a resend is the same request). Throws a message for bad input. */
  prepareRefund?(invoice: PaymentInvoice, attempt: PaymentAttempt, ask: RefundAsk): Promise<unknown>;
  /** Send a refund's request. `resend`: it was sent before without a known outcome. */
  submitRefund?(invoice: PaymentInvoice, attempt: PaymentAttempt, refund: PaymentRefund, resend: boolean): Promise<RefundOutcome>;
  /**
   * A provider that notifies (YooKassa) is asked less often: an open attempt synced within this many
   * ms is skipped by the reconciler's timer rounds (never by the round at start). Default: every round.
   */
  pollIntervalMs?: number;
}
