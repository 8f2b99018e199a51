// The payment ledger in PostgreSQL, for several processes or hosts serving one smartapp
// (docs/payments.md, "Stores"). The same tables as the SQLite store (store.ts), in a schema of their
// own; every write that must happen together is one transaction, a compare-and-set is
// `UPDATE … WHERE id = $1 AND version = $2` (a concurrent writer waits for the first to commit, then
// finds the version moved), and claiming the outbox uses `FOR UPDATE SKIP LOCKED`, so two processes
// never claim the same event.
import pg from "pg";
import type { Plan } from "./machine.js";
import { createInSchema, paymentsPool, paymentsSchema, SchemaSetup, type PaymentsPostgresOptions } from "./postgres-schema.js";
import type { InboxEntry, LedgerEntry, PaymentAttempt, PaymentEvent, PaymentInvoice, PaymentRefund, ProviderKind } from "./model.js";
import { ADDED_COLUMNS, toAttempt, toEvent, toInbox, toInvoice, toLedger, toRefund, type Row } from "./store.js";
import { StaleVersionError, type Begun, type LedgerStore, type NewInvoice, type NewRefund } from "./store-types.js";

const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.pay_invoices (
  id TEXT PRIMARY KEY, user_key TEXT NOT NULL, provider TEXT NOT NULL, account TEXT NOT NULL, order_id TEXT NOT NULL,
  amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
  paid_attempt_id TEXT, captured_minor BIGINT NOT NULL DEFAULT 0, refunded_minor BIGINT NOT NULL DEFAULT 0,
  version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (provider, account, order_id));
CREATE INDEX IF NOT EXISTS pay_invoices_order_id ON ${s}.pay_invoices (order_id, created_at);
CREATE TABLE IF NOT EXISTS ${s}.pay_attempts (
  id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL REFERENCES ${s}.pay_invoices(id), provider TEXT NOT NULL, account TEXT NOT NULL,
  provider_payment_id TEXT, status TEXT NOT NULL, provider_status TEXT, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL,
  cancel_category TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, synced_at TEXT,
  UNIQUE (provider, account, provider_payment_id));
CREATE INDEX IF NOT EXISTS pay_attempts_open ON ${s}.pay_attempts (status);
CREATE TABLE IF NOT EXISTS ${s}.pay_ledger (
  id BIGSERIAL PRIMARY KEY, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, kind TEXT NOT NULL,
  amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, provider_object_id TEXT NOT NULL, at TEXT NOT NULL,
  UNIQUE (provider_object_id, kind));
CREATE TABLE IF NOT EXISTS ${s}.pay_inbox (
  id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
  received_at TEXT NOT NULL, processed_at TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS ${s}.pay_outbox (
  id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, invoice_id TEXT NOT NULL, user_key TEXT NOT NULL,
  name TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT, tries INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL, last_error TEXT);
CREATE INDEX IF NOT EXISTS pay_outbox_due ON ${s}.pay_outbox (next_at) WHERE delivered_at IS NULL;
CREATE TABLE IF NOT EXISTS ${s}.pay_refunds (
  id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL,
  status TEXT NOT NULL, idempotency_key TEXT NOT NULL, request TEXT NOT NULL, reason TEXT, provider_refund_id TEXT, sent_at TEXT,
  error TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (invoice_id, idempotency_key));
CREATE INDEX IF NOT EXISTS pay_refunds_open ON ${s}.pay_refunds (status);
${Object.entries(ADDED_COLUMNS)
  .flatMap(([table, columns]) => Object.entries(columns).map(([name, type]) => `ALTER TABLE ${s}.${table} ADD COLUMN IF NOT EXISTS ${name} ${type};`))
  .join("\n")}
`;

type Exec = Pick<pg.PoolClient, "query">;

/** The ledger in PostgreSQL: shared by several servers, each write a transaction with compare-and-set. */
export class PostgresLedgerStore implements LedgerStore {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly s: string;
  private readonly setup: SchemaSetup;

  constructor(opts: PaymentsPostgresOptions) {
    this.s = paymentsSchema(opts.schema);
    this.pool = paymentsPool(opts.url, opts.poolSize ?? 5);
    this.setup = new SchemaSetup(() => this.tx((c) => createInSchema(c, this.s, schemaSql(this.s)), false));
  }

  private t(table: string): string {
    return `${this.s}.${table}`;
  }

  private async tx<T>(fn: (c: Exec) => Promise<T>, wait = true): Promise<T> {
    // Two processes writing the same rows at once can deadlock (40P01) or fail to serialise (40001):
    // PostgreSQL rolls one back, and the whole transaction is run again from its first read.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.txOnce(fn, wait);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (attempt >= 5 || (code !== "40P01" && code !== "40001")) throw err;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 10)));
      }
    }
  }

  private async txOnce<T>(fn: (c: Exec) => Promise<T>, wait: boolean): Promise<T> {
    if (wait) await this.setup.ready();
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  private async rows(sql: string, args: unknown[] = [], c?: Exec): Promise<Row[]> {
    if (!c) await this.setup.ready();
    return (await (c ?? this.pool).query(sql, args)).rows as Row[];
  }

  async beginInvoice(n: NewInvoice, now: string): Promise<Begun> {
    return this.tx(async (c) => {
      await c.query(
        `INSERT INTO ${this.t("pay_invoices")} (id, user_key, provider, account, order_id, amount_minor, currency, description, status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 1, $9, $9) ON CONFLICT (provider, account, order_id) DO NOTHING`,
        [n.id, n.userKey, n.provider, n.account, n.orderId, n.amount.minor, n.amount.currency, n.description, now],
      );
      // Locked until commit: a second process beginning the same order waits here, then finds the attempt.
      const inv = toInvoice((await this.rows(`SELECT * FROM ${this.t("pay_invoices")} WHERE provider = $1 AND account = $2 AND order_id = $3 FOR UPDATE`, [n.provider, n.account, n.orderId], c))[0]!);
      const first = (await this.rows(`SELECT * FROM ${this.t("pay_attempts")} WHERE invoice_id = $1 ORDER BY created_at, id LIMIT 1`, [inv.id], c))[0];
      if (first) return { invoice: inv, attempt: toAttempt(first), created: false };
      const att = await this.rows(
        `INSERT INTO ${this.t("pay_attempts")} (id, invoice_id, provider, account, status, amount_minor, currency, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'created', $5, $6, 1, $7, $7) RETURNING *`,
        [n.attemptId, inv.id, n.provider, n.account, n.amount.minor, n.amount.currency, now],
        c,
      );
      return { invoice: inv, attempt: toAttempt(att[0]!), created: true };
    });
  }

  async invoice(id: string): Promise<PaymentInvoice | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_invoices")} WHERE id = $1`, [id]))[0];
    return r ? toInvoice(r) : undefined;
  }

  async findByOrder(provider: string, account: string, orderId: string): Promise<PaymentInvoice | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_invoices")} WHERE provider = $1 AND account = $2 AND order_id = $3`, [provider, account, orderId]))[0];
    return r ? toInvoice(r) : undefined;
  }

  async invoiceByOrderId(orderId: string, provider?: ProviderKind): Promise<PaymentInvoice | undefined> {
    const where = provider === undefined ? "order_id = $1" : "order_id = $1 AND provider = $2";
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_invoices")} WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT 1`, provider === undefined ? [orderId] : [orderId, provider]))[0];
    return r ? toInvoice(r) : undefined;
  }

  async invoices(limit = 100): Promise<PaymentInvoice[]> {
    return (await this.rows(`SELECT * FROM ${this.t("pay_invoices")} ORDER BY created_at DESC, id DESC LIMIT $1`, [limit])).map(toInvoice);
  }

  async attempt(id: string): Promise<PaymentAttempt | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_attempts")} WHERE id = $1`, [id]))[0];
    return r ? toAttempt(r) : undefined;
  }

  async attemptByProviderId(provider: string, providerPaymentId: string): Promise<PaymentAttempt | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_attempts")} WHERE provider = $1 AND provider_payment_id = $2`, [provider, providerPaymentId]))[0];
    return r ? toAttempt(r) : undefined;
  }

  async attemptsOf(invoiceId: string): Promise<PaymentAttempt[]> {
    return (await this.rows(`SELECT * FROM ${this.t("pay_attempts")} WHERE invoice_id = $1 ORDER BY created_at, id`, [invoiceId])).map(toAttempt);
  }

  async openAttempts(limit = 100): Promise<PaymentAttempt[]> {
    const sql = `SELECT * FROM ${this.t("pay_attempts")} WHERE status IN ('created', 'pending', 'waiting_for_capture') ORDER BY COALESCE(synced_at, created_at) LIMIT $1`;
    return (await this.rows(sql, [limit])).map(toAttempt);
  }

  async markSynced(attemptId: string, at: string): Promise<void> {
    await this.rows(`UPDATE ${this.t("pay_attempts")} SET synced_at = $1 WHERE id = $2`, [at, attemptId]);
  }

  async keepCreateRequest(attemptId: string, idempotenceKey: string, requestHash: string, receipt?: Record<string, unknown>): Promise<{ idempotenceKey: string; requestHash: string }> {
    return this.tx(async (c) => {
      // The row lock of the UPDATE makes a second process wait, then find the first key kept.
      await c.query(`UPDATE ${this.t("pay_attempts")} SET idempotence_key = $1, request_hash = $2, receipt = $4, version = version + 1 WHERE id = $3 AND idempotence_key IS NULL`, [idempotenceKey, requestHash, attemptId, receipt ? JSON.stringify(receipt) : null]);
      const r = (await this.rows(`SELECT idempotence_key, request_hash FROM ${this.t("pay_attempts")} WHERE id = $1`, [attemptId], c))[0];
      if (!r) throw new Error(`no attempt ${attemptId}`);
      return { idempotenceKey: String(r.idempotence_key), requestHash: String(r.request_hash) };
    });
  }

  async applyPlan(invoice: PaymentInvoice, attempt: PaymentAttempt, plan: Plan, now: string): Promise<{ events: number }> {
    return this.tx(async (c) => {
      if (plan.attempt) {
        const a = plan.attempt;
        const r = await c.query(
          `UPDATE ${this.t("pay_attempts")} SET status = $1, provider_status = $2, provider_payment_id = COALESCE($3, provider_payment_id),
             cancel_category = COALESCE($4, cancel_category), version = version + 1, updated_at = $5, synced_at = $5,
             confirmation_url = COALESCE($8, confirmation_url), payment_method_id = COALESCE($9, payment_method_id), payment_method_saved = COALESCE($10, payment_method_saved)
           WHERE id = $6 AND version = $7`,
          [
            a.status,
            a.providerStatus,
            a.providerPaymentId ?? null,
            a.cancelCategory ?? null,
            now,
            attempt.id,
            attempt.version,
            a.confirmationUrl ?? null,
            a.paymentMethod?.id ?? null,
            a.paymentMethod === undefined ? null : a.paymentMethod.saved ? 1 : 0,
          ],
        );
        if (r.rowCount === 0) throw new StaleVersionError(`attempt ${attempt.id} changed meanwhile`);
      }
      if (plan.invoice) {
        const i = plan.invoice;
        const r = await c.query(
          `UPDATE ${this.t("pay_invoices")} SET status = $1, paid_attempt_id = COALESCE(paid_attempt_id, $2), captured_minor = COALESCE($3, captured_minor),
             refunded_minor = COALESCE($4, refunded_minor), version = version + 1, updated_at = $5
           WHERE id = $6 AND version = $7`,
          [i.status, i.paidAttemptId ?? null, i.capturedMinor ?? null, i.refundedMinor ?? null, now, invoice.id, invoice.version],
        );
        if (r.rowCount === 0) throw new StaleVersionError(`invoice ${invoice.id} changed meanwhile`);
      }
      if (plan.refund) {
        const f = plan.refund;
        const r = await c.query(
          `UPDATE ${this.t("pay_refunds")} SET status = $1, provider_refund_id = COALESCE($2, provider_refund_id), error = $3, version = version + 1, updated_at = $4
           WHERE id = $5 AND version = $6`,
          [f.status, f.providerRefundId ?? null, f.error ?? null, now, f.id, f.version],
        );
        if (r.rowCount === 0) throw new StaleVersionError(`refund ${f.id} changed meanwhile`);
      }
      for (const e of plan.ledger) {
        await c.query(
          `INSERT INTO ${this.t("pay_ledger")} (invoice_id, attempt_id, kind, amount_minor, currency, provider_object_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (provider_object_id, kind) DO NOTHING`,
          [e.invoiceId, e.attemptId, e.kind, e.amount.minor, e.amount.currency, e.providerObjectId, now],
        );
      }
      let events = 0;
      for (const e of plan.events) {
        const r = await c.query(
          `INSERT INTO ${this.t("pay_outbox")} (key, invoice_id, user_key, name, payload, created_at, next_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (key) DO NOTHING`,
          [e.key, invoice.id, invoice.userKey, e.name, JSON.stringify(e.payload), now, Date.parse(now)],
        );
        events += r.rowCount ?? 0;
      }
      return { events };
    });
  }

  async inbox(source: string, dedupKey: string, body: unknown, now: string): Promise<number | undefined> {
    const r = await this.rows(`INSERT INTO ${this.t("pay_inbox")} (source, dedup_key, body, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`, [
      source,
      dedupKey,
      JSON.stringify(body ?? null),
      now,
    ]);
    return r[0] ? Number(r[0].id) : undefined;
  }

  async inboxDone(id: number, now: string, note?: string): Promise<void> {
    await this.rows(`UPDATE ${this.t("pay_inbox")} SET processed_at = $1, note = $2 WHERE id = $3`, [now, note ?? null, id]);
  }

  async unprocessedInbox(): Promise<InboxEntry[]> {
    return (await this.rows(`SELECT * FROM ${this.t("pay_inbox")} WHERE processed_at IS NULL ORDER BY id`)).map(toInbox);
  }

  async claimDueEvents(nowMs: number, leaseMs: number, limit = 50): Promise<PaymentEvent[]> {
    const rows = await this.rows(
      `UPDATE ${this.t("pay_outbox")} SET next_at = $1 WHERE id IN (
         SELECT o.id FROM ${this.t("pay_outbox")} o WHERE o.delivered_at IS NULL AND o.next_at <= $2
           AND NOT EXISTS (SELECT 1 FROM ${this.t("pay_outbox")} e WHERE e.invoice_id = o.invoice_id AND e.delivered_at IS NULL AND e.id < o.id)
         ORDER BY o.id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [nowMs + leaseMs, nowMs, limit],
    );
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  async delivered(id: number, now: string): Promise<void> {
    await this.rows(`UPDATE ${this.t("pay_outbox")} SET delivered_at = $1, tries = tries + 1, last_error = NULL WHERE id = $2`, [now, id]);
  }

  async deliveryFailed(id: number, error: string, nextAt: number, countTry = true): Promise<void> {
    await this.rows(`UPDATE ${this.t("pay_outbox")} SET tries = tries + $4, last_error = $1, next_at = $2 WHERE id = $3`, [error.slice(0, 500), nextAt, id, countTry ? 1 : 0]);
  }

  async events(invoiceId?: string): Promise<PaymentEvent[]> {
    const rows = invoiceId === undefined ? await this.rows(`SELECT * FROM ${this.t("pay_outbox")} ORDER BY id`) : await this.rows(`SELECT * FROM ${this.t("pay_outbox")} WHERE invoice_id = $1 ORDER BY id`, [invoiceId]);
    return rows.map(toEvent);
  }

  async ledger(invoiceId?: string): Promise<LedgerEntry[]> {
    const rows = invoiceId === undefined ? await this.rows(`SELECT * FROM ${this.t("pay_ledger")} ORDER BY id`) : await this.rows(`SELECT * FROM ${this.t("pay_ledger")} WHERE invoice_id = $1 ORDER BY id`, [invoiceId]);
    return rows.map(toLedger);
  }

  async insertRefund(r: NewRefund, invoiceVersion: number, now: string): Promise<{ refund: PaymentRefund; created: boolean }> {
    return this.tx(async (c) => {
      const found = (await this.rows(`SELECT * FROM ${this.t("pay_refunds")} WHERE invoice_id = $1 AND idempotency_key = $2`, [r.invoiceId, r.idempotencyKey], c))[0];
      if (found) return { refund: toRefund(found), created: false };
      const moved = await c.query(`UPDATE ${this.t("pay_invoices")} SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3`, [now, r.invoiceId, invoiceVersion]);
      if (moved.rowCount === 0) throw new StaleVersionError(`invoice ${r.invoiceId} changed meanwhile`);
      const row = await this.rows(
        `INSERT INTO ${this.t("pay_refunds")} (id, invoice_id, attempt_id, amount_minor, currency, status, idempotency_key, request, reason, request_hash, provider_idempotence_key, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $10, $11, 1, $9, $9) RETURNING *`,
        [r.id, r.invoiceId, r.attemptId, r.amount.minor, r.amount.currency, r.idempotencyKey, JSON.stringify(r.request ?? null), r.reason ?? null, now, r.requestHash ?? null, r.providerIdempotenceKey ?? null],
        c,
      );
      return { refund: toRefund(row[0]!), created: true };
    });
  }

  async refund(id: string): Promise<PaymentRefund | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_refunds")} WHERE id = $1`, [id]))[0];
    return r ? toRefund(r) : undefined;
  }

  async refundByKey(invoiceId: string, idempotencyKey: string): Promise<PaymentRefund | undefined> {
    const r = (await this.rows(`SELECT * FROM ${this.t("pay_refunds")} WHERE invoice_id = $1 AND idempotency_key = $2`, [invoiceId, idempotencyKey]))[0];
    return r ? toRefund(r) : undefined;
  }

  async refundsOf(invoiceId: string): Promise<PaymentRefund[]> {
    return (await this.rows(`SELECT * FROM ${this.t("pay_refunds")} WHERE invoice_id = $1 ORDER BY created_at, id`, [invoiceId])).map(toRefund);
  }

  async openRefunds(limit = 100): Promise<PaymentRefund[]> {
    return (await this.rows(`SELECT * FROM ${this.t("pay_refunds")} WHERE status = 'requested' ORDER BY created_at, id LIMIT $1`, [limit])).map(toRefund);
  }

  async markRefundSent(id: string, version: number, now: string): Promise<boolean> {
    const r = await this.rows(`UPDATE ${this.t("pay_refunds")} SET sent_at = $1, version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 RETURNING id`, [now, id, version]);
    return r.length === 1;
  }

  async close(): Promise<void> {
    await this.setup.settled();
    await this.pool.end();
  }
}
