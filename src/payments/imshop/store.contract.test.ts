// One contract for webhook acquiring's order stores: the SQLite file of one host, and PostgreSQL and
// Redis beside the ledger must behave the same; "a second process" is a second store on the same place.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ledgerPlaces, type LedgerPlace } from "../core/testing/ledger-env.js";
import { openImshopOrders } from "./open-store.js";
import type { ImshopOrders, NewOrder } from "./store.js";
import path from "node:path";

const places = await ledgerPlaces("imshop store contract");
const T0 = "2026-12-01T10:00:00.000Z";
const order = (extra: Partial<NewOrder> = {}): NewOrder => ({ orderId: `o-${randomUUID().slice(0, 8)}`, amountMinor: 150_000, currency: "RUB", description: "Слон", ...extra });

for (const { kind, make } of places) {
  describe.skipIf(!make)(`imshop store contract: ${kind}`, () => {
    let place: LedgerPlace | undefined;
    const opened: ImshopOrders[] = [];
    const open = (): ImshopOrders => {
      place ??= make!();
      const c = place.config();
      const s = openImshopOrders(c, c.kind === "sqlite" ? path.join(path.dirname(c.file), "imshop.db") : "");
      expect(s.kind).toBe(kind);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await place?.drop();
      place = undefined;
    });

    it("registers once: the same terms are the same order, other terms a conflict, also from another process", async () => {
      const [a, b] = [open(), open()];
      const o = order({ userKey: "sub-u1", receipt: { email: "a@b.ru", items: [] } });
      expect(await a.addOrder(o, T0)).toMatchObject({ created: true, order: { orderId: o.orderId, amountMinor: 150_000, userKey: "sub-u1", try: 0, createdAt: T0, receipt: { email: "a@b.ru" } } });
      expect(await b.addOrder(o, T0)).toMatchObject({ created: false });
      expect(await b.addOrder({ ...o, amountMinor: 1 }, T0)).toMatchObject({ conflict: { amountMinor: 150_000 } });
      expect(await b.addOrder({ ...o, userKey: "sub-other" }, T0)).toMatchObject({ conflict: { userKey: "sub-u1" } });
      expect(await b.order("nope")).toBeUndefined();
      // Two processes registering one new order at once: one creates it, the other sees the same order.
      const p = order();
      const both = await Promise.all([a.addOrder(p, T0), b.addOrder(p, T0)]);
      expect(both.map((r) => ("created" in r ? r.created : "conflict")).sort()).toEqual([false, true]);
      // Read back whole: no owner and no receipt stay absent (not null, not "").
      expect(await b.order(p.orderId)).toEqual({ ...p, try: 0, createdAt: T0 });
    });

    it("the app's order uuid is kept from the first command; a retry's try moves once for one seen try", async () => {
      const [a, b] = [open(), open()];
      const o = order();
      await a.addOrder(o, T0);
      await a.keepOrderUuid(o.orderId, "uuid-1");
      await b.keepOrderUuid(o.orderId, "uuid-2");
      expect((await b.order(o.orderId))!.orderUuid).toBe("uuid-1");
      await b.keepOrderUuid("nope", "uuid-3"); // an unknown order is not made by it
      expect(await a.order("nope")).toBeUndefined();
      const tries = await Promise.all([a.nextTry(o.orderId, 0), b.nextTry(o.orderId, 0)]);
      expect(tries.map((t) => t.try)).toEqual([1, 1]);
      expect((await a.nextTry(o.orderId, 1)).try).toBe(2);
    });

    it("a pending capture is owed once: added twice is one, settled by exactly one process", async () => {
      const [a, b] = [open(), open()];
      await a.addPending("p-1", "o-1", T0);
      await b.addPending("p-1", "o-1", "2026-12-01T10:00:05.000Z");
      await a.addPending("p-2", "o-2", "2026-12-01T10:00:01.000Z");
      expect(await b.pending()).toEqual([
        { paymentId: "p-1", orderId: "o-1", since: T0 },
        { paymentId: "p-2", orderId: "o-2", since: "2026-12-01T10:00:01.000Z" },
      ]);
      const settled = await Promise.all([a.settle("p-1", T0), b.settle("p-1", T0)]);
      expect(settled.filter(Boolean)).toHaveLength(1);
      expect((await a.pending()).map((p) => p.paymentId)).toEqual(["p-2"]);
    });
  });
}
