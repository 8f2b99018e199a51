// The payment core's own store (docs/payments.md, "The payment core"): invoices, attempts, the
// ledger, the inbox and the outbox in one SQLite database, apart from the session store. Every
// change of an invoice or attempt is a compare-and-set on its version; a plan is applied in one
// transaction together with its ledger rows and outbox events.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Plan } from "./machine.js";
import type { AttemptStatus, CancelCategory, InboxEntry, InvoiceStatus, LedgerEntry, Money, PaymentAttempt, PaymentEvent, PaymentEventName, PaymentInvoice, ProviderKind, RefundRequest } from "./model.js";

/** Somebody else changed the row first (its version moved): reload and plan again. */
export class StaleVersionError extends Error {}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pay_invoices (
  id TEXT PRIMARY KEY, user_key TEXT NOT NULL, provider TEXT NOT NULL, account TEXT NOT NULL, order_id TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
  paid_attempt_id TEXT, captured_minor INTEGER NOT NULL DEFAULT 0, refunded_minor INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (provider, account, order_id));
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
CREATE TABLE IF NOT EXISTS pay_refund_requests (
  id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, client_key TEXT NOT NULL, amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL, idempotence_key TEXT NOT NULL, request_hash TEXT NOT NULL, provider_refund_id TEXT, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (invoice_id, client_key));
`;

/** Attempt columns added after the first release (YooKassa): added to an older database at open. */
const ATTEMPT_COLUMNS: Record<string, string> = {
  confirmation_url: "TEXT",
  payment_method_id: "TEXT",
  payment_method_saved: "INTEGER",
  idempotence_key: "TEXT",
  request_hash: "TEXT",
};

type Row = Record<string, unknown>;
const s = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

function toInvoice(r: Row): PaymentInvoice {
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

function toAttempt(r: Row): PaymentAttempt {
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
    version: Number(r.version),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    syncedAt: s(r.synced_at),
  };
}

function toRefundRequest(r: Row): RefundRequest {
  return {
    id: String(r.id),
    invoiceId: String(r.invoice_id),
    attemptId: String(r.attempt_id),
    clientKey: String(r.client_key),
    amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
    idempotenceKey: String(r.idempotence_key),
    requestHash: String(r.request_hash),
    providerRefundId: s(r.provider_refund_id),
    status: r.status as RefundRequest["status"],
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function toEvent(r: Row): PaymentEvent {
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

export interface NewInvoice {
  id: string;
  attemptId: string;
  userKey: string;
  provider: ProviderKind;
  account: string;
  orderId: string;
  amount: Money;
  description: string;
}

export class PaymentStore {
  private readonly db: Database.Database;

  /** `file` ":memory:" for tests; a file is created with its folder. */
  constructor(readonly file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    const have = new Set((this.db.prepare("PRAGMA table_info(pay_attempts)").all() as Row[]).map((c) => String(c.name)));
    for (const [name, type] of Object.entries(ATTEMPT_COLUMNS)) if (!have.has(name)) this.db.exec(`ALTER TABLE pay_attempts ADD COLUMN ${name} ${type}`);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The order's invoice and attempt, made now (write-ahead, before the provider is called) or found. */
  beginInvoice(n: NewInvoice, now: string): { invoice: PaymentInvoice; attempt: PaymentAttempt; created: boolean } {
    return this.transaction(() => {
      const found = this.findByOrder(n.provider, n.account, n.orderId);
      if (found) {
        const attempt = this.attemptsOf(found.id)[0];
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
      return { invoice: this.invoice(invoiceId)!, attempt: this.attempt(n.attemptId)!, created: true };
    });
  }

  invoice(id: string): PaymentInvoice | undefined {
    const r = this.db.prepare("SELECT * FROM pay_invoices WHERE id = ?").get(id) as Row | undefined;
    return r ? toInvoice(r) : undefined;
  }

  findByOrder(provider: string, account: string, orderId: string): PaymentInvoice | undefined {
    const r = this.db.prepare("SELECT * FROM pay_invoices WHERE provider = ? AND account = ? AND order_id = ?").get(provider, account, orderId) as Row | undefined;
    return r ? toInvoice(r) : undefined;
  }

  attempt(id: string): PaymentAttempt | undefined {
    const r = this.db.prepare("SELECT * FROM pay_attempts WHERE id = ?").get(id) as Row | undefined;
    return r ? toAttempt(r) : undefined;
  }

  attemptByProviderId(provider: string, providerPaymentId: string): PaymentAttempt | undefined {
    const r = this.db.prepare("SELECT * FROM pay_attempts WHERE provider = ? AND provider_payment_id = ?").get(provider, providerPaymentId) as Row | undefined;
    return r ? toAttempt(r) : undefined;
  }

  attemptsOf(invoiceId: string): PaymentAttempt[] {
    return (this.db.prepare("SELECT * FROM pay_attempts WHERE invoice_id = ? ORDER BY created_at, id").all(invoiceId) as Row[]).map(toAttempt);
  }

  /** Attempts not final yet, the least recently synced first: the reconciler's work list. */
  openAttempts(limit = 100): PaymentAttempt[] {
    const rows = this.db.prepare("SELECT * FROM pay_attempts WHERE status IN ('created', 'pending', 'waiting_for_capture') ORDER BY COALESCE(synced_at, created_at) LIMIT ?").all(limit) as Row[];
    return rows.map(toAttempt);
  }

  /**
   * Keep the create's Idempotence-Key and body hash with the attempt. The first one sticks: answers
   * the key and hash the attempt holds now, so a caller can refuse to send another body under it.
   */
  keepCreateRequest(attemptId: string, idempotenceKey: string, requestHash: string): { idempotenceKey: string; requestHash: string } {
    return this.transaction(() => {
      this.db.prepare("UPDATE pay_attempts SET idempotence_key = ?, request_hash = ? WHERE id = ? AND idempotence_key IS NULL").run(idempotenceKey, requestHash, attemptId);
      const r = this.db.prepare("SELECT idempotence_key, request_hash FROM pay_attempts WHERE id = ?").get(attemptId) as Row | undefined;
      if (!r) throw new Error(`no attempt ${attemptId}`);
      return { idempotenceKey: String(r.idempotence_key), requestHash: String(r.request_hash) };
    });
  }

  /** A refund request, made now or found by (invoice, client key): a retry gets the same row and key. */
  beginRefund(n: Omit<RefundRequest, "status" | "createdAt" | "updatedAt" | "providerRefundId">, now: string): { refund: RefundRequest; created: boolean } {
    return this.transaction(() => {
      const found = this.db.prepare("SELECT * FROM pay_refund_requests WHERE invoice_id = ? AND client_key = ?").get(n.invoiceId, n.clientKey) as Row | undefined;
      if (found) return { refund: toRefundRequest(found), created: false };
      this.db
        .prepare(
          `INSERT INTO pay_refund_requests (id, invoice_id, attempt_id, client_key, amount_minor, currency, idempotence_key, request_hash, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?)`,
        )
        .run(n.id, n.invoiceId, n.attemptId, n.clientKey, n.amount.minor, n.amount.currency, n.idempotenceKey, n.requestHash, now, now);
      return { refund: this.refundRequest(n.id)!, created: true };
    });
  }

  refundRequest(id: string): RefundRequest | undefined {
    const r = this.db.prepare("SELECT * FROM pay_refund_requests WHERE id = ?").get(id) as Row | undefined;
    return r ? toRefundRequest(r) : undefined;
  }

  refundRequests(invoiceId: string): RefundRequest[] {
    return (this.db.prepare("SELECT * FROM pay_refund_requests WHERE invoice_id = ? ORDER BY created_at, id").all(invoiceId) as Row[]).map(toRefundRequest);
  }

  /** The provider's answer to a refund request (its id and status). */
  refundAnswered(id: string, providerRefundId: string, status: RefundRequest["status"], now: string): void {
    this.db.prepare("UPDATE pay_refund_requests SET provider_refund_id = ?, status = ?, updated_at = ? WHERE id = ?").run(providerRefundId, status, now, id);
  }

  markSynced(attemptId: string, at: string): void {
    this.db.prepare("UPDATE pay_attempts SET synced_at = ? WHERE id = ?").run(at, attemptId);
  }

  /**
   * Apply a plan: both rows by compare-and-set on the versions the plan was made from, the ledger rows
   * (a repeat of the same money fact is ignored by its unique key), the events into the outbox (once
   * per key). Throws StaleVersionError when a row moved meanwhile; nothing is written then.
   */
  applyPlan(invoice: PaymentInvoice, attempt: PaymentAttempt, plan: Plan, now: string): { events: number } {
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

  /** Store a provider input before anything acts on it. Returns undefined for a repeat (same dedup key). */
  inbox(source: string, dedupKey: string, body: unknown, now: string): number | undefined {
    const r = this.db.prepare("INSERT OR IGNORE INTO pay_inbox (source, dedup_key, body, received_at) VALUES (?, ?, ?, ?)").run(source, dedupKey, JSON.stringify(body ?? null), now);
    return r.changes === 1 ? Number(r.lastInsertRowid) : undefined;
  }

  inboxDone(id: number, now: string, note?: string): void {
    this.db.prepare("UPDATE pay_inbox SET processed_at = ?, note = ? WHERE id = ?").run(now, note ?? null, id);
  }

  /** Inputs stored but not processed (the process stopped in between): replayed at start. */
  unprocessedInbox(): InboxEntry[] {
    const rows = this.db.prepare("SELECT * FROM pay_inbox WHERE processed_at IS NULL ORDER BY id").all() as Row[];
    return rows.map((r) => ({ id: Number(r.id), source: String(r.source), dedupKey: String(r.dedup_key), body: JSON.parse(String(r.body)), receivedAt: String(r.received_at) }));
  }

  dueEvents(nowMs: number, limit = 50): PaymentEvent[] {
    return (this.db.prepare("SELECT * FROM pay_outbox WHERE delivered_at IS NULL AND next_at <= ? ORDER BY id LIMIT ?").all(nowMs, limit) as Row[]).map(toEvent);
  }

  delivered(id: number, now: string): void {
    this.db.prepare("UPDATE pay_outbox SET delivered_at = ?, tries = tries + 1, last_error = NULL WHERE id = ?").run(now, id);
  }

  deliveryFailed(id: number, error: string, nextAt: number): void {
    this.db.prepare("UPDATE pay_outbox SET tries = tries + 1, last_error = ?, next_at = ? WHERE id = ?").run(error.slice(0, 500), nextAt, id);
  }

  events(invoiceId?: string): PaymentEvent[] {
    const rows = invoiceId === undefined ? this.db.prepare("SELECT * FROM pay_outbox ORDER BY id").all() : this.db.prepare("SELECT * FROM pay_outbox WHERE invoice_id = ? ORDER BY id").all(invoiceId);
    return (rows as Row[]).map(toEvent);
  }

  ledger(invoiceId?: string): LedgerEntry[] {
    const rows = invoiceId === undefined ? this.db.prepare("SELECT * FROM pay_ledger ORDER BY id").all() : this.db.prepare("SELECT * FROM pay_ledger WHERE invoice_id = ? ORDER BY id").all(invoiceId);
    return (rows as Row[]).map((r) => ({
      id: Number(r.id),
      invoiceId: String(r.invoice_id),
      attemptId: String(r.attempt_id),
      kind: r.kind as "capture" | "refund",
      amount: { minor: Number(r.amount_minor), currency: String(r.currency) },
      providerObjectId: String(r.provider_object_id),
      at: String(r.at),
    }));
  }

  invoices(limit = 100): PaymentInvoice[] {
    return (this.db.prepare("SELECT * FROM pay_invoices ORDER BY created_at DESC, id DESC LIMIT ?").all(limit) as Row[]).map(toInvoice);
  }

  close(): void {
    this.db.close();
  }
}
