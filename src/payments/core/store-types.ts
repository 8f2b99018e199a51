// What the payment core needs from its ledger store (docs/payments.md, "Stores"). Three stores
// implement it with the same semantics, checked by one contract suite (store.contract.test.ts):
// SQLite (store.ts, the default), Redis (store-redis.ts) and PostgreSQL (store-postgres.ts).
import type { Plan } from "./machine.js";
import type { InboxEntry, LedgerEntry, Money, PaymentAttempt, PaymentEvent, PaymentInvoice, PaymentRefund, ProviderKind } from "./model.js";

/** Somebody else changed the row first (its version moved): reload and plan again. */
export class StaleVersionError extends Error {}

/** The kinds of ledger store. */
export type LedgerStoreKind = "sqlite" | "redis" | "postgres";

/** What a caller asks the core to begin: the order, whose dialog hears it, and its money. */
export interface BeginInput {
  userKey: string;
  provider: ProviderKind;
  account: string;
  orderId: string;
  amount: Money;
  description: string;
}

/** A BeginInput with the ids the core chose for its invoice and first attempt. */
export interface NewInvoice extends BeginInput {
  id: string;
  attemptId: string;
}

/** A refund to record before the provider is asked for it. */
export interface NewRefund {
  id: string;
  invoiceId: string;
  attemptId: string;
  amount: Money;
  idempotencyKey: string;
  request: unknown;
  reason?: string;
  /** sha256 of the caller's terms: a repeat under the same key with another hash is refused. */
  requestHash?: string;
  /** The provider's own idempotency key (YooKassa's Idempotence-Key), fixed with the row. */
  providerIdempotenceKey?: string;
}

/** The invoice and attempt of an order; `created` when this call made them. */
export interface Begun {
  invoice: PaymentInvoice;
  attempt: PaymentAttempt;
  created: boolean;
}

/**
 * The ledger's storage, the same contract in SQLite, Redis and PostgreSQL: every change of an invoice or
 * attempt is a compare-and-set, so money is never counted twice.
 */
export interface LedgerStore {
  readonly kind: LedgerStoreKind;

  /** The order's invoice and attempt, made now (write-ahead, before the provider is called) or found. Unique per (provider, account, orderId), also across processes. */
  beginInvoice(n: NewInvoice, now: string): Promise<Begun>;
  invoice(id: string): Promise<PaymentInvoice | undefined>;
  findByOrder(provider: string, account: string, orderId: string): Promise<PaymentInvoice | undefined>;
  /**
   * The newest invoice with this order id in any account (of `provider` when given), by an index: how
   * the CLI and `$payment.refundPayment` find a payment named by its order id.
   */
  invoiceByOrderId(orderId: string, provider?: ProviderKind): Promise<PaymentInvoice | undefined>;
  /** The newest first, at most `limit`. */
  invoices(limit?: number): Promise<PaymentInvoice[]>;
  attempt(id: string): Promise<PaymentAttempt | undefined>;
  attemptByProviderId(provider: string, providerPaymentId: string): Promise<PaymentAttempt | undefined>;
  attemptsOf(invoiceId: string): Promise<PaymentAttempt[]>;
  /** Attempts not final yet, the least recently synced first: the reconciler's work list. */
  openAttempts(limit?: number): Promise<PaymentAttempt[]>;
  markSynced(attemptId: string, at: string): Promise<void>;
  /**
   * Keep a create's idempotency key and body hash with the attempt (YooKassa's Idempotence-Key). The
   * first one sticks, also across processes: answers the key and hash the attempt holds now, so a
   * caller can refuse to send another body under it. Moves the attempt's version.
   */
  /** Keeps the create's key, body hash and receipt (if any) once: a second call answers what the first kept. */
  keepCreateRequest(attemptId: string, idempotenceKey: string, requestHash: string, receipt?: Record<string, unknown>): Promise<{ idempotenceKey: string; requestHash: string }>;

  /**
   * Apply a plan in one transaction: the attempt (when planned), the invoice (when planned) and the
   * refund (when planned) by compare-and-set on the versions the plan was made from, the ledger rows
   * (a repeat of the same money fact is ignored by its unique key), the events into the outbox (once
   * per key). Throws StaleVersionError when a row moved meanwhile; nothing is written then.
   */
  applyPlan(invoice: PaymentInvoice, attempt: PaymentAttempt, plan: Plan, now: string): Promise<{ events: number }>;

  /** Store a provider input before anything acts on it. Returns undefined for a repeat (same dedup key). */
  inbox(source: string, dedupKey: string, body: unknown, now: string): Promise<number | undefined>;
  inboxDone(id: number, now: string, note?: string): Promise<void>;
  /** Inputs stored but not processed (the process stopped in between): replayed at start. */
  unprocessedInbox(): Promise<InboxEntry[]>;

  /**
   * Due undelivered events, claimed for `leaseMs`: a claimed event is not due for anybody else until
   * the lease ends (two processes never get the same event), and is due again if its claimer died.
   */
  claimDueEvents(nowMs: number, leaseMs: number, limit?: number): Promise<PaymentEvent[]>;
  delivered(id: number, now: string): Promise<void>;
  /** Not delivered: due again at `nextAt`; `countTry` false for a deferral (the server was full), which leaves `tries`, and so the backoff, as they were. */
  deliveryFailed(id: number, error: string, nextAt: number, countTry?: boolean): Promise<void>;
  events(invoiceId?: string): Promise<PaymentEvent[]>;
  ledger(invoiceId?: string): Promise<LedgerEntry[]>;

  /**
   * A refund row, written before the provider is called. With the key of an existing refund of the
   * invoice: that refund (created false), nothing written. Otherwise by compare-and-set on the
   * invoice's version (which it moves on), so two refunds decided from the same totals cannot both
   * be written: the caller checks the totals and the store guarantees nobody wrote in between.
   */
  insertRefund(r: NewRefund, invoiceVersion: number, now: string): Promise<{ refund: PaymentRefund; created: boolean }>;
  refund(id: string): Promise<PaymentRefund | undefined>;
  refundByKey(invoiceId: string, idempotencyKey: string): Promise<PaymentRefund | undefined>;
  refundsOf(invoiceId: string): Promise<PaymentRefund[]>;
  /** Refunds still `requested`, the oldest first: the reconciler finishes them. */
  openRefunds(limit?: number): Promise<PaymentRefund[]>;
  /** Compare-and-set `sentAt` just before the provider is called; false when the refund moved meanwhile. */
  markRefundSent(id: string, version: number, now: string): Promise<boolean>;

  close(): Promise<void>;
}
