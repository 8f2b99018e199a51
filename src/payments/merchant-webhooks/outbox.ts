// The merchant-notification outbox in SQLite: one row per (payment, state), written in the same place
// the state change is recorded, so a restart loses nothing; the dispatcher works from these rows.
import type Database from "better-sqlite3";
import { openDurableSqlite } from "../../util/sqlite.js";
import type { MerchantState } from "./format.js";
import type { DeliveryStatus, MerchantOutboxStore, NewOutboxRow, OutboxRow } from "./outbox-types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS merchant_webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, payment_key TEXT NOT NULL, state TEXT NOT NULL,
  url TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, next_at INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, delivered_at INTEGER,
  UNIQUE (payment_key, state));
CREATE INDEX IF NOT EXISTS merchant_webhooks_pending ON merchant_webhooks (status, payment_key, id);
`;

export type { DeliveryStatus, OutboxRow } from "./outbox-types.js";

type Row = Record<string, unknown>;
/** One stored row (the same column names in SQLite and PostgreSQL). */
export const toRow = (r: Row): OutboxRow => ({
  id: Number(r.id),
  eventId: String(r.event_id),
  paymentKey: String(r.payment_key),
  state: r.state as MerchantState,
  url: String(r.url),
  body: String(r.body),
  createdAt: Number(r.created_at),
  nextAt: Number(r.next_at),
  tries: Number(r.tries),
  status: r.status as DeliveryStatus,
  ...(r.last_error !== null && r.last_error !== undefined ? { lastError: String(r.last_error) } : {}),
  ...(r.delivered_at !== null && r.delivered_at !== undefined ? { deliveredAt: Number(r.delivered_at) } : {}),
});

/** An outbox in SQLite, for one host. */
export class MerchantOutbox implements MerchantOutboxStore {
  private readonly db: Database.Database;

  constructor(file = ":memory:") {
    this.db = openDurableSqlite(file, SCHEMA);
  }

  /** Once per (payment, state): a repeat returns false and changes nothing. */
  add(row: NewOutboxRow): boolean {
    const info = this.db
      .prepare("INSERT OR IGNORE INTO merchant_webhooks (event_id, payment_key, state, url, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(row.eventId, row.paymentKey, row.state, row.url, row.body, row.createdAt, row.createdAt);
    return info.changes === 1;
  }

  /** The oldest pending delivery of every payment (the head of its line). */
  heads(): OutboxRow[] {
    const rows = this.db.prepare("SELECT * FROM merchant_webhooks WHERE id IN (SELECT MIN(id) FROM merchant_webhooks WHERE status = 'pending' GROUP BY payment_key) ORDER BY id").all() as Row[];
    return rows.map(toRow);
  }

  /** The due heads, leased in one transaction (a second process on the same file skips them). */
  claimDue(now: number, leaseMs: number, limit = 50): OutboxRow[] {
    return this.db.transaction(() => {
      const due = this.heads()
        .filter((r) => r.nextAt <= now)
        .slice(0, limit);
      const lease = this.db.prepare("UPDATE merchant_webhooks SET next_at = ? WHERE id = ?");
      for (const r of due) lease.run(now + leaseMs, r.id);
      return due;
    }).immediate();
  }

  delivered(id: number, at: number): void {
    this.db.prepare("UPDATE merchant_webhooks SET status = 'delivered', delivered_at = ?, tries = tries + 1, last_error = NULL WHERE id = ? AND status = 'pending'").run(at, id);
  }

  retryAt(id: number, nextAt: number, error: string): void {
    this.db.prepare("UPDATE merchant_webhooks SET next_at = ?, tries = tries + 1, last_error = ? WHERE id = ? AND status = 'pending'").run(nextAt, error, id);
  }

  failed(id: number, error: string): void {
    this.db.prepare("UPDATE merchant_webhooks SET status = 'failed', tries = tries + 1, last_error = ? WHERE id = ? AND status = 'pending'").run(error, id);
  }

  /** Rows by delivery status, for /metrics. */
  counts(): Record<DeliveryStatus, number> {
    const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of this.db.prepare("SELECT status, COUNT(*) AS n FROM merchant_webhooks GROUP BY status").all() as Row[]) out[r.status as DeliveryStatus] = Number(r.n);
    return out;
  }

  /**
   * Manual redelivery (`smartapp payments redeliver`): the row (by id or event id) goes out again now,
   * with a new 24-hour window, in its place in the payment's line. Answers the row, or undefined.
   */
  redeliver(ref: string, now: number): OutboxRow | undefined {
    const r = this.db.prepare("SELECT * FROM merchant_webhooks WHERE event_id = ? OR CAST(id AS TEXT) = ?").get(ref, ref) as Row | undefined;
    if (!r) return undefined;
    this.db.prepare("UPDATE merchant_webhooks SET status = 'pending', next_at = ?, created_at = ?, delivered_at = NULL WHERE id = ?").run(now, now, r.id);
    return toRow(this.db.prepare("SELECT * FROM merchant_webhooks WHERE id = ?").get(r.id) as Row);
  }

  all(paymentKey?: string): OutboxRow[] {
    const rows = (paymentKey === undefined ? this.db.prepare("SELECT * FROM merchant_webhooks ORDER BY id").all() : this.db.prepare("SELECT * FROM merchant_webhooks WHERE payment_key = ? ORDER BY id").all(paymentKey)) as Row[];
    return rows.map(toRow);
  }

  close(): void {
    this.db.close();
  }
}
