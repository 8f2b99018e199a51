// The merchant-notification outbox in the ledger's PostgreSQL (docs/yookassa.md, "Where the outbox
// lives"), for several processes serving one project: the same rows as the SQLite outbox, in the
// ledger's schema (one table per stream: webhook acquiring's sync statuses have their own). Claiming takes the due head of each payment's line with `FOR UPDATE SKIP LOCKED`
// and leases it in one statement, so two dispatchers never send the same row, and a payment's next
// row cannot be claimed while an earlier one is still pending, so the order per payment holds.
import type pg from "pg";
import { migrateSchema, paymentsPool, paymentsSchema, SchemaSetup, type PaymentsPostgresOptions } from "../core/postgres-schema.js";
import { toRow } from "./outbox.js";
import type { DeliveryStatus, MerchantOutboxStore, NewOutboxRow, OutboxRow } from "./outbox-types.js";

const schemaSql = (s: string, table: string) => `
CREATE TABLE IF NOT EXISTS ${s}.${table} (
  id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payment_key TEXT NOT NULL, state TEXT NOT NULL,
  url TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL, next_at BIGINT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending', last_error TEXT, delivered_at BIGINT,
  UNIQUE (payment_key, state));
CREATE INDEX IF NOT EXISTS ${table}_pending ON ${s}.${table} (payment_key, id) WHERE status = 'pending';
`;

/** Where the PostgreSQL outbox lives: the ledger's database and schema, and the stream's table. */
export interface PostgresOutboxOptions extends Pick<PaymentsPostgresOptions, "url" | "schema"> {
  /** The stream's table in the ledger's schema (open-outbox.ts OUTBOX_STREAMS); default the merchant notifications'. */
  table?: string;
}

/** An outbox in PostgreSQL, shared by every process serving the project. */
export class PostgresMerchantOutbox implements MerchantOutboxStore {
  private readonly pool: pg.Pool;
  private readonly t: string;
  private readonly setup: SchemaSetup;
  private readonly schema: string;

  constructor(opts: PostgresOutboxOptions) {
    this.schema = paymentsSchema(opts.schema);
    const table = opts.table ?? "merchant_webhooks";
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`outbox table ${JSON.stringify(table)}: expected a lower-case SQL name`);
    this.t = `${this.schema}.${table}`;
    this.pool = paymentsPool(opts.url, 3);
    this.setup = new SchemaSetup(() => migrateSchema(this.pool, this.schema, schemaSql(this.schema, table)));
  }

  private async rows(sql: string, args: unknown[] = []): Promise<Record<string, unknown>[]> {
    await this.setup.ready();
    return (await this.pool.query(sql, args)).rows as Record<string, unknown>[];
  }

  async add(row: NewOutboxRow): Promise<boolean> {
    const got = await this.rows(
      `INSERT INTO ${this.t} (event_id, payment_key, state, url, body, created_at, next_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id`,
      [row.eventId, row.paymentKey, row.state, row.url, row.body, row.createdAt],
    );
    return got.length === 1;
  }

  async claimDue(now: number, leaseMs: number, limit = 50): Promise<OutboxRow[]> {
    const got = await this.rows(
      `UPDATE ${this.t} SET next_at = $1 WHERE id IN (
         SELECT w.id FROM ${this.t} w
         WHERE w.status = 'pending' AND w.next_at <= $2
           AND NOT EXISTS (SELECT 1 FROM ${this.t} e WHERE e.payment_key = w.payment_key AND e.status = 'pending' AND e.id < w.id)
         ORDER BY w.id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now + leaseMs, now, limit],
    );
    return got.map(toRow).sort((a, b) => a.id - b.id);
  }

  async delivered(id: number, at: number): Promise<void> {
    await this.rows(`UPDATE ${this.t} SET status = 'delivered', delivered_at = $1, tries = tries + 1, last_error = NULL WHERE id = $2 AND status = 'pending'`, [at, id]);
  }

  async retryAt(id: number, nextAt: number, error: string): Promise<void> {
    await this.rows(`UPDATE ${this.t} SET next_at = $1, tries = tries + 1, last_error = $2 WHERE id = $3 AND status = 'pending'`, [nextAt, error.slice(0, 500), id]);
  }

  async failed(id: number, error: string): Promise<void> {
    await this.rows(`UPDATE ${this.t} SET status = 'failed', tries = tries + 1, last_error = $1 WHERE id = $2 AND status = 'pending'`, [error.slice(0, 500), id]);
  }

  async counts(): Promise<Record<DeliveryStatus, number>> {
    const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of await this.rows(`SELECT status, COUNT(*) AS n FROM ${this.t} GROUP BY status`)) out[r.status as DeliveryStatus] = Number(r.n);
    return out;
  }

  async redeliver(ref: string, now: number): Promise<OutboxRow | undefined> {
    const got = await this.rows(
      `UPDATE ${this.t} SET status = 'pending', next_at = $2, created_at = $2, delivered_at = NULL WHERE id = (SELECT id FROM ${this.t} WHERE event_id = $1 OR id::text = $1 LIMIT 1) RETURNING *`,
      [ref, now],
    );
    return got[0] ? toRow(got[0]) : undefined;
  }

  async all(paymentKey?: string): Promise<OutboxRow[]> {
    const got = paymentKey === undefined ? await this.rows(`SELECT * FROM ${this.t} ORDER BY id`) : await this.rows(`SELECT * FROM ${this.t} WHERE payment_key = $1 ORDER BY id`, [paymentKey]);
    return got.map(toRow);
  }

  async close(): Promise<void> {
    await this.setup.settled();
    await this.pool.end();
  }
}
