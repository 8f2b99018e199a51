// One contract for every ledger store (docs/payments.md, "Stores"): SQLite, Redis and PostgreSQL must
// behave the same. Each case opens its own place (a temp file, a key prefix, a schema); "a second
// process" is a second store on the same place, with its own connection.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { planRefund, planSnapshot, type Plan } from "./machine.js";
import type { PaymentInvoice } from "./model.js";
import { openLedgerStore } from "./open-store.js";
import { StaleVersionError, type LedgerStore, type NewInvoice } from "./store-types.js";
import { ledgerPlaces, type LedgerPlace } from "./testing/ledger-env.js";

const places = await ledgerPlaces("ledger store contract");
const T0 = "2026-01-01T10:00:00.000Z";
const at = (s: number): string => new Date(Date.parse(T0) + s * 1000).toISOString();

const newInvoice = (orderId: string = randomUUID()): NewInvoice => ({
  id: randomUUID(),
  attemptId: randomUUID(),
  userKey: "user-1",
  provider: "smartpay",
  account: "27",
  orderId,
  amount: { minor: 10_000, currency: "RUB" },
  description: "Слон",
});

for (const { kind, make } of places) {
  describe.skipIf(!make)(`ledger store contract: ${kind}`, () => {
    let place: LedgerPlace;
    let opened: LedgerStore[] = [];
    const open = (): LedgerStore => {
      place ??= make!();
      const s = openLedgerStore(place.config());
      opened.push(s);
      return s;
    };
    const fresh = () => {
      place = make!();
      return open();
    };
    afterEach(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      opened = [];
      await place?.drop();
    });

    /** An invoice paid by its attempt (SmartPay confirmed), as the core would leave it. */
    async function paid(store: LedgerStore, orderId?: string): Promise<PaymentInvoice> {
      const { invoice, attempt } = await store.beginInvoice(newInvoice(orderId), at(0));
      await store.applyPlan(invoice, attempt, planSnapshot(invoice, attempt, { status: "succeeded", providerStatus: "confirmed", providerPaymentId: `sp-${randomUUID()}` }), at(1));
      return (await store.invoice(invoice.id))!;
    }

    it("an order begins once: the same order again (another process, a restart) finds the same invoice and attempt", async () => {
      const a = fresh();
      const n = newInvoice();
      const first = await a.beginInvoice(n, at(0));
      expect(first).toMatchObject({ created: true, invoice: { id: n.id, status: "open", version: 1, amount: n.amount }, attempt: { id: n.attemptId, status: "created" } });
      const b = open();
      const again = await b.beginInvoice({ ...n, id: randomUUID(), attemptId: randomUUID() }, at(1));
      expect(again).toMatchObject({ created: false, invoice: { id: n.id }, attempt: { id: n.attemptId } });
      await a.close();
      const c = open();
      expect((await c.findByOrder("smartpay", "27", n.orderId))?.id).toBe(n.id);
      expect((await c.beginInvoice({ ...n, id: randomUUID(), attemptId: randomUUID() }, at(2))).created).toBe(false);
      expect(await c.invoices()).toHaveLength(1);
      expect((await c.attemptsOf(n.id)).map((x) => x.id)).toEqual([n.attemptId]);
    });

    it("an invoice is found by its order id alone: the newest with it (of a provider when named), also after a restart", async () => {
      const a = fresh();
      const old = { ...newInvoice("o-1"), account: "27" };
      const yk: NewInvoice = { ...newInvoice("o-1"), provider: "yookassa", account: "shop" };
      const newest = { ...newInvoice("o-1"), account: "28" };
      await a.beginInvoice(old, at(0));
      await a.beginInvoice(yk, at(1));
      await a.beginInvoice(newest, at(2));
      for (let i = 0; i < 3; i++) await a.beginInvoice(newInvoice(`o-1:${i}`), at(3 + i));
      const check = async (s: LedgerStore) => {
        expect((await s.invoiceByOrderId("o-1"))?.id).toBe(newest.id);
        expect((await s.invoiceByOrderId("o-1", "smartpay"))?.id).toBe(newest.id);
        expect((await s.invoiceByOrderId("o-1", "yookassa"))?.id).toBe(yk.id);
        expect((await s.invoiceByOrderId("o-1:2"))?.orderId).toBe("o-1:2");
        expect(await s.invoiceByOrderId("o-2")).toBeUndefined();
        expect(await s.invoiceByOrderId("o-1:0", "yookassa")).toBeUndefined();
      };
      await check(a);
      await a.close();
      await check(open());
    });

    it("two processes beginning the same order at once: one invoice, one attempt", async () => {
      const a = fresh();
      const b = open();
      const n = newInvoice();
      const [x, y] = await Promise.all([a.beginInvoice(n, at(0)), b.beginInvoice({ ...n, id: randomUUID(), attemptId: randomUUID() }, at(0))]);
      expect([x.created, y.created].sort()).toEqual([false, true]);
      expect(x.invoice.id).toBe(y.invoice.id);
      expect(x.attempt.id).toBe(y.attempt.id);
      expect(await a.attemptsOf(x.invoice.id)).toHaveLength(1);
    });

    it("a plan applies by compare-and-set: rows, ledger and outbox together; a plan from an old version writes nothing", async () => {
      const s = fresh();
      const { invoice, attempt } = await s.beginInvoice(newInvoice(), at(0));
      const pending = planSnapshot(invoice, attempt, { status: "pending", providerStatus: "created", providerPaymentId: "sp-1" });
      await s.applyPlan(invoice, attempt, pending, at(1));
      expect(await s.attempt(attempt.id)).toMatchObject({ status: "pending", providerPaymentId: "sp-1", version: 2, syncedAt: at(1) });
      expect((await s.attemptByProviderId("smartpay", "sp-1"))?.id).toBe(attempt.id);
      // The old rows again: refused, and nothing of the plan is written.
      const late = planSnapshot(invoice, attempt, { status: "succeeded", providerStatus: "confirmed", providerPaymentId: "sp-1" });
      await expect(s.applyPlan(invoice, attempt, late, at(2))).rejects.toBeInstanceOf(StaleVersionError);
      expect(await s.ledger(invoice.id)).toEqual([]);
      expect(await s.events(invoice.id)).toEqual([]);
      expect((await s.invoice(invoice.id))!.status).toBe("open");
      // From the current rows it applies: invoice paid, one capture, one event.
      const inv2 = (await s.invoice(invoice.id))!;
      const att2 = (await s.attempt(attempt.id))!;
      expect(await s.applyPlan(inv2, att2, planSnapshot(inv2, att2, { status: "succeeded", providerStatus: "confirmed" }), at(3))).toEqual({ events: 1 });
      expect(await s.invoice(invoice.id)).toMatchObject({ status: "paid", paidAttemptId: attempt.id, capturedMinor: 10_000, version: 2 });
      expect((await s.ledger(invoice.id)).map((l) => [l.kind, l.amount.minor, l.at])).toEqual([["capture", 10_000, at(3)]]);
      expect((await s.events(invoice.id)).map((e) => [e.name, e.userKey, e.payload.providerPaymentId, e.tries, e.deliveredAt])).toEqual([["payment.succeeded", "user-1", "sp-1", 0, undefined]]);
      expect(await s.openAttempts()).toEqual([]);
    });

    it("the same money fact and the same event key are written once, whatever plan carries them", async () => {
      const s = fresh();
      const { invoice, attempt } = await s.beginInvoice(newInvoice(), at(0));
      const plan: Plan = {
        ledger: [{ invoiceId: invoice.id, attemptId: attempt.id, kind: "capture", amount: { minor: 5, currency: "RUB" }, providerObjectId: "obj-1" }],
        events: [{ key: `${invoice.id}:payment.succeeded`, name: "payment.succeeded", payload: { list: [], n: 1 } }],
      };
      expect(await s.applyPlan(invoice, attempt, plan, at(1))).toEqual({ events: 1 });
      expect(await s.applyPlan(invoice, attempt, plan, at(2))).toEqual({ events: 0 });
      expect(await s.ledger()).toHaveLength(1);
      const events = await s.events();
      expect(events).toHaveLength(1);
      expect(events[0]!.payload).toEqual({ list: [], n: 1 }); // the payload comes back as written
    });

    it("the inbox: stored before it is acted on, a repeat is recognised, unprocessed entries survive a restart", async () => {
      const s = fresh();
      const id = await s.inbox("smartpay.poll", "k1", { ref: { attemptId: "a" }, list: [1, 2] }, at(0));
      expect(id).toBeTypeOf("number");
      expect(await s.inbox("smartpay.poll", "k1", { other: true }, at(1))).toBeUndefined();
      const id2 = (await s.inbox("smartpay.poll", "k2", null, at(2)))!;
      await s.inboxDone(id2, at(3), "applied");
      await s.close();
      const again = open();
      expect((await again.unprocessedInbox()).map((e) => [e.id, e.source, e.dedupKey, e.body])).toEqual([[id, "smartpay.poll", "k1", { ref: { attemptId: "a" }, list: [1, 2] }]]);
      await again.inboxDone(id!, at(4));
      expect(await again.unprocessedInbox()).toEqual([]);
    });

    it("the outbox: a claimed event is nobody else's until its lease ends; delivered is never due again; a failure is due at its next try", async () => {
      const s = fresh();
      const { invoice, attempt } = await s.beginInvoice(newInvoice(), at(0));
      const events = ["payment.authorized", "payment.canceled"].map((name) => ({ key: `${invoice.id}:${name}`, name: name as "payment.canceled", payload: {} }));
      await s.applyPlan(invoice, attempt, { ledger: [], events }, at(0));
      const now = Date.parse(at(0));
      // One invoice's events go one at a time, in order: the second waits until the first is delivered.
      const [first, ...none] = await s.claimDueEvents(now, 60_000);
      expect([first!.name, none]).toEqual(["payment.authorized", []]);
      expect(await s.claimDueEvents(now + 1000, 60_000)).toEqual([]);
      await s.delivered(first!.id, at(1));
      const [second] = await s.claimDueEvents(now + 1000, 60_000);
      expect(second!.name).toBe("payment.canceled");
      const claimed = [first!, second!];
      await s.deliveryFailed(claimed[1]!.id, "worker busy", now + 5_000);
      expect(await s.claimDueEvents(now + 4_000, 60_000)).toEqual([]);
      const retry = await s.claimDueEvents(now + 5_000, 60_000);
      expect(retry.map((e) => [e.name, e.tries, e.lastError])).toEqual([["payment.canceled", 1, "worker busy"]]);
      // A deferral (the server was full) reschedules without counting a try.
      await s.deliveryFailed(claimed[1]!.id, "server full", now + 6_000, false);
      const deferred = await s.claimDueEvents(now + 6_000, 60_000);
      expect(deferred.map((e) => [e.name, e.tries, e.lastError])).toEqual([["payment.canceled", 1, "server full"]]);
      // The claimer died: after the lease the event is due again (for a restarted process).
      const reopened = open();
      expect((await reopened.claimDueEvents(now + 66_000, 60_000)).map((e) => e.name)).toEqual(["payment.canceled"]);
      const all = await reopened.events(invoice.id);
      expect(all.map((e) => [e.name, e.deliveredAt !== undefined])).toEqual([
        ["payment.authorized", true],
        ["payment.canceled", false],
      ]);
    });

    it("two processes racing the same transition: exactly one wins, the money is counted once", async () => {
      const a = fresh();
      const b = open();
      const { invoice, attempt } = await a.beginInvoice(newInvoice(), at(0));
      const snap = { status: "succeeded" as const, providerStatus: "confirmed", providerPaymentId: "sp-race" };
      const results = await Promise.allSettled([a.applyPlan(invoice, attempt, planSnapshot(invoice, attempt, snap), at(1)), b.applyPlan(invoice, attempt, planSnapshot(invoice, attempt, snap), at(1))]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StaleVersionError);
      expect(await b.ledger(invoice.id)).toHaveLength(1);
      expect(await b.events(invoice.id)).toHaveLength(1);
      expect(await b.invoice(invoice.id)).toMatchObject({ status: "paid", version: 2, capturedMinor: 10_000 });
    });

    it("two processes claiming the outbox at once: every event goes to exactly one of them", async () => {
      const a = fresh();
      const b = open();
      for (let i = 0; i < 20; i++) {
        const { invoice, attempt } = await a.beginInvoice(newInvoice(), at(0));
        await a.applyPlan(invoice, attempt, { ledger: [], events: [{ key: `${invoice.id}:e${i}`, name: "payment.succeeded" as const, payload: { i } }] }, at(0));
      }
      const now = Date.parse(at(0));
      const rounds = await Promise.all([a.claimDueEvents(now, 60_000, 7), b.claimDueEvents(now, 60_000, 7), a.claimDueEvents(now, 60_000, 7), b.claimDueEvents(now, 60_000, 7)]);
      const ids = rounds.flat().map((e) => e.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it("two processes dispatching one invoice's events: each once, in order (its next event waits for the one before)", async () => {
      const a = fresh();
      const b = open();
      const { invoice, attempt } = await a.beginInvoice(newInvoice(), at(0));
      const events = Array.from({ length: 6 }, (_, i) => ({ key: `${invoice.id}:e${i}`, name: "payment.succeeded" as const, payload: { i } }));
      await a.applyPlan(invoice, attempt, { ledger: [], events }, at(0));
      const now = Date.parse(at(0));
      const order: number[] = [];
      // Workers poll until every event is delivered or a deadline passes: a round count ran out on a
      // quiet machine, where a worker's claims (nothing due while another holds the head event) are
      // faster than the other's delivery.
      const deadline = Date.now() + 10_000;
      const worker = async (s: LedgerStore) => {
        while (order.length < 6 && Date.now() < deadline) {
          const claimed = await s.claimDueEvents(now, 60_000, 2);
          if (claimed.length === 0) await new Promise((r) => setTimeout(r, 1));
          for (const e of claimed) {
            await new Promise((r) => setTimeout(r, Math.random() * 5));
            order.push(e.payload.i as number);
            await s.delivered(e.id, at(1));
          }
        }
      };
      await Promise.all([worker(a), worker(b), worker(a)]);
      expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it("refunds: written once per key, by compare-and-set on the invoice; a second refund decided from the same totals is refused", async () => {
      const a = fresh();
      const b = open();
      const inv = await paid(a);
      const attemptId = inv.paidAttemptId!;
      const r = (key: string, minor: number) => ({ id: randomUUID(), invoiceId: inv.id, attemptId, amount: { minor, currency: "RUB" }, idempotencyKey: key, request: { invoice: { order: { order_bundle: [] } } } });
      const first = await a.insertRefund(r("k1", 3000), inv.version, at(2));
      expect(first).toMatchObject({ created: true, refund: { status: "requested", amount: { minor: 3000 }, idempotencyKey: "k1", version: 1, request: { invoice: { order: { order_bundle: [] } } } } });
      // The same key: the same refund, from any process, whatever version the caller read.
      expect(await b.insertRefund(r("k1", 3000), inv.version, at(3))).toMatchObject({ created: false, refund: { id: first.refund.id } });
      // Another key decided from the old invoice version: refused.
      await expect(b.insertRefund(r("k2", 7000), inv.version, at(3))).rejects.toBeInstanceOf(StaleVersionError);
      // Two at once from the current version: exactly one is written.
      const cur = (await a.invoice(inv.id))!;
      expect(cur.version).toBe(inv.version + 1);
      const race = await Promise.allSettled([a.insertRefund(r("k3", 1000), cur.version, at(4)), b.insertRefund(r("k4", 1000), cur.version, at(4))]);
      expect(race.filter((x) => x.status === "fulfilled")).toHaveLength(1);
      expect((await a.refundsOf(inv.id)).map((x) => x.idempotencyKey).sort()).toEqual(race[0]!.status === "fulfilled" ? ["k1", "k3"] : ["k1", "k4"]);
      expect((await b.refundByKey(inv.id, "k1"))?.id).toBe(first.refund.id);
      expect((await b.openRefunds()).length).toBe(2);
    });

    it("a refund's outcome: sent by compare-and-set, then succeeded with its money fact and events, once", async () => {
      const s = fresh();
      const inv = await paid(s);
      const att = (await s.attempt(inv.paidAttemptId!))!;
      const { refund } = await s.insertRefund({ id: randomUUID(), invoiceId: inv.id, attemptId: att.id, amount: { minor: 10_000, currency: "RUB" }, idempotencyKey: "all", request: {} }, inv.version, at(2));
      const other = open();
      expect(await s.markRefundSent(refund.id, refund.version, at(3))).toBe(true);
      expect(await other.markRefundSent(refund.id, refund.version, at(3))).toBe(false); // the other process does not send it too
      const sent = (await s.refund(refund.id))!;
      expect(sent).toMatchObject({ sentAt: at(3), version: 2, status: "requested" });
      const invNow = (await s.invoice(inv.id))!;
      const plan = planRefund(invNow, att, sent, await s.refundsOf(inv.id), { status: "succeeded", providerRefundId: "r-1" });
      await s.applyPlan(invNow, att, plan, at(4));
      await expect(other.applyPlan(invNow, att, plan, at(4))).rejects.toBeInstanceOf(StaleVersionError);
      expect(await s.refund(refund.id)).toMatchObject({ status: "succeeded", providerRefundId: "r-1", version: 3 });
      expect(await s.invoice(inv.id)).toMatchObject({ status: "paid", refundedMinor: 10_000 });
      expect((await s.ledger(inv.id)).map((l) => [l.kind, l.amount.minor])).toEqual([
        ["capture", 10_000],
        ["refund", 10_000],
      ]);
      expect((await s.events(inv.id)).map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "payment.refunded"]);
      expect(await s.openRefunds()).toEqual([]);
    });

    it("YooKassa's attempt fields: the link and the saved method ride with a transition, and survive a restart", async () => {
      const s = fresh();
      const { invoice, attempt } = await s.beginInvoice({ ...newInvoice(), provider: "yookassa", account: "shop" }, at(0));
      const pending = planSnapshot(invoice, attempt, { providerPaymentId: "yk-1", status: "pending", providerStatus: "pending", confirmationUrl: "https://pay/1" });
      await s.applyPlan(invoice, attempt, pending, at(1));
      const a1 = (await s.attempt(attempt.id))!;
      expect(a1).toMatchObject({ status: "pending", confirmationUrl: "https://pay/1", version: 2 });
      const inv1 = (await s.invoice(invoice.id))!;
      const paidPlan = planSnapshot(inv1, a1, { providerPaymentId: "yk-1", status: "succeeded", providerStatus: "succeeded", capturedMinor: 10_000, paymentMethod: { id: "pm-1", saved: true } });
      await s.applyPlan(inv1, a1, paidPlan, at(2));
      await s.close();
      const again = open();
      expect(await again.attempt(attempt.id)).toMatchObject({ status: "succeeded", confirmationUrl: "https://pay/1", paymentMethodId: "pm-1", paymentMethodSaved: true });
      expect((await again.attemptByProviderId("yookassa", "yk-1"))?.id).toBe(attempt.id);
      expect((await again.events(invoice.id))[0]!.payload).toMatchObject({ paymentMethod: { id: "pm-1", saved: true } });
    });

    it("a create's key is kept with the attempt: the first one sticks, also when two processes keep one at once", async () => {
      const a = fresh();
      const b = open();
      const { attempt } = await a.beginInvoice({ ...newInvoice(), provider: "yookassa", account: "shop" }, at(0));
      const [x, y] = await Promise.all([a.keepCreateRequest(attempt.id, "k-a", "h-a"), b.keepCreateRequest(attempt.id, "k-b", "h-b")]);
      expect(x).toEqual(y);
      expect([["k-a", "h-a"], ["k-b", "h-b"]]).toContainEqual([x.idempotenceKey, x.requestHash]);
      expect(await a.keepCreateRequest(attempt.id, "k-c", "h-c")).toEqual(x);
      const now = (await b.attempt(attempt.id))!;
      expect(now).toMatchObject({ idempotenceKey: x.idempotenceKey, requestHash: x.requestHash, status: "created" });
      expect(now.version).toBeGreaterThan(attempt.version); // a plan made before the key was kept is stale
      const inv = (await a.invoice(attempt.invoiceId))!;
      await expect(a.applyPlan(inv, attempt, planSnapshot(inv, attempt, { providerPaymentId: "yk-2", status: "pending", providerStatus: "pending" }), at(1))).rejects.toBeInstanceOf(StaleVersionError);
      // Planned from the current row, the transition keeps the key.
      await a.applyPlan(inv, now, planSnapshot(inv, now, { providerPaymentId: "yk-2", status: "pending", providerStatus: "pending" }), at(1));
      expect(await b.attempt(attempt.id)).toMatchObject({ status: "pending", idempotenceKey: x.idempotenceKey });
    });

    it("the 54-FZ receipt sent with a create is stored with the attempt once, and survives transitions and a restart", async () => {
      const s = fresh();
      const { invoice, attempt } = await s.beginInvoice({ ...newInvoice(), provider: "yookassa", account: "shop" }, at(0));
      const receipt = { customer: { email: "buyer@example.com" }, items: [{ description: "Слон", quantity: "1.00", amount: { value: "100.00", currency: "RUB" }, vat_code: 1, payment_mode: "full_payment", payment_subject: "commodity" }] };
      await s.keepCreateRequest(attempt.id, "k-1", "h-1", receipt);
      await s.keepCreateRequest(attempt.id, "k-2", "h-2", { items: [] }); // the first one sticks
      const kept = (await s.attempt(attempt.id))!;
      expect(kept.receipt).toEqual(receipt);
      await s.applyPlan(invoice, kept, planSnapshot(invoice, kept, { providerPaymentId: "yk-r", status: "succeeded", providerStatus: "succeeded", capturedMinor: 10_000 }), at(1));
      await s.close();
      expect(await open().attempt(attempt.id)).toMatchObject({ status: "succeeded", receipt });
      const plain = await open().beginInvoice({ ...newInvoice(), provider: "yookassa", account: "shop" }, at(2));
      await open().keepCreateRequest(plain.attempt.id, "k-3", "h-3");
      expect((await open().attempt(plain.attempt.id))!.receipt).toBeUndefined();
    });

    it("a refund keeps the caller's terms hash and the provider's own key, and its provider refund id when it fails", async () => {
      const s = fresh();
      const inv = await paid(s);
      const att = (await s.attempt(inv.paidAttemptId!))!;
      const n = { id: randomUUID(), invoiceId: inv.id, attemptId: att.id, amount: { minor: 4000, currency: "RUB" }, idempotencyKey: "id:r-1", request: { amount: { value: "40.00", currency: "RUB" } }, requestHash: "h1", providerIdempotenceKey: "rf:x" };
      const { refund } = await s.insertRefund(n, inv.version, at(2));
      expect(refund).toMatchObject({ requestHash: "h1", providerIdempotenceKey: "rf:x", status: "requested" });
      const other = open();
      expect(await other.insertRefund({ ...n, id: randomUUID(), requestHash: "h2", providerIdempotenceKey: "rf:y" }, inv.version + 1, at(3))).toMatchObject({ created: false, refund: { id: refund.id, requestHash: "h1", providerIdempotenceKey: "rf:x" } });
      const invNow = (await s.invoice(inv.id))!;
      await s.applyPlan(invNow, att, planRefund(invNow, att, refund, [refund], { status: "failed", error: "canceled: insufficient_funds", providerRefundId: "yk-rf-1" }), at(4));
      expect(await other.refund(refund.id)).toMatchObject({ status: "failed", providerRefundId: "yk-rf-1", error: "canceled: insufficient_funds", requestHash: "h1" });
      expect((await other.events(inv.id)).map((e) => e.name)).toEqual(["payment.succeeded", "refund.failed"]);
    });
  });
}
