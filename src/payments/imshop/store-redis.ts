// Webhook acquiring's orders and pending captures in Redis, beside the payment ledger (docs/payments.md,
// "Webhook acquiring for shop apps"), so several processes serve one shop on a Redis ledger. In the
// ledger store's pattern (core/store-redis.ts): every step that reads and then writes is one Lua
// script, which Redis runs alone, so two processes never both register an order, start a try or
// settle a pending capture.
// Keys, after the ledger's prefix: imshop:order:<orderId> (hash, the order), imshop:pending:<paymentId>
// (hash, a capture answered `pending`), imshop:pending (sorted set of the unsettled ones, by `since`).
import type { Redis } from "ioredis";
import { scriptedRedis } from "../core/redis-scripted.js";
import { sameTerms, type AddedOrder, type ImshopOrder, type ImshopOrders, type NewOrder, type PendingCapture } from "./store.js";

/** Where the Redis order store lives: the server and the ledger's key prefix. */
export interface RedisImshopOptions {
  url: string;
  /** The ledger's key prefix, default "smartapp:"; the orders' keys follow it as `imshop:…`. */
  prefix?: string;
}

// ARGV: P, order id, then field/value pairs. Writes the order only when it is new; returns 1 when written.
const ADD_ORDER_LUA = `
local key = ARGV[1] .. 'order:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, unpack(ARGV, 3))
return 1`;

// ARGV: P, order id, the try the caller saw. Moves the try on once for that seen try.
const NEXT_TRY_LUA = `
local key = ARGV[1] .. 'order:' .. ARGV[2]
if redis.call('HGET', key, 'try') ~= ARGV[3] then return 0 end
redis.call('HINCRBY', key, 'try', 1)
return 1`;

// ARGV: P, payment id, order id, since, score. Once per payment: a repeat changes nothing.
const ADD_PENDING_LUA = `
local key = ARGV[1] .. 'pending:' .. ARGV[2]
if redis.call('HSETNX', key, 'paymentId', ARGV[2]) == 0 then return 0 end
redis.call('HSET', key, 'orderId', ARGV[3], 'since', ARGV[4])
redis.call('ZADD', ARGV[1] .. 'pending', ARGV[5], ARGV[2])
return 1`;

// ARGV: P, payment id, now. Compare-and-set: 1 for the one caller that settles it.
const SETTLE_LUA = `
if redis.call('ZREM', ARGV[1] .. 'pending', ARGV[2]) == 0 then return 0 end
redis.call('HSET', ARGV[1] .. 'pending:' .. ARGV[2], 'settledAt', ARGV[3])
return 1`;

interface ScriptedRedis extends Redis {
  imshopAddOrder(...args: (string | number)[]): Promise<number>;
  imshopNextTry(...args: (string | number)[]): Promise<number>;
  imshopAddPending(...args: (string | number)[]): Promise<number>;
  imshopSettle(...args: (string | number)[]): Promise<number>;
}

const toOrder = (h: Record<string, string>): ImshopOrder => ({
  orderId: h.orderId!,
  amountMinor: Number(h.amountMinor),
  currency: h.currency!,
  description: h.description!,
  ...(h.userKey !== undefined ? { userKey: h.userKey } : {}),
  ...(h.receipt !== undefined ? { receipt: JSON.parse(h.receipt) as unknown } : {}),
  try: Number(h.try),
  ...(h.orderUuid !== undefined ? { orderUuid: h.orderUuid } : {}),
  createdAt: h.createdAt!,
});

/** The shop apps' orders in Redis, beside the ledger. */
export class RedisImshopStore implements ImshopOrders {
  readonly kind = "redis" as const;
  private readonly redis: ScriptedRedis;
  private readonly p: string;

  constructor(opts: RedisImshopOptions) {
    this.p = `${opts.prefix ?? "smartapp:"}imshop:`;
    this.redis = scriptedRedis<ScriptedRedis>(opts.url, { imshopAddOrder: ADD_ORDER_LUA, imshopNextTry: NEXT_TRY_LUA, imshopAddPending: ADD_PENDING_LUA, imshopSettle: SETTLE_LUA });
  }

  async addOrder(o: NewOrder, now: string): Promise<AddedOrder> {
    const fields: string[] = ["orderId", o.orderId, "amountMinor", String(o.amountMinor), "currency", o.currency, "description", o.description, "try", "0", "createdAt", now];
    if (o.userKey !== undefined) fields.push("userKey", o.userKey);
    if (o.receipt !== undefined) fields.push("receipt", JSON.stringify(o.receipt));
    const created = (await this.redis.imshopAddOrder(this.p, o.orderId, ...fields)) === 1;
    const found = (await this.order(o.orderId))!;
    if (created) return { order: found, created: true };
    return sameTerms(found, o) ? { order: found, created: false } : { conflict: found };
  }

  async order(orderId: string): Promise<ImshopOrder | undefined> {
    const h = await this.redis.hgetall(`${this.p}order:${orderId}`);
    return h.orderId === undefined ? undefined : toOrder(h);
  }

  async keepOrderUuid(orderId: string, orderUuid: string): Promise<void> {
    // Only an order that exists keeps it (as the SQL stores' UPDATE): a new hash is never made here.
    if ((await this.redis.exists(`${this.p}order:${orderId}`)) === 1) await this.redis.hsetnx(`${this.p}order:${orderId}`, "orderUuid", orderUuid);
  }

  async nextTry(orderId: string, seenTry: number): Promise<ImshopOrder> {
    await this.redis.imshopNextTry(this.p, orderId, seenTry);
    return (await this.order(orderId))!;
  }

  async addPending(paymentId: string, orderId: string, now: string): Promise<void> {
    await this.redis.imshopAddPending(this.p, paymentId, orderId, now, Date.parse(now));
  }

  async pending(): Promise<PendingCapture[]> {
    const ids = await this.redis.zrange(`${this.p}pending`, 0, -1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(`${this.p}pending:${id}`);
    const out: PendingCapture[] = [];
    for (const [err, h] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      const r = h as Record<string, string>;
      if (r.paymentId !== undefined) out.push({ paymentId: r.paymentId, orderId: r.orderId!, since: r.since! });
    }
    return out;
  }

  async settle(paymentId: string, now: string): Promise<boolean> {
    return (await this.redis.imshopSettle(this.p, paymentId, now)) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
