// The payment ledger in Redis, for several processes or hosts serving one smartapp (docs/payments.md,
// "Stores"). Every row is a JSON string under `<prefix>pay:<table>:<id>`; indexes are sets, lists and
// sorted sets beside it. Whatever must happen together (a compare-and-set with its ledger rows and
// outbox events, a unique insert) is one Lua script: Redis runs a script alone, so two processes
// can never interleave inside it. Rows are built in TypeScript and only compared (by version) and
// stored in Lua, so no JSON is re-encoded by Redis.
import type { Redis } from "ioredis";
import { scriptedRedis } from "./redis-scripted.js";
import type { Plan } from "./machine.js";
import type { InboxEntry, LedgerEntry, PaymentAttempt, PaymentEvent, PaymentInvoice, PaymentRefund, ProviderKind } from "./model.js";
import { FINAL_ATTEMPT } from "./model.js";
import { StaleVersionError, type Begun, type LedgerStore, type NewInvoice, type NewRefund } from "./store-types.js";

/** Where the Redis ledger lives: the server and the key prefix. */
export interface RedisLedgerOptions {
  url: string;
  /** Key prefix, default "smartapp:"; the ledger's keys follow it as `pay:…`. */
  prefix?: string;
}

// ARGV: P, invoice JSON, attempt JSON (its invoiceId the new invoice's), order key, invoice id, attempt id, score, order id.
// Returns {invoiceId, attemptId, created 0|1}.
const BEGIN_LUA = `
local P = ARGV[1]
local orderKey = P .. 'order:' .. ARGV[4]
local invId = redis.call('GET', orderKey)
local attJson = ARGV[3]
if invId then
  local first = redis.call('LINDEX', P .. 'inv-atts:' .. invId, 0)
  if first then return {invId, first, 0} end
  local att = cjson.decode(attJson)
  att.invoiceId = invId
  attJson = cjson.encode(att)
else
  invId = ARGV[5]
  redis.call('SET', orderKey, invId)
  redis.call('SET', P .. 'inv:' .. invId, ARGV[2])
  redis.call('ZADD', P .. 'invoices', ARGV[7], invId)
  redis.call('ZADD', P .. 'order-ids:' .. ARGV[8], ARGV[7], invId)
end
redis.call('SET', P .. 'att:' .. ARGV[6], attJson)
redis.call('RPUSH', P .. 'inv-atts:' .. invId, ARGV[6])
redis.call('ZADD', P .. 'open-atts', ARGV[7], ARGV[6])
return {invId, ARGV[6], 1}`;

// Compare-and-set of whole rows plus inserts that are ignored when their unique key exists.
// ARGV[1] P, ARGV[2] JSON {cas:[[key, expectedVersion, json]], after:[[op, key, a, b]], ledger:[[uniq, rowWithoutId, invId]],
// events:[[uniq, rowWithoutId, invId, nextAt]]}. Returns -1 when a row moved, else the number of events added.
const APPLY_LUA = `
local P = ARGV[1]
local req = cjson.decode(ARGV[2])
for _, c in ipairs(req.cas) do
  local cur = redis.call('GET', c[1])
  if not cur or tonumber(cjson.decode(cur).version) ~= tonumber(c[2]) then return -1 end
end
for _, c in ipairs(req.cas) do redis.call('SET', c[1], c[3]) end
for _, o in ipairs(req.after) do
  if o[1] == 'zadd' then redis.call('ZADD', o[2], o[3], o[4])
  elseif o[1] == 'zrem' then redis.call('ZREM', o[2], o[3])
  elseif o[1] == 'setnx' then redis.call('SETNX', o[2], o[3]) end
end
for _, l in ipairs(req.ledger) do
  if redis.call('SETNX', P .. 'ledger-key:' .. l[1], '1') == 1 then
    local id = redis.call('INCR', P .. 'seq:ledger')
    redis.call('SET', P .. 'ledger:' .. id, '{"id":' .. id .. ',' .. string.sub(l[2], 2))
    redis.call('RPUSH', P .. 'ledger-inv:' .. l[3], id)
    redis.call('RPUSH', P .. 'ledger-all', id)
  end
end
local added = 0
for _, e in ipairs(req.events) do
  if redis.call('SETNX', P .. 'outbox-key:' .. e[1], '1') == 1 then
    local id = redis.call('INCR', P .. 'seq:outbox')
    redis.call('SET', P .. 'outbox:' .. id, '{"id":' .. id .. ',' .. string.sub(e[2], 2))
    redis.call('HSET', P .. 'outbox-state:' .. id, 'tries', 0, 'nextAt', e[4])
    redis.call('ZADD', P .. 'outbox-due', e[4], id)
    redis.call('RPUSH', P .. 'outbox-inv:' .. e[3], id)
    redis.call('RPUSH', P .. 'outbox-all', id)
    added = added + 1
  end
end
return added`;

// ARGV: P, dedup key, row JSON without id. Returns the new id, or 0 for a repeat.
const INBOX_LUA = `
local P = ARGV[1]
if redis.call('SETNX', P .. 'inbox-key:' .. ARGV[2], '1') == 0 then return 0 end
local id = redis.call('INCR', P .. 'seq:inbox')
redis.call('SET', P .. 'inbox:' .. id, '{"id":' .. id .. ',' .. string.sub(ARGV[3], 2))
redis.call('ZADD', P .. 'inbox-open', id, id)
return id`;

// ARGV: P, now ms, lease ms, limit. Claims due events by moving them past the lease; returns their ids.
// Only the oldest undelivered event of each invoice is claimable: its later events wait, so they arrive in order.
const CLAIM_LUA = `
local P = ARGV[1]
local limit = tonumber(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', P .. 'outbox-due', '-inf', ARGV[2], 'LIMIT', 0, limit * 4)
local until_ = tonumber(ARGV[2]) + tonumber(ARGV[3])
local ids = {}
for _, id in ipairs(due) do
  if #ids >= limit then break end
  local inv = cjson.decode(redis.call('GET', P .. 'outbox:' .. id)).invoiceId
  local head = true
  for _, other in ipairs(redis.call('LRANGE', P .. 'outbox-inv:' .. inv, 0, -1)) do
    if other == id then break end
    local d = redis.call('HGET', P .. 'outbox-state:' .. other, 'deliveredAt')
    if not d or d == '' then head = false break end
  end
  if head then
    redis.call('ZADD', P .. 'outbox-due', until_, id)
    redis.call('HSET', P .. 'outbox-state:' .. id, 'nextAt', until_)
    table.insert(ids, id)
  end
end
return ids`;

// ARGV: P, invoice id, idempotency key, expected invoice version, invoice JSON, refund id, refund JSON, score.
// Returns {0, existing id} for a known key, {-1} when the invoice moved, {1, id} when written.
const REFUND_LUA = `
local P = ARGV[1]
local keyKey = P .. 'refund-key:' .. ARGV[2] .. ':' .. ARGV[3]
local existing = redis.call('GET', keyKey)
if existing then return {0, existing} end
local cur = redis.call('GET', P .. 'inv:' .. ARGV[2])
if not cur or tonumber(cjson.decode(cur).version) ~= tonumber(ARGV[4]) then return {-1} end
redis.call('SET', P .. 'inv:' .. ARGV[2], ARGV[5])
redis.call('SET', P .. 'refund:' .. ARGV[6], ARGV[7])
redis.call('SET', keyKey, ARGV[6])
redis.call('RPUSH', P .. 'refunds-inv:' .. ARGV[2], ARGV[6])
redis.call('ZADD', P .. 'refunds-open', ARGV[8], ARGV[6])
return {1, ARGV[6]}`;

interface ScriptedRedis extends Redis {
  payBegin(...args: (string | number)[]): Promise<[string, string, number]>;
  payApply(...args: (string | number)[]): Promise<number>;
  payInbox(...args: (string | number)[]): Promise<number>;
  payClaim(...args: (string | number)[]): Promise<string[]>;
  payRefund(...args: (string | number)[]): Promise<[number, string?]>;
}

const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : 0);

/**
 * The ledger in Redis: whatever must happen together is one Lua script, so two processes never interleave
 * inside it.
 */
export class RedisLedgerStore implements LedgerStore {
  readonly kind = "redis" as const;
  private readonly redis: ScriptedRedis;
  private readonly p: string;
  private orderIndex?: Promise<void>;

  constructor(opts: RedisLedgerOptions) {
    this.p = `${opts.prefix ?? "smartapp:"}pay:`;
    this.redis = scriptedRedis<ScriptedRedis>(opts.url, { payBegin: BEGIN_LUA, payApply: APPLY_LUA, payInbox: INBOX_LUA, payClaim: CLAIM_LUA, payRefund: REFUND_LUA });
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    const v = await this.redis.get(this.p + key);
    return v === null ? undefined : (JSON.parse(v) as T);
  }

  private async many<T>(keys: string[]): Promise<T[]> {
    if (keys.length === 0) return [];
    const vals = await this.redis.mget(...keys.map((k) => this.p + k));
    return vals.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
  }

  async beginInvoice(n: NewInvoice, now: string): Promise<Begun> {
    const invoice: PaymentInvoice = { id: n.id, userKey: n.userKey, provider: n.provider, account: n.account, orderId: n.orderId, amount: n.amount, description: n.description, status: "open", capturedMinor: 0, refundedMinor: 0, version: 1, createdAt: now, updatedAt: now };
    const attempt: PaymentAttempt = { id: n.attemptId, invoiceId: n.id, provider: n.provider, account: n.account, status: "created", amount: n.amount, version: 1, createdAt: now, updatedAt: now };
    const [invId, attId, created] = await this.redis.payBegin(this.p, JSON.stringify(invoice), JSON.stringify(attempt), `${n.provider}:${n.account}:${n.orderId}`, n.id, n.attemptId, ms(now), n.orderId);
    return { invoice: (await this.invoice(invId))!, attempt: (await this.attempt(attId))!, created: created === 1 };
  }

  invoice(id: string): Promise<PaymentInvoice | undefined> {
    return this.getJson(`inv:${id}`);
  }

  async findByOrder(provider: string, account: string, orderId: string): Promise<PaymentInvoice | undefined> {
    const id = await this.redis.get(`${this.p}order:${provider}:${account}:${orderId}`);
    return id === null ? undefined : this.invoice(id);
  }

  async invoiceByOrderId(orderId: string, provider?: ProviderKind): Promise<PaymentInvoice | undefined> {
    // Built at most once per process; a build that failed (Redis away) is tried again by the next lookup.
    await (this.orderIndex ??= this.buildOrderIndex().catch((err: unknown) => {
      this.orderIndex = undefined;
      throw err;
    }));
    // Newest first; equal times by id, descending, as the SQL stores order them.
    const ids = await this.redis.zrevrange(`${this.p}order-ids:${orderId}`, 0, -1);
    for (let i = 0; i < ids.length; i += 100) {
      const found = (await this.many<PaymentInvoice>(ids.slice(i, i + 100).map((id) => `inv:${id}`))).find((inv) => provider === undefined || inv.provider === provider);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The order-id index of a ledger written before it existed: built once from the invoices (ZADD is
   * idempotent, so two processes building it at once, or a begin meanwhile, leave it right), then marked.
   */
  private async buildOrderIndex(): Promise<void> {
    const built = `${this.p}order-ids-built`;
    if ((await this.redis.exists(built)) === 1) return;
    const total = await this.redis.zcard(`${this.p}invoices`);
    for (let from = 0; from < total; from += 500) {
      const ids = await this.redis.zrange(`${this.p}invoices`, from, from + 499, "WITHSCORES");
      const scores = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 2) scores.set(ids[i]!, ids[i + 1]!);
      const pipe = this.redis.pipeline();
      for (const inv of await this.many<PaymentInvoice>([...scores.keys()].map((id) => `inv:${id}`))) pipe.zadd(`${this.p}order-ids:${inv.orderId}`, scores.get(inv.id)!, inv.id);
      await pipe.exec();
    }
    await this.redis.set(built, "1");
  }

  async invoices(limit = 100): Promise<PaymentInvoice[]> {
    const ids = await this.redis.zrevrange(`${this.p}invoices`, 0, limit - 1);
    return this.many(ids.map((id) => `inv:${id}`));
  }

  attempt(id: string): Promise<PaymentAttempt | undefined> {
    return this.getJson(`att:${id}`);
  }

  async attemptByProviderId(provider: string, providerPaymentId: string): Promise<PaymentAttempt | undefined> {
    const id = await this.redis.get(`${this.p}att-pid:${provider}:${providerPaymentId}`);
    return id === null ? undefined : this.attempt(id);
  }

  async attemptsOf(invoiceId: string): Promise<PaymentAttempt[]> {
    const ids = await this.redis.lrange(`${this.p}inv-atts:${invoiceId}`, 0, -1);
    return this.many(ids.map((id) => `att:${id}`));
  }

  async openAttempts(limit = 100): Promise<PaymentAttempt[]> {
    const ids = await this.redis.zrange(`${this.p}open-atts`, 0, limit - 1);
    return this.many(ids.map((id) => `att:${id}`));
  }

  async markSynced(attemptId: string, at: string): Promise<void> {
    const a = await this.attempt(attemptId);
    if (!a) return;
    const after: [string, string, string | number, string?][] = FINAL_ATTEMPT.has(a.status) ? [] : [["zadd", `${this.p}open-atts`, ms(at), a.id]];
    // Same version: a concurrent transition wins and sets its own synced time.
    await this.redis.payApply(this.p, JSON.stringify({ cas: [[`${this.p}att:${a.id}`, a.version, JSON.stringify({ ...a, syncedAt: at })]], after, ledger: [], events: [] }));
  }

  async keepCreateRequest(attemptId: string, idempotenceKey: string, requestHash: string, receipt?: Record<string, unknown>): Promise<{ idempotenceKey: string; requestHash: string }> {
    for (;;) {
      const a = await this.attempt(attemptId);
      if (!a) throw new Error(`no attempt ${attemptId}`);
      if (a.idempotenceKey !== undefined) return { idempotenceKey: a.idempotenceKey, requestHash: a.requestHash ?? "" };
      // Compare-and-set: of two processes keeping a key at once, the first one sticks; the other reads it.
      const next = JSON.stringify({ ...a, idempotenceKey, requestHash, ...(receipt ? { receipt } : {}), version: a.version + 1 });
      if ((await this.redis.payApply(this.p, JSON.stringify({ cas: [[`${this.p}att:${a.id}`, a.version, next]], after: [], ledger: [], events: [] }))) >= 0) return { idempotenceKey, requestHash };
    }
  }

  async applyPlan(invoice: PaymentInvoice, attempt: PaymentAttempt, plan: Plan, now: string): Promise<{ events: number }> {
    const cas: [string, number, string][] = [];
    const after: [string, string, string | number, string?][] = [];
    if (plan.attempt) {
      const a = plan.attempt;
      const next: PaymentAttempt = {
        ...attempt,
        status: a.status,
        providerStatus: a.providerStatus,
        providerPaymentId: a.providerPaymentId ?? attempt.providerPaymentId,
        cancelCategory: a.cancelCategory ?? attempt.cancelCategory,
        ...(a.confirmationUrl !== undefined ? { confirmationUrl: a.confirmationUrl } : {}),
        ...(a.paymentMethod !== undefined ? { paymentMethodId: a.paymentMethod.id, paymentMethodSaved: a.paymentMethod.saved } : {}),
        version: attempt.version + 1,
        updatedAt: now,
        syncedAt: now,
      };
      cas.push([`${this.p}att:${attempt.id}`, attempt.version, JSON.stringify(next)]);
      if (FINAL_ATTEMPT.has(next.status)) after.push(["zrem", `${this.p}open-atts`, attempt.id]);
      else after.push(["zadd", `${this.p}open-atts`, ms(now), attempt.id]);
      if (next.providerPaymentId) after.push(["setnx", `${this.p}att-pid:${attempt.provider}:${next.providerPaymentId}`, attempt.id]);
    }
    if (plan.invoice) {
      const i = plan.invoice;
      const next: PaymentInvoice = {
        ...invoice,
        status: i.status,
        paidAttemptId: invoice.paidAttemptId ?? i.paidAttemptId,
        capturedMinor: i.capturedMinor ?? invoice.capturedMinor,
        refundedMinor: i.refundedMinor ?? invoice.refundedMinor,
        version: invoice.version + 1,
        updatedAt: now,
      };
      cas.push([`${this.p}inv:${invoice.id}`, invoice.version, JSON.stringify(next)]);
    }
    if (plan.refund) {
      const f = plan.refund;
      const cur = await this.refund(f.id);
      if (!cur || cur.version !== f.version) throw new StaleVersionError(`refund ${f.id} changed meanwhile`);
      const next: PaymentRefund = { ...cur, status: f.status, providerRefundId: f.providerRefundId ?? cur.providerRefundId, error: f.error, version: cur.version + 1, updatedAt: now };
      cas.push([`${this.p}refund:${f.id}`, f.version, JSON.stringify(next)]);
      if (f.status !== "requested") after.push(["zrem", `${this.p}refunds-open`, f.id]);
    }
    const ledger = plan.ledger.map((e) => [`${e.kind}:${e.providerObjectId}`, JSON.stringify({ invoiceId: e.invoiceId, attemptId: e.attemptId, kind: e.kind, amount: e.amount, providerObjectId: e.providerObjectId, at: now }), e.invoiceId]);
    const nextAt = Date.parse(now);
    const events = plan.events.map((e) => [
      e.key,
      JSON.stringify({ key: e.key, invoiceId: invoice.id, userKey: invoice.userKey, name: e.name, payload: e.payload, createdAt: now }),
      invoice.id,
      nextAt,
    ]);
    const added = await this.redis.payApply(this.p, JSON.stringify({ cas, after, ledger, events }));
    if (added < 0) throw new StaleVersionError(`invoice ${invoice.id} or attempt ${attempt.id} changed meanwhile`);
    return { events: added };
  }

  async inbox(source: string, dedupKey: string, body: unknown, now: string): Promise<number | undefined> {
    const id = await this.redis.payInbox(this.p, dedupKey, JSON.stringify({ source, dedupKey, body: body ?? null, receivedAt: now }));
    return id === 0 ? undefined : Number(id);
  }

  async inboxDone(id: number, now: string, note?: string): Promise<void> {
    await this.redis
      .multi()
      .hset(`${this.p}inbox-state:${id}`, "processedAt", now, "note", note ?? "")
      .zrem(`${this.p}inbox-open`, String(id))
      .exec();
  }

  async unprocessedInbox(): Promise<InboxEntry[]> {
    const ids = await this.redis.zrange(`${this.p}inbox-open`, 0, -1);
    return this.many(ids.map((id) => `inbox:${id}`));
  }

  private async withState(ids: string[]): Promise<PaymentEvent[]> {
    if (ids.length === 0) return [];
    const rows = await this.many<Omit<PaymentEvent, "tries" | "nextAt">>(ids.map((id) => `outbox:${id}`));
    const pipe = this.redis.pipeline();
    for (const r of rows) pipe.hgetall(`${this.p}outbox-state:${r.id}`);
    const states = (await pipe.exec()) ?? [];
    return rows.map((r, i) => {
      const st = (states[i]?.[1] ?? {}) as Record<string, string>;
      return { ...r, tries: Number(st.tries ?? 0), nextAt: Number(st.nextAt ?? 0), deliveredAt: st.deliveredAt || undefined, lastError: st.lastError || undefined };
    });
  }

  async claimDueEvents(nowMs: number, leaseMs: number, limit = 50): Promise<PaymentEvent[]> {
    const ids = await this.redis.payClaim(this.p, nowMs, leaseMs, limit);
    return (await this.withState(ids.map(String))).sort((a, b) => a.id - b.id);
  }

  async delivered(id: number, now: string): Promise<void> {
    await this.redis
      .multi()
      .zrem(`${this.p}outbox-due`, String(id))
      .hset(`${this.p}outbox-state:${id}`, "deliveredAt", now, "lastError", "")
      .hincrby(`${this.p}outbox-state:${id}`, "tries", 1)
      .exec();
  }

  async deliveryFailed(id: number, error: string, nextAt: number, countTry = true): Promise<void> {
    await this.redis
      .multi()
      .zadd(`${this.p}outbox-due`, nextAt, String(id))
      .hset(`${this.p}outbox-state:${id}`, "lastError", error.slice(0, 500), "nextAt", nextAt)
      .hincrby(`${this.p}outbox-state:${id}`, "tries", countTry ? 1 : 0)
      .exec();
  }

  async events(invoiceId?: string): Promise<PaymentEvent[]> {
    const ids = await this.redis.lrange(invoiceId === undefined ? `${this.p}outbox-all` : `${this.p}outbox-inv:${invoiceId}`, 0, -1);
    return this.withState(ids);
  }

  async ledger(invoiceId?: string): Promise<LedgerEntry[]> {
    const ids = await this.redis.lrange(invoiceId === undefined ? `${this.p}ledger-all` : `${this.p}ledger-inv:${invoiceId}`, 0, -1);
    return this.many(ids.map((id) => `ledger:${id}`));
  }

  async insertRefund(r: NewRefund, invoiceVersion: number, now: string): Promise<{ refund: PaymentRefund; created: boolean }> {
    const invoice = await this.invoice(r.invoiceId);
    if (!invoice) throw new Error(`no invoice ${r.invoiceId}`);
    const refund: PaymentRefund = {
      id: r.id,
      invoiceId: r.invoiceId,
      attemptId: r.attemptId,
      amount: r.amount,
      status: "requested",
      idempotencyKey: r.idempotencyKey,
      request: r.request ?? null,
      ...(r.requestHash !== undefined ? { requestHash: r.requestHash } : {}),
      ...(r.providerIdempotenceKey !== undefined ? { providerIdempotenceKey: r.providerIdempotenceKey } : {}),
      reason: r.reason,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const moved = JSON.stringify({ ...invoice, version: invoiceVersion + 1, updatedAt: now });
    const [code, id] = await this.redis.payRefund(this.p, r.invoiceId, r.idempotencyKey, invoiceVersion, moved, r.id, JSON.stringify(refund), ms(now));
    if (code === -1) throw new StaleVersionError(`invoice ${r.invoiceId} changed meanwhile`);
    return { refund: (await this.refund(String(id)))!, created: code === 1 };
  }

  refund(id: string): Promise<PaymentRefund | undefined> {
    return this.getJson(`refund:${id}`);
  }

  async refundByKey(invoiceId: string, idempotencyKey: string): Promise<PaymentRefund | undefined> {
    const id = await this.redis.get(`${this.p}refund-key:${invoiceId}:${idempotencyKey}`);
    return id === null ? undefined : this.refund(id);
  }

  async refundsOf(invoiceId: string): Promise<PaymentRefund[]> {
    const ids = await this.redis.lrange(`${this.p}refunds-inv:${invoiceId}`, 0, -1);
    return this.many(ids.map((id) => `refund:${id}`));
  }

  async openRefunds(limit = 100): Promise<PaymentRefund[]> {
    const ids = await this.redis.zrange(`${this.p}refunds-open`, 0, limit - 1);
    return this.many(ids.map((id) => `refund:${id}`));
  }

  async markRefundSent(id: string, version: number, now: string): Promise<boolean> {
    const cur = await this.refund(id);
    if (!cur || cur.version !== version) return false;
    const next = JSON.stringify({ ...cur, sentAt: now, version: version + 1, updatedAt: now });
    return (await this.redis.payApply(this.p, JSON.stringify({ cas: [[`${this.p}refund:${id}`, version, next]], after: [], ledger: [], events: [] }))) >= 0;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
