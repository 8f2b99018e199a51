// Redis ledger specifics: a ledger written before the order-id index existed is indexed on the first
// lookup by order id, so `smartapp payments show <order>` and refunds by order id still find its payments.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisLedgerStore } from "./store-redis.js";
import { deleteKeys, requireRedis } from "../../storage/testing/redis-env.js";

const url = await requireRedis("Redis ledger store");

describe.skipIf(!url)("RedisLedgerStore: the order-id index", () => {
  const prefix = `smartapp-test:ledger-index:${process.pid}:${randomUUID()}:`;
  afterAll(() => deleteKeys(url!, prefix));

  it("indexes the invoices of a ledger written before the index existed, once", async () => {
    const old = new RedisLedgerStore({ url: url!, prefix });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const n = { id: randomUUID(), attemptId: randomUUID(), userKey: "u", provider: "smartpay" as const, account: "27", orderId: `old-${i}`, amount: { minor: 100, currency: "RUB" }, description: "Слон" };
      ids.push((await old.beginInvoice(n, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())).invoice.id);
    }
    await old.close();
    // What an older release left: the invoices without the index and its mark.
    const raw = new Redis(url!);
    const keys = await raw.keys(`${prefix}pay:order-ids*`);
    expect(keys.length).toBeGreaterThan(0);
    await raw.del(...keys);
    await raw.quit();

    const store = new RedisLedgerStore({ url: url!, prefix });
    try {
      expect((await store.invoiceByOrderId("old-1"))?.id).toBe(ids[1]);
      expect((await store.invoiceByOrderId("old-2", "smartpay"))?.id).toBe(ids[2]);
      expect(await store.invoiceByOrderId("old-2", "yookassa")).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
