// What webhook acquiring keeps beside the payment core's ledger (docs/payments.md, "Webhook acquiring
// for shop apps"): the merchant's orders (the protocol's commands carry no amount: it is looked up by
// orderId), which core order each try of an order is (a declined card may be paid again under the
// same orderId), and the captures answered `pending` that still owe the app a status on its sync URL.
import type Database from "better-sqlite3";
import { openDurableSqlite } from "../../util/sqlite.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS imshop_orders (
  order_id TEXT PRIMARY KEY, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL,
  user_key TEXT, receipt TEXT, try INTEGER NOT NULL DEFAULT 0, order_uuid TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS imshop_pending (
  payment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, since TEXT NOT NULL, settled_at TEXT);
`;

/** An order a merchant registered for webhook acquiring, and which core order is its current try. */
export interface ImshopOrder {
  orderId: string;
  amountMinor: number;
  currency: string;
  description: string;
  userKey?: string; // the dialog that hears this order's payment events, when the project links one
  receipt?: unknown; // 54-FZ receipt, as `$yookassa.createPayment` takes it
  try: number; // which core order is current: `${orderId}` for 0, `${orderId}#${try}` after
  orderUuid?: string;
  createdAt: string;
}

/** An order as registered, before the store numbers its tries. */
export type NewOrder = Omit<ImshopOrder, "try" | "orderUuid" | "createdAt">;

/** A database row as the drivers return it. */
export type Row = Record<string, unknown>;
/** A row of pending captures as a PendingCapture. */
export const toPending = (r: Row): PendingCapture => ({ paymentId: String(r.payment_id), orderId: String(r.order_id), since: String(r.since) });
/** A row of the orders table as an ImshopOrder. */
export const toOrder = (r: Row): ImshopOrder => ({
  orderId: String(r.order_id),
  amountMinor: Number(r.amount_minor),
  currency: String(r.currency),
  description: String(r.description),
  ...(r.user_key !== null ? { userKey: String(r.user_key) } : {}),
  ...(r.receipt !== null ? { receipt: JSON.parse(String(r.receipt)) as unknown } : {}),
  try: Number(r.try),
  ...(r.order_uuid !== null ? { orderUuid: String(r.order_uuid) } : {}),
  createdAt: String(r.created_at),
});

/** The core's order id of an order's current try. */
export const coreOrderId = (o: Pick<ImshopOrder, "orderId" | "try">): string => (o.try === 0 ? o.orderId : `${o.orderId}#${o.try}`);

/**
 * A registration's outcome: the order (new or the same again), or the different order already registered
 * under its id.
 */
export type AddedOrder = { order: ImshopOrder; created: boolean } | { conflict: ImshopOrder };
/** A capture answered `pending`, whose status is POSTed to the sync URL once decided. */
export interface PendingCapture {
  paymentId: string;
  orderId: string;
  since: string;
}

/**
 * Where webhook acquiring keeps its orders and pending captures: a SQLite file of one host
 * (`ImshopStore`), or PostgreSQL or Redis beside the ledger, so several processes serve one shop
 * (`PostgresImshopStore`, ./store-postgres.ts; `RedisImshopStore`, ./store-redis.ts; chosen by
 * ./open-store.ts). Asynchronous, as the ledger's stores are.
 */
export interface ImshopOrders {
  readonly kind: "sqlite" | "postgres" | "redis";
  /** Registers an order once; the same terms again are the same order, other terms are refused. */
  addOrder(o: NewOrder, now: string): Promise<AddedOrder>;
  order(orderId: string): Promise<ImshopOrder | undefined>;
  /** The app's own id of the order, kept from its first command. */
  keepOrderUuid(orderId: string, orderUuid: string): Promise<void>;
  /** After a try ended canceled, the next create pays the order again: compare-and-set on the try. */
  nextTry(orderId: string, seenTry: number): Promise<ImshopOrder>;
  /** A capture answered `pending`: the app is owed a status on its sync URL (once). */
  addPending(paymentId: string, orderId: string, now: string): Promise<void>;
  pending(): Promise<PendingCapture[]>;
  /** Compare-and-set: true for the one caller (of any process) that settles it. */
  settle(paymentId: string, now: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Pure: whether a registration repeats the registered order's terms. */
export const sameTerms = (found: ImshopOrder, o: NewOrder): boolean =>
  found.amountMinor === o.amountMinor && found.currency === o.currency && found.description === o.description && found.userKey === o.userKey && JSON.stringify(found.receipt) === JSON.stringify(o.receipt);

/** The shop apps' orders in SQLite. */
export class ImshopStore implements ImshopOrders {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;

  constructor(file = ":memory:") {
    this.db = openDurableSqlite(file, SCHEMA);
  }

  async addOrder(o: NewOrder, now: string): Promise<AddedOrder> {
    return this.db.transaction((): AddedOrder => {
      const found = this.get(o.orderId);
      if (found) return sameTerms(found, o) ? { order: found, created: false } : { conflict: found };
      this.db
        .prepare("INSERT INTO imshop_orders (order_id, amount_minor, currency, description, user_key, receipt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(o.orderId, o.amountMinor, o.currency, o.description, o.userKey ?? null, o.receipt === undefined ? null : JSON.stringify(o.receipt), now);
      return { order: this.get(o.orderId)!, created: true };
    })();
  }

  async order(orderId: string): Promise<ImshopOrder | undefined> {
    return this.get(orderId);
  }

  private get(orderId: string): ImshopOrder | undefined {
    const r = this.db.prepare("SELECT * FROM imshop_orders WHERE order_id = ?").get(orderId) as Row | undefined;
    return r ? toOrder(r) : undefined;
  }

  async keepOrderUuid(orderId: string, orderUuid: string): Promise<void> {
    this.db.prepare("UPDATE imshop_orders SET order_uuid = COALESCE(order_uuid, ?) WHERE order_id = ?").run(orderUuid, orderId);
  }

  async nextTry(orderId: string, seenTry: number): Promise<ImshopOrder> {
    this.db.prepare("UPDATE imshop_orders SET try = try + 1 WHERE order_id = ? AND try = ?").run(orderId, seenTry);
    return this.get(orderId)!;
  }

  async addPending(paymentId: string, orderId: string, now: string): Promise<void> {
    this.db.prepare("INSERT OR IGNORE INTO imshop_pending (payment_id, order_id, since) VALUES (?, ?, ?)").run(paymentId, orderId, now);
  }

  async pending(): Promise<PendingCapture[]> {
    const rows = this.db.prepare("SELECT payment_id, order_id, since FROM imshop_pending WHERE settled_at IS NULL ORDER BY since").all() as Row[];
    return rows.map(toPending);
  }

  async settle(paymentId: string, now: string): Promise<boolean> {
    return this.db.prepare("UPDATE imshop_pending SET settled_at = ? WHERE payment_id = ? AND settled_at IS NULL").run(now, paymentId).changes === 1;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
