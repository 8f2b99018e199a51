// Two payment cores on one ledger, as two processes serving one smartapp would run them (each with its
// own connection), against SQLite, Redis and PostgreSQL: racing the same status read, the same outbox
// events and the same refund, exactly one wins each time, and a restarted third finds nothing to redo.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { SmartPayClient } from "../smartpay/client.js";
import { smartPayAdapter, smartPaySnapshot } from "../providers/smartpay.js";
import { invoiceRequest } from "../test-fixtures.js";
import { PaymentCore } from "./core.js";
import type { PaymentEvent } from "./model.js";
import { openLedgerStore } from "./open-store.js";
import { ledgerPlaces, type LedgerPlace } from "./testing/ledger-env.js";

const places = await ledgerPlaces("payment core, two processes");
let sandbox: Sandbox;
let client: SmartPayClient;

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "t" });
});
afterAll(async () => {
  await sandbox.close();
});

for (const { kind, make } of places) {
  describe.skipIf(!make)(`payment core, two processes: ${kind}`, () => {
    let place: LedgerPlace;
    const cores: PaymentCore[] = [];
    const delivered: PaymentEvent[] = [];
    const start = () => {
      const core = new PaymentCore({
        store: openLedgerStore(place.config()),
        adapters: { smartpay: smartPayAdapter(() => client) },
        deliver: async (e) => {
          await new Promise((r) => setTimeout(r, 20)); // a turn takes a while: the other process is dispatching meanwhile
          delivered.push(e);
        },
        refundRetryAfterMs: 0,
      });
      cores.push(core);
      return core;
    };
    afterEach(async () => {
      for (const c of cores.splice(0)) await c.close().catch(() => undefined);
      delivered.length = 0;
      await place.drop();
    });

    it("a payment seen by both: one capture, one payment.succeeded delivered once; one refund for one key; a restart redoes nothing", async () => {
      place = make!();
      const a = start();
      const b = start();
      const req = invoiceRequest();
      const o = req.invoice.order;
      const begin = { userKey: "user-1", provider: "smartpay" as const, account: String(o.service_id), orderId: String(o.order_id), amount: { minor: o.amount, currency: "RUB" }, description: o.description };
      const [x, y] = await Promise.all([a.begin(begin), b.begin(begin)]);
      expect(x.invoice.id).toBe(y.invoice.id);
      expect(x.attempt.id).toBe(y.attempt.id);
      const made = sandbox.core.create(req).invoice;
      const created = smartPaySnapshot({ invoice_id: made.id }, "created")!;
      await Promise.all([a.observe("smartpay.create", { attemptId: x.attempt.id }, created), b.observe("smartpay.create", { attemptId: x.attempt.id }, created)]);

      sandbox.core.setStatus(made.id, "confirmed");
      // Both reconcilers read "confirmed" at the same moment, and a script's checkPayment on each.
      const confirmed = smartPaySnapshot(await client.getInvoice(made.id))!;
      await Promise.all([
        a.reconcileOnce(),
        b.reconcileOnce(),
        a.observe("smartpay.check.a", { provider: "smartpay", providerPaymentId: made.id }, confirmed),
        b.observe("smartpay.check.b", { provider: "smartpay", providerPaymentId: made.id }, confirmed),
      ]);
      expect(await a.store.invoice(x.invoice.id)).toMatchObject({ status: "paid", capturedMinor: o.amount, paidAttemptId: x.attempt.id });
      expect((await b.store.ledger(x.invoice.id)).map((l) => l.kind)).toEqual(["capture"]);

      // Both dispatch at once: the event reaches the dialog once.
      await Promise.all([a.dispatchOnce(), b.dispatchOnce(), a.dispatchOnce(), b.dispatchOnce()]);
      expect(delivered.map((e) => e.name)).toEqual(["payment.succeeded"]);

      // The same refund asked of both processes at once: one record, one SmartPay refund.
      const ask = { payment: made.id, idempotencyKey: "refund-1" };
      const [ra, rb] = await Promise.all([a.refund(ask), b.refund(ask)]);
      expect(ra.refund.id).toBe(rb.refund.id);
      await Promise.all([a.reconcileOnce(), b.reconcileOnce()]);
      expect(sandbox.core.get(made.id).refunds.map((r) => r.amount)).toEqual([o.amount]);
      expect(await a.store.refund(ra.refund.id)).toMatchObject({ status: "succeeded" });
      await Promise.all([a.dispatchOnce(), b.dispatchOnce()]);
      // Once each; two processes may claim the two refund events and finish them in either order
      // (ordering across processes is a known gap: docs/payments.md, "Known gaps").
      expect(delivered[0]!.name).toBe("payment.succeeded");
      expect(delivered.slice(1).map((e) => e.name).sort()).toEqual(["payment.refunded", "refund.succeeded"]);

      // A third process starting later: nothing to replay, nothing to deliver again.
      await a.close();
      const c = start();
      expect(await c.replayInbox()).toBe(0);
      expect(await c.reconcileOnce()).toBe(0);
      expect(await c.dispatchOnce()).toBe(0);
      expect((await c.store.ledger(x.invoice.id)).map((l) => [l.kind, l.amount.minor])).toEqual([
        ["capture", o.amount],
        ["refund", o.amount],
      ]);
    });
  });
}
