// The seam between the merchant-notification dispatcher and where its outbox lives (docs/yookassa.md,
// "Where the outbox lives"): SQLite on one host (outbox.ts), or the ledger's PostgreSQL or Redis when
// several processes serve one project (outbox-postgres.ts, outbox-redis.ts). Methods may answer
// synchronously (SQLite) or with a promise; the dispatcher awaits either.
import type { MerchantState } from "./format.js";

/** Where a delivery stands. */
export type DeliveryStatus = "pending" | "delivered" | "failed";

/** One delivery of the outbox: what to POST where, and its tries so far. */
export interface OutboxRow {
  id: number;
  eventId: string;
  paymentKey: string; // deliveries of one payment go out in id order
  state: MerchantState;
  url: string;
  body: string; // the exact bytes that are signed and sent
  createdAt: number; // clock ms of the state change
  nextAt: number;
  tries: number;
  status: DeliveryStatus;
  lastError?: string;
  deliveredAt?: number;
}

/** A delivery as added, before the outbox numbers and schedules it. */
export type NewOutboxRow = Pick<OutboxRow, "eventId" | "paymentKey" | "state" | "url" | "body" | "createdAt">;

type Awaitable<T> = T | Promise<T>;

/**
 * An outbox of signed POSTs, the same contract in SQLite, Redis and PostgreSQL: once per (payment, state),
 * one payment's deliveries in order.
 */
export interface MerchantOutboxStore {
  /** Once per (payment, state): a repeat answers false and changes nothing. */
  add(row: NewOutboxRow): Awaitable<boolean>;
  /**
   * The due head of every payment's line (its oldest pending row), each moved `leaseMs` into the
   * future in the same step, so another dispatcher skips it while this one delivers. A payment's next
   * row is never claimable while an earlier one is pending: that keeps the order per payment.
   */
  claimDue(now: number, leaseMs: number, limit?: number): Awaitable<OutboxRow[]>;
  delivered(id: number, at: number): Awaitable<void>;
  retryAt(id: number, nextAt: number, error: string): Awaitable<void>;
  failed(id: number, error: string): Awaitable<void>;
  counts(): Awaitable<Record<DeliveryStatus, number>>;
  /** The row (by id or event id) goes out again now, in its place in the payment's line. */
  redeliver(ref: string, now: number): Awaitable<OutboxRow | undefined>;
  all(paymentKey?: string): Awaitable<OutboxRow[]>;
  close(): Awaitable<void>;
}
