// What the payment core needs from a provider (docs/payments.md, "The payment core"). SmartPay is the
// first adapter (./smartpay.ts); the next providers implement the same interface.
import type { PaymentAttempt, ProviderKind, ProviderSnapshot } from "../core/model.js";

export type Lookup = ProviderSnapshot | "not_found";

export interface PaymentProviderAdapter {
  kind: ProviderKind;
  /** The provider's authoritative word on an attempt it knows by id. */
  fetch(attempt: PaymentAttempt): Promise<Lookup>;
  /** The provider object made for an order whose create had no answer (an orphan), if any. */
  findByOrder(account: string, orderId: string): Promise<Lookup>;
  /**
   * A provider that notifies (YooKassa) is asked less often: an open attempt synced within this many
   * ms is skipped by the reconciler's timer rounds (never by the round at start). Default: every round.
   */
  pollIntervalMs?: number;
}
