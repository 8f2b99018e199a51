// The payment core's own store in SQLite, the default (docs/payments.md, "Stores"): invoices,
// attempts, refunds, the ledger, the inbox and the outbox in one database, apart from the session
// store. Every change of an invoice, attempt or refund is a compare-and-set on its version; a plan is
// applied in one transaction together with its ledger rows and outbox events. The Redis and
// PostgreSQL stores (store-redis.ts, store-postgres.ts) keep the same tables and semantics.
import type Database from "better-sqlite3";
import { addMissingColumns, isSqliteBusy, openDurableSqlite, SQLITE_BUSY_TIMEOUT_MS } from "../../util/sqlite.js";
import type { Plan } from "./machine.js";
import type { AttemptStatus, CancelCategory, InboxEntry, InvoiceStatus, LedgerEntry, PaymentAttempt, PaymentEvent, PaymentEventName, PaymentInvoice, PaymentRefund, ProviderKind, RefundStatus } from "./model.js";
import { StaleVersionError, type Begun, type LedgerStore, type NewInvoice, type NewRefund } from "./store-types.js";

export { StaleVersionError, type NewInvoice } from "./store-types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pay_invoices (
  id TEXT PRIMARY KEY, user_key TEXT NOT NULL, provider TEXT NOT NULL, account TEXT NOT NULL, order_id TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
  paid_attempt_id TEXT, captured_minor INTEGER NOT NULL DEFAULT 0, refunded_minor INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (provider, account, order_id));
CREATE INDEX IF NOT EXISTS pay_invoices_order_id ON pay_invoices (order_id, created_at);
CREATE TABLE IF NOT EXISTS pay_attempts (
  id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL REFERENCES pay_invoices(id), provider TEXT NOT NULL, account TEXT NOT NULL,
  provider_payment_id TEXT, status TEXT NOT NULL, provider_status TEXT, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
  cancel_category TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, synced_at TEXT,
  UNIQUE (provider, account, provider_payment_id));
CREATE INDEX IF NOT EXISTS pay_attempts_open ON pay_attempts (status);
CREATE TABLE IF NOT EXISTS pay_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, kind TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, provider_object_id TEXT NOT NULL, at TEXT NOT NULL,
  UNIQUE (provider_object_id, kind));
CREATE TABLE IF NOT EXISTS pay_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
  received_at TEXT NOT NULL, processed_at TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS pay_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, invoice_id TEXT NOT NULL, user_key TEXT NOT NULL,
  name TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT, tries INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, last_error TEXT);
CREATE INDEX IF NOT EXISTS pay_outbox_due ON pay_outbox (delivered_at, next_at);
CREATE TABLE IF NOT EXISTS pay_refunds (
  id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
  status TEXT NOT NULL, idempotency_key TEXT NOT NULL, request TEXT NOT NULL, reason TEXT, provider_refund_id TEXT, sent_at TEXT,
  error TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (invoice_id, idempotency_key));
CREATE INDEX IF NOT EXISTS pay_refunds_open ON pay_refunds (status);
`;

/** Columns added after the first release (YooKassa): added to an older database at open. */
export const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  pay_attempts: { confirmation_url: "TEXT", payment_method_id: "TEXT", payment_method_saved: "INTEGER", idempotence_key: "TEXT", request_hash: "TEXT", receipt: "TEXT" },
  pay_refunds: { request_hash: "TEXT", provider_idempotence_key: "TEXT" },
};

/** A database row as the drivers return it. */
export type Row = Record<string, unknown>;
const s = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** A row of the invoices table as a PaymentInvoice. */
export function toInvoice(r: Row): PaymentInvoice {
  return {
    id: String(r.id),
    userKey: String(r.user_key),
    provider: r.provider as ProviderKind,
    account: String(r.account),
    orderId: String(r.order_id),
    amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
    description: String(r.description),
    status: r.status as InvoiceStatus,
    paidAttemptId: s(r.paid_attempt_id),
    capturedMinor: Number(r.captured_minor),
    refundedMinor: Number(r.refunded_minor),
    version: Number(r.version),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** A row of the attempts table as a PaymentAttempt. */
export function toAttempt(r: Row): PaymentAttempt {
  return {
    id: String(r.id),
    invoiceId: String(r.invoice_id),
    provider: r.provider as ProviderKind,
    account: String(r.account),
    providerPaymentId: s(r.provider_payment_id),
    status: r.status as AttemptStatus,
    providerStatus: s(r.provider_status),
    amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
    cancelCategory: s(r.cancel_category) as CancelCategory | undefined,
    ...(r.confirmation_url != null ? { confirmationUrl: String(r.confirmation_url) } : {}),
    ...(r.payment_method_id != null ? { paymentMethodId: String(r.payment_method_id), paymentMethodSaved: Number(r.payment_method_saved) === 1 } : {}),
    ...(r.idempotence_key != null ? { idempotenceKey: String(r.idempotence_key), requestHash: s(r.request_hash) } : {}),
    ...(r.receipt != null ? { receipt: JSON.parse(String(r.receipt)) as Record<string, unknown> } : {}),
    version: Number(r.version),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    syncedAt: s(r.synced_at),
  };
}

/** A row of the outbox as a PaymentEvent. */
export function toEvent(r: Row): PaymentEvent {
  return {
    id: Number(r.id),
    key: String(r.key),
    invoiceId: String(r.invoice_id),
    userKey: String(r.user_key),
    name: r.name as PaymentEventName,
    payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    createdAt: String(r.created_at),
    deliveredAt: s(r.delivered_at),
    tries: Number(r.tries),
    nextAt: Number(r.next_at),
    lastError: s(r.last_error),
  };
}

/** A row of the refunds table as a PaymentRefund. */
export function toRefund(r: Row): PaymentRefund {
  return {
    id: String(r.id),
    invoiceId: String(r.invoice_id),
    attemptId: String(r.attempt_id),
    amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
    status: r.status as RefundStatus,
    idempotencyKey: String(r.idempotency_key),
    request: JSON.parse(String(r.request)) as unknown,
    ...(r.request_hash != null ? { requestHash: String(r.request_hash) } : {}),
    ...(r.provider_idempotence_key != null ? { providerIdempotenceKey: String(r.provider_idempotence_key) } : {}),
    reason: s(r.reason),
    providerRefundId: s(r.provider_refund_id),
    sentAt: s(r.sent_at),
    error: s(r.error),
    version: Number(r.version),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** A row of the ledger table as a LedgerEntry. */
export function toLedger(r: Row): LedgerEntry {
  return {
    id: Number(r.id),
    invoiceId: String(r.invoice_id),
    attemptId: String(r.attempt_id),
    kind: r.kind as "capture" | "refund",
    amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
    providerObjectId: String(r.provider_object_id),
    at: String(r.at),
  };
}

/** A row of the inbox as an InboxEntry (its body parsed). */
export function toInbox(r: Row): InboxEntry {
  return { id: Number(r.id), source: String(r.source), dedupKey: String(r.dedup_key), body: JSON.parse(String(r.body)), receivedAt: String(r.received_at), processedAt: s(r.processed_at) };
}

/** The ledger in SQLite (better-sqlite3, WAL): synchronous underneath, the async LedgerStore on top. */
export class PaymentStore implements LedgerStore {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private anyDue: Database.Statement | undefined;

  /** `file` ":memory:" for tests; a file is created with its folder. */
  constructor(readonly file: string) {
    this.db = openDurableSqlite(file, SCHEMA, (db) => {
      for (const [table, columns] of Object.entries(ADDED_COLUMNS)) addMissingColumns(db, table, columns);
    });
  }

  private transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private one<T>(sql: string, map: (r: Row) => T, ...args: unknown[]): T | undefined {
    const r = this.db.prepare(sql).get(...args) as Row | undefined;
    return r ? map(r) : undefined;
  }

  private all<T>(sql: string, map: (r: Row) => T, ...args: unknown[]): T[] {
    return (this.db.prepare(sql).all(...args) as Row[]).map(map);
  }

  private invoiceNow(id: string): PaymentInvoice | undefined {
    return this.one("SELECT * FROM pay_invoices WHERE id = ?", toInvoice, id);
  }

  private attemptsNow(invoiceId: string): PaymentAttempt[] {
    return this.all("SELECT * FROM pay_attempts WHERE invoice_id = ? ORDER BY created_at, id", toAttempt, invoiceId);
  }

  async beginInvoice(n: NewInvoice, now: string): Promise<Begun> {
    return this.transaction(() => {
      const found = this.one("SELECT * FROM pay_invoices WHERE provider = ? AND account = ? AND order_id = ?", toInvoice, n.provider, n.account, n.orderId);
      if (found) {
        const attempt = this.attemptsNow(found.id)[0];
        if (attempt) return { invoice: found, attempt, created: false };
      }
      if (!found) {
        this.db
          .prepare(
            `INSERT INTO pay_invoices (id, user_key, provider, account, order_id, amount_minor, currency, description, status, version, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?)`,
          )
          .run(n.id, n.userKey, n.provider, n.account, n.orderId, n.amount.minor, n.amount.currency, n.description, now, now);
      }
      const invoiceId = found?.id ?? n.id;
      this.db
        .prepare(
          `INSERT INTO pay_attempts (id, invoice_id, provider, account, status, amount_minor, currency, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'created', ?, ?, 1, ?, ?)`,
        )
        .run(n.attemptId, invoiceId, n.provider, n.account, n.amount.minor, n.amount.currency, now, now);
      return { invoice: this.invoiceNow(invoiceId)!, attempt: this.one("SELECT * FROM pay_attempts WHERE id = ?", toAttempt, n.attemptId)!, created: true };
    });
  }

  async invoice(id: string): Promise<PaymentInvoice | undefined> {
    return this.invoiceNow(id);
  }

  async findByOrder(provider: string, account: string, orderId: string): Promise<PaymentInvoice | undefined> {
    return this.one("SELECT * FROM pay_invoices WHERE provider = ? AND account = ? AND order_id = ?", toInvoice, provider, account, orderId);
  }

  async invoiceByOrderId(orderId: string, provider?: ProviderKind): Promise<PaymentInvoice | undefined> {
    const where = provider === undefined ? "order_id = ?" : "order_id = ? AND provider = ?";
    return this.one(`SELECT * FROM pay_invoices WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT 1`, toInvoice, ...(provider === undefined ? [orderId] : [orderId, provider]));
  }

  async invoices(limit = 100): Promise<PaymentInvoice[]> {
    return this.all("SELECT * FROM pay_invoices ORDER BY created_at DESC, id DESC LIMIT ?", toInvoice, limit);
  }

  async attempt(id: string): Promise<PaymentAttempt | undefined> {
    return this.one("SELECT * FROM pay_attempts WHERE id = ?", toAttempt, id);
  }

  async attemptByProviderId(provider: string, providerPaymentId: string): Promise<PaymentAttempt | undefined> {
    return this.one("SELECT * FROM pay_attempts WHERE provider = ? AND provider_payment_id = ?", toAttempt, provider, providerPaymentId);
  }

  async attemptsOf(invoiceId: string): Promise<PaymentAttempt[]> {
    return this.attemptsNow(invoiceId);
  }

  async openAttempts(limit = 100): Promise<PaymentAttempt[]> {
    return this.all("SELECT * FROM pay_attempts WHERE status IN ('created', 'pending', 'waiting_for_capture') ORDER BY COALESCE(synced_at, created_at) LIMIT ?", toAttempt, limit);
  }

  async markSynced(attemptId: string, at: string): Promise<void> {
    this.db.prepare("UPDATE pay_attempts SET synced_at = ? WHERE id = ?").run(at, attemptId);
  }

  async keepCreateRequest(attemptId: string, idempotenceKey: string, requestHash: string, receipt?: Record<string, unknown>): Promise<{ idempotenceKey: string; requestHash: string }> {
    return this.transaction(() => {
      this.db.prepare("UPDATE pay_attempts SET idempotence_key = ?, request_hash = ?, receipt = ?, version = version + 1 WHERE id = ? AND idempotence_key IS NULL").run(idempotenceKey, requestHash, receipt ? JSON.stringify(receipt) : null, attemptId);
      const r = this.db.prepare("SELECT idempotence_key, request_hash FROM pay_attempts WHERE id = ?").get(attemptId) as Row | undefined;
      if (!r) throw new Error(`no attempt ${attemptId}`);
      return { idempotenceKey: String(r.idempotence_key), requestHash: String(r.request_hash) };
    });
  }

  async applyPlan(invoice: PaymentInvoice, attempt: PaymentAttempt, plan: Plan, now: string): Promise<{ events: number }> {
    return this.transaction(() => {
      if (plan.attempt) {
        const a = plan.attempt;
        const r = this.db
          .prepare(
            `UPDATE pay_attempts SET status = ?, provider_status = ?, provider_payment_id = COALESCE(?, provider_payment_id),
               cancel_category = COALESCE(?, cancel_category), version = version + 1, updated_at = ?, synced_at = ?
             WHERE id = ? AND version = ?`,
          )
          .run(a.status, a.providerStatus, a.providerPaymentId ?? null, a.cancelCategory ?? null, now, now, attempt.id, attempt.version);
        if (r.changes === 0) throw new StaleVersionError(`attempt ${attempt.id} changed meanwhile`);
        if (a.confirmationUrl !== undefined || a.paymentMethod !== undefined) {
          this.db
            .prepare("UPDATE pay_attempts SET confirmation_url = COALESCE(?, confirmation_url), payment_method_id = COALESCE(?, payment_method_id), payment_method_saved = COALESCE(?, payment_method_saved) WHERE id = ?")
            .run(a.confirmationUrl ?? null, a.paymentMethod?.id ?? null, a.paymentMethod === undefined ? null : a.paymentMethod.saved ? 1 : 0, attempt.id);
        }
      }
      if (plan.invoice) {
        const i = plan.invoice;
        // paid_attempt_id is set once: COALESCE keeps the first payer.
        const r = this.db
          .prepare(
            `UPDATE pay_invoices SET status = ?, paid_attempt_id = COALESCE(paid_attempt_id, ?), captured_minor = COALESCE(?, captured_minor),
               refunded_minor = COALESCE(?, refunded_minor), version = version + 1, updated_at = ?
             WHERE id = ? AND version = ?`,
          )
          .run(i.status, i.paidAttemptId ?? null, i.capturedMinor ?? null, i.refundedMinor ?? null, now, invoice.id, invoice.version);
        if (r.changes === 0) throw new StaleVersionError(`invoice ${invoice.id} changed meanwhile`);
      }
      if (plan.refund) {
        const f = plan.refund;
        const r = this.db
          .prepare(
            `UPDATE pay_refunds SET status = ?, provider_refund_id = COALESCE(?, provider_refund_id), error = ?, version = version + 1, updated_at = ?
             WHERE id = ? AND version = ?`,
          )
          .run(f.status, f.providerRefundId ?? null, f.error ?? null, now, f.id, f.version);
        if (r.changes === 0) throw new StaleVersionError(`refund ${f.id} changed meanwhile`);
      }
      const ledger = this.db.prepare(
        `INSERT OR IGNORE INTO pay_ledger (invoice_id, attempt_id, kind, amount_minor, currency, provider_object_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of plan.ledger) ledger.run(e.invoiceId, e.attemptId, e.kind, e.amount.minor, e.amount.currency, e.providerObjectId, now);
      const outbox = this.db.prepare(
        `INSERT OR IGNORE INTO pay_outbox (key, invoice_id, user_key, name, payload, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      let events = 0;
      for (const e of plan.events) events += outbox.run(e.key, invoice.id, invoice.userKey, e.name, JSON.stringify(e.payload), now, Date.parse(now)).changes;
      return { events };
    });
  }

  async inbox(source: string, dedupKey: string, body: unknown, now: string): Promise<number | undefined> {
    const r = this.db.prepare("INSERT OR IGNORE INTO pay_inbox (source, dedup_key, body, received_at) VALUES (?, ?, ?, ?)").run(source, dedupKey, JSON.stringify(body ?? null), now);
    return r.changes === 1 ? Number(r.lastInsertRowid) : undefined;
  }

  async inboxDone(id: number, now: string, note?: string): Promise<void> {
    this.db.prepare("UPDATE pay_inbox SET processed_at = ?, note = ? WHERE id = ?").run(now, note ?? null, id);
  }

  async unprocessedInbox(): Promise<InboxEntry[]> {
    return this.all("SELECT * FROM pay_inbox WHERE processed_at IS NULL ORDER BY id", toInbox);
  }

  /**
   * Every process's dispatcher calls this twice a second. Nothing due (the usual case): a read, no
   * write lock. Something due while another process writes: no wait in SQLite's busy handler, which
   * would sleep on this thread (1 ms, 2 ms, 5 ms… up to 5 s) with every request in flight waiting;
   * nothing is claimed now and the next round tries again (docs/payments.md, "Stores").
   */
  async claimDueEvents(nowMs: number, leaseMs: number, limit = 50): Promise<PaymentEvent[]> {
    this.anyDue ??= this.db.prepare("SELECT 1 FROM pay_outbox WHERE delivered_at IS NULL AND next_at <= ? LIMIT 1");
    if (this.anyDue.get(nowMs) === undefined) return [];
    this.db.pragma("busy_timeout = 0");
    try {
      return this.claimNow(nowMs, leaseMs, limit);
    } catch (err) {
      if (isSqliteBusy(err)) return [];
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    }
  }

  private claimNow(nowMs: number, leaseMs: number, limit: number): PaymentEvent[] {
    return this.transaction(() => {
      // Only the oldest undelivered event of each invoice: its later events wait, so they arrive in order.
      const due = this.all(
        "SELECT * FROM pay_outbox o WHERE delivered_at IS NULL AND next_at <= ? AND NOT EXISTS (SELECT 1 FROM pay_outbox e WHERE e.invoice_id = o.invoice_id AND e.delivered_at IS NULL AND e.id < o.id) ORDER BY id LIMIT ?",
        toEvent,
        nowMs,
        limit,
      );
      const lease = this.db.prepare("UPDATE pay_outbox SET next_at = ? WHERE id = ?");
      for (const e of due) lease.run(nowMs + leaseMs, e.id);
      return due;
    });
  }

  async delivered(id: number, now: string): Promise<void> {
    this.db.prepare("UPDATE pay_outbox SET delivered_at = ?, tries = tries + 1, last_error = NULL WHERE id = ?").run(now, id);
  }

  async deliveryFailed(id: number, error: string, nextAt: number, countTry = true): Promise<void> {
    this.db.prepare("UPDATE pay_outbox SET tries = tries + ?, last_error = ?, next_at = ? WHERE id = ?").run(countTry ? 1 : 0, error.slice(0, 500), nextAt, id);
  }

  async events(invoiceId?: string): Promise<PaymentEvent[]> {
    return invoiceId === undefined ? this.all("SELECT * FROM pay_outbox ORDER BY id", toEvent) : this.all("SELECT * FROM pay_outbox WHERE invoice_id = ? ORDER BY id", toEvent, invoiceId);
  }

  async ledger(invoiceId?: string): Promise<LedgerEntry[]> {
    return invoiceId === undefined ? this.all("SELECT * FROM pay_ledger ORDER BY id", toLedger) : this.all("SELECT * FROM pay_ledger WHERE invoice_id = ? ORDER BY id", toLedger, invoiceId);
  }

  async insertRefund(r: NewRefund, invoiceVersion: number, now: string): Promise<{ refund: PaymentRefund; created: boolean }> {
    return this.transaction(() => {
      const found = this.one("SELECT * FROM pay_refunds WHERE invoice_id = ? AND idempotency_key = ?", toRefund, r.invoiceId, r.idempotencyKey);
      if (found) return { refund: found, created: false };
      const moved = this.db.prepare("UPDATE pay_invoices SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?").run(now, r.invoiceId, invoiceVersion);
      if (moved.changes === 0) throw new StaleVersionError(`invoice ${r.invoiceId} changed meanwhile`);
      this.db
        .prepare(
          `INSERT INTO pay_refunds (id, invoice_id, attempt_id, amount_minor, currency, status, idempotency_key, request, reason, request_hash, provider_idempotence_key, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, 1, ?, ?)`,
        )
        .run(r.id, r.invoiceId, r.attemptId, r.amount.minor, r.amount.currency, r.idempotencyKey, JSON.stringify(r.request ?? null), r.reason ?? null, r.requestHash ?? null, r.providerIdempotenceKey ?? null, now, now);
      return { refund: this.one("SELECT * FROM pay_refunds WHERE id = ?", toRefund, r.id)!, created: true };
    });
  }

  async refund(id: string): Promise<PaymentRefund | undefined> {
    return this.one("SELECT * FROM pay_refunds WHERE id = ?", toRefund, id);
  }

  async refundByKey(invoiceId: string, idempotencyKey: string): Promise<PaymentRefund | undefined> {
    return this.one("SELECT * FROM pay_refunds WHERE invoice_id = ? AND idempotency_key = ?", toRefund, invoiceId, idempotencyKey);
  }

  async refundsOf(invoiceId: string): Promise<PaymentRefund[]> {
    return this.all("SELECT * FROM pay_refunds WHERE invoice_id = ? ORDER BY created_at, id", toRefund, invoiceId);
  }

  async openRefunds(limit = 100): Promise<PaymentRefund[]> {
    return this.all("SELECT * FROM pay_refunds WHERE status = 'requested' ORDER BY created_at, id LIMIT ?", toRefund, limit);
  }

  async markRefundSent(id: string, version: number, now: string): Promise<boolean> {
    return this.db.prepare("UPDATE pay_refunds SET sent_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?").run(now, now, id, version).changes === 1;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
