// Webhook acquiring's orders and pending captures in PostgreSQL, beside the payment ledger (docs/payments.md,
// "Webhook acquiring for shop apps"), so several processes serve one shop: the same tables as the
// SQLite store (./store.ts) in the ledger's schema; registering an order is `INSERT … ON CONFLICT DO
// NOTHING` then a read, a retry and settling a pending capture are compare-and-set `UPDATE`s, so two
// processes never both start a try or both send one status.
import type pg from "pg";
import { migrateSchema, paymentsPool, paymentsSchema, SchemaSetup, type PaymentsPostgresOptions } from "../core/postgres-schema.js";
import { sameTerms, toOrder, toPending, type AddedOrder, type ImshopOrder, type ImshopOrders, type NewOrder, type PendingCapture, type Row } from "./store.js";

const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.imshop_orders (
  order_id TEXT PRIMARY KEY, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL,
  user_key TEXT, receipt TEXT, try INTEGER NOT NULL DEFAULT 0, order_uuid TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.imshop_pending (
  payment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, since TEXT NOT NULL, settled_at TEXT);
`;

/** The shop apps' orders in PostgreSQL, beside the ledger. */
export class PostgresImshopStore implements ImshopOrders {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly s: string;
  private readonly setup: SchemaSetup;

  constructor(opts: PaymentsPostgresOptions) {
    this.s = paymentsSchema(opts.schema);
    this.pool = paymentsPool(opts.url, opts.poolSize ?? 3);
    this.setup = new SchemaSetup(() => migrateSchema(this.pool, this.s, schemaSql(this.s)));
  }

  private async q(sql: string, args: unknown[] = []): Promise<pg.QueryResult<Row>> {
    await this.setup.ready();
    return this.pool.query<Row>(sql, args);
  }

  async addOrder(o: NewOrder, now: string): Promise<AddedOrder> {
    const inserted = await this.q(
      `INSERT INTO ${this.s}.imshop_orders (order_id, amount_minor, currency, description, user_key, receipt, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING`,
      [o.orderId, o.amountMinor, o.currency, o.description, o.userKey ?? null, o.receipt === undefined ? null : JSON.stringify(o.receipt), now],
    );
    const found = (await this.order(o.orderId))!;
    if (inserted.rowCount === 1) return { order: found, created: true };
    return sameTerms(found, o) ? { order: found, created: false } : { conflict: found };
  }

  async order(orderId: string): Promise<ImshopOrder | undefined> {
    const r = (await this.q(`SELECT * FROM ${this.s}.imshop_orders WHERE order_id = $1`, [orderId])).rows[0];
    return r ? toOrder(r) : undefined;
  }

  async keepOrderUuid(orderId: string, orderUuid: string): Promise<void> {
    await this.q(`UPDATE ${this.s}.imshop_orders SET order_uuid = COALESCE(order_uuid, $1) WHERE order_id = $2`, [orderUuid, orderId]);
  }

  async nextTry(orderId: string, seenTry: number): Promise<ImshopOrder> {
    await this.q(`UPDATE ${this.s}.imshop_orders SET try = try + 1 WHERE order_id = $1 AND try = $2`, [orderId, seenTry]);
    return (await this.order(orderId))!;
  }

  async addPending(paymentId: string, orderId: string, now: string): Promise<void> {
    await this.q(`INSERT INTO ${this.s}.imshop_pending (payment_id, order_id, since) VALUES ($1, $2, $3) ON CONFLICT (payment_id) DO NOTHING`, [paymentId, orderId, now]);
  }

  async pending(): Promise<PendingCapture[]> {
    return (await this.q(`SELECT payment_id, order_id, since FROM ${this.s}.imshop_pending WHERE settled_at IS NULL ORDER BY since`)).rows.map(toPending);
  }

  async settle(paymentId: string, now: string): Promise<boolean> {
    return (await this.q(`UPDATE ${this.s}.imshop_pending SET settled_at = $1 WHERE payment_id = $2 AND settled_at IS NULL`, [now, paymentId])).rowCount === 1;
  }

  async close(): Promise<void> {
    await this.setup.settled();
    await this.pool.end();
  }
}
