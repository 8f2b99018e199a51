// The merchant-notification outbox in the ledger's Redis (docs/yookassa.md, "Where the outbox
// lives"), for several processes serving one project. Every step that reads and writes is one Lua
// script (Redis runs a script alone), in the ledger store's pattern. A payment's pending rows form a
// list (its line); only the head of each line sits in the `due` sorted set, scored by its next try,
// so claiming (which moves the score past a lease) can never hand out a payment's later row while an
// earlier one is pending, and two dispatchers never claim the same row.
// Keys (`merchant:` is the stream's namespace; webhook acquiring's sync statuses have their own):
// <prefix>merchant:row:<id> (hash), :line:<payment>, :pay:<payment>, :all (lists),
// :due (sorted set), :key:<payment>:<state> and :event:<event id> (unique lookups), :count, :seq.
import type { Redis } from "ioredis";
import { scriptedRedis } from "../core/redis-scripted.js";
import type { MerchantState } from "./format.js";
import type { DeliveryStatus, MerchantOutboxStore, NewOutboxRow, OutboxRow } from "./outbox-types.js";

/** Where the Redis outbox lives: the server, the ledger's key prefix and the stream's namespace. */
export interface RedisOutboxOptions {
  url: string;
  /** Key prefix, default "smartapp:" (the ledger's); the outbox's keys follow it as `<namespace>…`. */
  prefix?: string;
  /** The stream's keys after the prefix (open-outbox.ts OUTBOX_STREAMS); default the merchant notifications' `merchant:`. */
  namespace?: string;
}

// ARGV: P, event id, payment key, state, url, body, created at. Returns the new id, or 0 for a repeat.
const ADD_LUA = `
local P = ARGV[1]
local uniq = P .. 'key:' .. ARGV[3] .. ':' .. ARGV[4]
if redis.call('SETNX', uniq, '0') == 0 then return 0 end
local id = redis.call('INCR', P .. 'seq')
redis.call('SET', uniq, id)
redis.call('SET', P .. 'event:' .. ARGV[2], id)
redis.call('HSET', P .. 'row:' .. id, 'id', id, 'eventId', ARGV[2], 'paymentKey', ARGV[3], 'state', ARGV[4], 'url', ARGV[5], 'body', ARGV[6],
  'createdAt', ARGV[7], 'nextAt', ARGV[7], 'tries', 0, 'status', 'pending')
redis.call('RPUSH', P .. 'all', id)
redis.call('RPUSH', P .. 'pay:' .. ARGV[3], id)
if redis.call('RPUSH', P .. 'line:' .. ARGV[3], id) == 1 then redis.call('ZADD', P .. 'due', ARGV[7], id) end
redis.call('HINCRBY', P .. 'count', 'pending', 1)
return id`;

// ARGV: P, now, lease, limit. Leases the due heads; returns their ids.
const CLAIM_LUA = `
local P = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', P .. 'due', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local until_ = tonumber(ARGV[2]) + tonumber(ARGV[3])
for _, id in ipairs(ids) do
  redis.call('ZADD', P .. 'due', until_, id)
  redis.call('HSET', P .. 'row:' .. id, 'nextAt', until_)
end
return ids`;

// ARGV: P, id, 'delivered'|'failed', at, error. Ends a pending row; the payment's next row becomes the head.
const FINISH_LUA = `
local P = ARGV[1]
local r = P .. 'row:' .. ARGV[2]
if redis.call('HGET', r, 'status') ~= 'pending' then return 0 end
local pay = redis.call('HGET', r, 'paymentKey')
redis.call('HINCRBY', r, 'tries', 1)
if ARGV[3] == 'delivered' then
  redis.call('HSET', r, 'status', 'delivered', 'deliveredAt', ARGV[4])
  redis.call('HDEL', r, 'lastError')
else
  redis.call('HSET', r, 'status', 'failed', 'lastError', ARGV[5])
end
redis.call('HINCRBY', P .. 'count', 'pending', -1)
redis.call('HINCRBY', P .. 'count', ARGV[3], 1)
redis.call('ZREM', P .. 'due', ARGV[2])
redis.call('LREM', P .. 'line:' .. pay, 1, ARGV[2])
local head = redis.call('LINDEX', P .. 'line:' .. pay, 0)
if head then redis.call('ZADD', P .. 'due', redis.call('HGET', P .. 'row:' .. head, 'nextAt'), head) end
return 1`;

// ARGV: P, id, next at, error. A failed try of a pending row.
const RETRY_LUA = `
local P = ARGV[1]
local r = P .. 'row:' .. ARGV[2]
if redis.call('HGET', r, 'status') ~= 'pending' then return 0 end
redis.call('HINCRBY', r, 'tries', 1)
redis.call('HSET', r, 'nextAt', ARGV[3], 'lastError', ARGV[4])
if redis.call('ZSCORE', P .. 'due', ARGV[2]) then redis.call('ZADD', P .. 'due', ARGV[3], ARGV[2]) end
return 1`;

// ARGV: P, id or event id, now. Puts the row back into its place in the payment's line (ids ascending).
const REDELIVER_LUA = `
local P = ARGV[1]
local id = redis.call('GET', P .. 'event:' .. ARGV[2])
if not id then
  if redis.call('EXISTS', P .. 'row:' .. ARGV[2]) == 0 then return false end
  id = ARGV[2]
end
local r = P .. 'row:' .. id
local old = redis.call('HGET', r, 'status')
local pay = redis.call('HGET', r, 'paymentKey')
local line = P .. 'line:' .. pay
redis.call('HSET', r, 'status', 'pending', 'nextAt', ARGV[3], 'createdAt', ARGV[3])
redis.call('HDEL', r, 'deliveredAt')
if old ~= 'pending' then
  redis.call('HINCRBY', P .. 'count', old, -1)
  redis.call('HINCRBY', P .. 'count', 'pending', 1)
  local ids = redis.call('LRANGE', line, 0, -1)
  if ids[1] then redis.call('ZREM', P .. 'due', ids[1]) end
  table.insert(ids, id)
  table.sort(ids, function(a, b) return tonumber(a) < tonumber(b) end)
  redis.call('DEL', line)
  redis.call('RPUSH', line, unpack(ids))
end
local head = redis.call('LINDEX', line, 0)
redis.call('ZADD', P .. 'due', redis.call('HGET', P .. 'row:' .. head, 'nextAt'), head)
return id`;

interface ScriptedRedis extends Redis {
  outboxAdd(...args: (string | number)[]): Promise<number>;
  outboxClaim(...args: (string | number)[]): Promise<string[]>;
  outboxFinish(...args: (string | number)[]): Promise<number>;
  outboxRetry(...args: (string | number)[]): Promise<number>;
  outboxRedeliver(...args: (string | number)[]): Promise<string | null>;
}

const toRow = (h: Record<string, string>): OutboxRow => ({
  id: Number(h.id),
  eventId: h.eventId!,
  paymentKey: h.paymentKey!,
  state: h.state as MerchantState,
  url: h.url!,
  body: h.body!,
  createdAt: Number(h.createdAt),
  nextAt: Number(h.nextAt),
  tries: Number(h.tries),
  status: h.status as DeliveryStatus,
  ...(h.lastError !== undefined ? { lastError: h.lastError } : {}),
  ...(h.deliveredAt !== undefined ? { deliveredAt: Number(h.deliveredAt) } : {}),
});

/** An outbox in Redis, shared by every process serving the project. */
export class RedisMerchantOutbox implements MerchantOutboxStore {
  private readonly redis: ScriptedRedis;
  private readonly p: string;

  constructor(opts: RedisOutboxOptions) {
    this.p = `${opts.prefix ?? "smartapp:"}${opts.namespace ?? "merchant:"}`;
    this.redis = scriptedRedis<ScriptedRedis>(opts.url, { outboxAdd: ADD_LUA, outboxClaim: CLAIM_LUA, outboxFinish: FINISH_LUA, outboxRetry: RETRY_LUA, outboxRedeliver: REDELIVER_LUA });
  }

  private async rows(ids: (string | number)[]): Promise<OutboxRow[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(`${this.p}row:${id}`);
    const got = (await pipe.exec()) ?? [];
    return got.map(([err, h]) => {
      if (err) throw err;
      return toRow(h as Record<string, string>);
    });
  }

  async add(row: NewOutboxRow): Promise<boolean> {
    return (await this.redis.outboxAdd(this.p, row.eventId, row.paymentKey, row.state, row.url, row.body, row.createdAt)) !== 0;
  }

  async claimDue(now: number, leaseMs: number, limit = 50): Promise<OutboxRow[]> {
    const ids = await this.redis.outboxClaim(this.p, now, leaseMs, limit);
    return (await this.rows(ids)).sort((a, b) => a.id - b.id);
  }

  async delivered(id: number, at: number): Promise<void> {
    await this.redis.outboxFinish(this.p, id, "delivered", at, "");
  }

  async retryAt(id: number, nextAt: number, error: string): Promise<void> {
    await this.redis.outboxRetry(this.p, id, nextAt, error.slice(0, 500));
  }

  async failed(id: number, error: string): Promise<void> {
    await this.redis.outboxFinish(this.p, id, "failed", 0, error.slice(0, 500));
  }

  async counts(): Promise<Record<DeliveryStatus, number>> {
    const h = await this.redis.hgetall(`${this.p}count`);
    return { pending: Number(h.pending ?? 0), delivered: Number(h.delivered ?? 0), failed: Number(h.failed ?? 0) };
  }

  async redeliver(ref: string, now: number): Promise<OutboxRow | undefined> {
    if (ref === "") return undefined;
    const id = await this.redis.outboxRedeliver(this.p, ref, now);
    return id === null ? undefined : (await this.rows([id]))[0];
  }

  async all(paymentKey?: string): Promise<OutboxRow[]> {
    return this.rows(await this.redis.lrange(paymentKey === undefined ? `${this.p}all` : `${this.p}pay:${paymentKey}`, 0, -1));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
