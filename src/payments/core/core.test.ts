// The payment core against the real SmartPay sandbox: write-ahead, CAS transitions, the ledger and
// events once per (payment, status), the inbox replayed after a stop, orphans adopted or canceled.
import { mkdtempSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { SmartPayClient } from "../smartpay/client.js";
import { smartPayAdapter, smartPaySnapshot } from "../providers/smartpay.js";
import { invoiceRequest } from "../test-fixtures.js";
import { DeliveryDeferred, PaymentCore } from "./core.js";
import { planSnapshot } from "./machine.js";
import type { PaymentEvent } from "./model.js";
import { PaymentStore } from "./store.js";

let sandbox: Sandbox;
let client: SmartPayClient;
const dir = mkdtempSync(path.join(tmpdir(), "pay-core-"));

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "t" });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeCore(file = ":memory:", opts: { orphanCancelAfterMs?: number } = {}) {
  const delivered: PaymentEvent[] = [];
  const core = new PaymentCore({
    store: new PaymentStore(file),
    adapters: { smartpay: smartPayAdapter(() => client) },
    deliver: async (e) => void delivered.push(e),
    ...opts,
  });
  return { core, delivered };
}

/** A SmartPay invoice made in the sandbox, and its write-ahead rows in the core. */
async function order(core: PaymentCore, user = "user-1") {
  const req = invoiceRequest();
  const o = req.invoice.order;
  const begun = await core.begin({ userKey: user, provider: "smartpay", account: String(o.service_id), orderId: String(o.order_id), amount: { minor: o.amount, currency: "RUB" }, description: o.description });
  return { req, ...begun };
}

/** One order per user, each created in the core and paid in the sandbox (the core learns it when it reconciles). */
async function paidInSandbox(core: PaymentCore, users: string[]): Promise<void> {
  for (const user of users) {
    const { req, attempt } = await order(core, user);
    const made = sandbox.core.create(req).invoice;
    await core.observe("smartpay.create", { attemptId: attempt.id }, smartPaySnapshot({ invoice_id: made.id }, "created")!);
    sandbox.core.setStatus(made.id, "confirmed");
  }
}

describe("payment core", () => {
  it("one invoice per order; a paid SmartPay invoice is one capture and one payment.succeeded however often it is seen", async () => {
    const { core, delivered } = makeCore();
    const { req, attempt, invoice } = await order(core);
    expect((await core.begin({ userKey: "user-1", provider: "smartpay", account: invoice.account, orderId: invoice.orderId, amount: invoice.amount, description: "" })).attempt.id).toBe(attempt.id);
    const made = sandbox.core.create(req).invoice;
    await core.observe("smartpay.create", { attemptId: attempt.id }, smartPaySnapshot({ invoice_id: made.id }, "created")!);
    expect(await core.store.attempt(attempt.id)).toMatchObject({ status: "pending", providerPaymentId: made.id });

    sandbox.core.setStatus(made.id, "confirmed");
    expect(await core.reconcileOnce()).toBe(1);
    // The same truth again, from a script's checkPayment and another poll: nothing new.
    await core.observe("smartpay.check", { provider: "smartpay", providerPaymentId: made.id }, smartPaySnapshot(await client.getInvoice(made.id))!);
    await core.reconcileOnce();
    expect(await core.store.invoice(invoice.id)).toMatchObject({ status: "paid", paidAttemptId: attempt.id, capturedMinor: req.invoice.order.amount });
    expect((await core.store.ledger(invoice.id)).map((l) => [l.kind, l.amount.minor])).toEqual([["capture", req.invoice.order.amount]]);
    expect(await core.dispatchOnce()).toBe(1);
    expect(await core.dispatchOnce()).toBe(0);
    expect(delivered.map((e) => [e.userKey, e.name, e.payload.providerPaymentId])).toEqual([["user-1", "payment.succeeded", made.id]]);

    // A full refund: a refund fact and a refund.succeeded, the invoice stays paid.
    const amount = req.invoice.order.amount;
    sandbox.core.refund(made.id, { invoice: { order: { refund_amount: amount, order_bundle: req.invoice.order.order_bundle } } });
    await core.reconcileOnce(); // succeeded is final: the reconciler no longer asks
    await core.observe("smartpay.check", { provider: "smartpay", providerPaymentId: made.id }, smartPaySnapshot(await client.getInvoice(made.id))!);
    await core.dispatchOnce();
    expect(delivered.map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "payment.refunded"]);
    expect(await core.store.invoice(invoice.id)).toMatchObject({ status: "paid", refundedMinor: req.invoice.order.amount });
  });

  // Fifth red-team round: events were delivered one at a time, and an event turn waits in its
  // user's queue, so one user's slow turns (a $http call, 64 turns queued) held up every user's events.
  it("one user's slow event turn does not hold up other users' events", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const delivered: string[] = [];
    const core = new PaymentCore({
      store: new PaymentStore(":memory:"),
      adapters: { smartpay: smartPayAdapter(() => client) },
      deliver: async (e) => {
        if (e.userKey === "slow-user") await held;
        delivered.push(e.userKey);
      },
    });
    await paidInSandbox(core, ["slow-user", "other-user"]);
    expect(await core.reconcileOnce()).toBe(2);
    const dispatching = core.dispatchOnce();
    await vi.waitFor(() => expect(delivered).toEqual(["other-user"]));
    release();
    expect(await dispatching).toBe(2);
    expect(delivered).toEqual(["other-user", "slow-user"]);
  });

  it("a store failing for one user's event ends the pass only after the other users' deliveries ended", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const badIds = new Set<number>();
    class FailingStore extends PaymentStore {
      override async delivered(id: number, now: string): Promise<void> {
        if (badIds.has(id)) throw new Error("disk full");
        return super.delivered(id, now);
      }
      override async deliveryFailed(id: number, error: string, nextAt: number, countTry?: boolean): Promise<void> {
        if (badIds.has(id)) throw new Error("disk full");
        return super.deliveryFailed(id, error, nextAt, countTry);
      }
    }
    const delivered: string[] = [];
    const core = new PaymentCore({
      store: new FailingStore(":memory:"),
      adapters: { smartpay: smartPayAdapter(() => client) },
      deliver: async (e) => {
        if (e.userKey === "bad-user") badIds.add(e.id);
        if (e.userKey === "slow-user") await held;
        delivered.push(e.userKey);
      },
    });
    await paidInSandbox(core, ["bad-user", "slow-user"]);
    expect(await core.reconcileOnce()).toBe(2);
    let settled = false;
    const dispatching = core.dispatchOnce().finally(() => (settled = true));
    dispatching.catch(() => undefined);
    await vi.waitFor(() => expect(delivered).toEqual(["bad-user"]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    release();
    await expect(dispatching).rejects.toThrow("disk full");
    expect(delivered).toEqual(["bad-user", "slow-user"]);
    expect((await core.store.events()).filter((e) => e.deliveredAt !== undefined).map((e) => e.userKey)).toEqual(["slow-user"]);
  });

  // Fifth red-team round: an event turn the server refused for being full (503, or the user's own
  // queue full: 429) counted as a failed delivery, and each refusal doubled the wait up to an hour.
  it("an event the server could not take now (DeliveryDeferred) is tried again soon, however often it was deferred", async () => {
    let clock = Date.now();
    let full = true;
    const delivered: string[] = [];
    const core = new PaymentCore({
      store: new PaymentStore(":memory:"),
      adapters: { smartpay: smartPayAdapter(() => client) },
      now: () => clock,
      deliver: async (e) => {
        if (full) throw new DeliveryDeferred("1000 turns are already waiting for a worker; try again", 1000);
        delivered.push(e.name);
      },
    });
    await paidInSandbox(core, ["user-1"]);
    await core.reconcileOnce();
    for (let i = 0; i < 8; i++) {
      expect(await core.dispatchOnce()).toBe(0);
      const [event] = await core.store.events();
      expect(event!.nextAt - clock).toBe(1000);
      clock += 1000;
    }
    // Deferrals are no failed tries: a real failure after them waits as its first failure would.
    expect((await core.store.events())[0]!.tries).toBe(0);
    full = false;
    expect(await core.dispatchOnce()).toBe(1);
    expect(delivered).toEqual(["payment.succeeded"]);
  });

  it("stale and conflicting inputs never move an attempt down", async () => {
    const { core } = makeCore();
    const { attempt, invoice } = await order(core);
    await core.observe("t", { attemptId: attempt.id }, { status: "succeeded", providerStatus: "confirmed", providerPaymentId: "9" });
    const after = await core.observe("t", { attemptId: attempt.id }, { status: "pending", providerStatus: "executed" });
    expect(after).toMatchObject({ applied: false, note: "stale: pending after succeeded" });
    const conflict = await core.observe("t", { attemptId: attempt.id }, { status: "canceled", providerStatus: "cancelled" });
    expect(conflict.note).toBe("conflict: canceled while succeeded");
    expect((await core.store.invoice(invoice.id))!.status).toBe("paid");
  });

  it("transitions are compare-and-set: a plan made from an old version is refused", async () => {
    const { core } = makeCore();
    const { attempt, invoice } = await order(core);
    const old = { invoice: (await core.store.invoice(invoice.id))!, attempt: (await core.store.attempt(attempt.id))! };
    await core.observe("t", { attemptId: attempt.id }, { status: "pending", providerStatus: "created", providerPaymentId: "77" });
    const plan = planSnapshot(old.invoice, old.attempt, { status: "succeeded", providerStatus: "confirmed" });
    await expect(core.store.applyPlan(old.invoice, old.attempt, plan, new Date().toISOString())).rejects.toThrow("changed meanwhile");
    expect(await core.store.ledger(invoice.id)).toEqual([]);
  });

  it("an orphan (the create had no answer) is adopted by order, or canceled when SmartPay never made it", async () => {
    const { core, delivered } = makeCore(":memory:", { orphanCancelAfterMs: 0 });
    const made = await order(core);
    const inv = sandbox.core.create(made.req).invoice; // SmartPay made it; our create never heard back
    const never = await order(core, "user-2");
    await core.reconcileOnce();
    expect(await core.store.attempt(made.attempt.id)).toMatchObject({ status: "pending", providerPaymentId: inv.id });
    expect(await core.store.attempt(never.attempt.id)).toMatchObject({ status: "canceled", cancelCategory: "technical" });
    await core.dispatchOnce();
    expect(delivered.map((e) => [e.userKey, e.name])).toEqual([["user-2", "payment.canceled"]]);
  });

  it("after a stop: stored inputs are applied and undelivered events delivered, each once", async () => {
    const file = path.join(dir, "restart.db");
    const first = makeCore(file);
    const { attempt, invoice } = await order(first.core);
    await first.core.observe("t", { attemptId: attempt.id }, { status: "succeeded", providerStatus: "confirmed", providerPaymentId: "555" });
    // An input stored but not applied when the process died:
    await first.core.store.inbox("t", "late", { ref: { attemptId: attempt.id }, snapshot: { status: "succeeded", providerStatus: "refunded", refundedMinor: invoice.amount.minor } }, new Date().toISOString());
    await first.core.store.close();

    const second = makeCore(file);
    expect(await second.core.replayInbox()).toBe(1);
    await second.core.dispatchOnce();
    expect(second.delivered.map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "payment.refunded"]);
    await second.core.close();
    const third = makeCore(file);
    expect(await third.core.replayInbox()).toBe(0);
    expect(await third.core.dispatchOnce()).toBe(0);
    await third.core.close();
  });

  it("a failed delivery is retried later, not lost", async () => {
    let fail = true;
    const seen: string[] = [];
    let now = Date.now();
    const core = new PaymentCore({
      store: new PaymentStore(":memory:"),
      adapters: {},
      now: () => now,
      deliver: async (e) => {
        if (fail) throw new Error("worker busy");
        seen.push(e.name);
      },
    });
    const { attempt } = await order(core);
    await core.observe("t", { attemptId: attempt.id }, { status: "canceled", providerStatus: "cancelled", providerPaymentId: "1" });
    expect(await core.dispatchOnce()).toBe(0);
    fail = false;
    expect(await core.dispatchOnce()).toBe(0); // not due yet
    now += 1_500;
    expect(await core.dispatchOnce()).toBe(1);
    expect(seen).toEqual(["payment.canceled"]);
  });
});

describe("findPayment", () => {
  // It read the newest 100,000 invoices and searched them for the order id: an older order of a
  // busy ledger was "no payment", so neither `$payment.refundPayment(orderId)` nor the CLI found it.
  it("finds a payment by its order id however many invoices came after it", async () => {
    const file = path.join(dir, "many.db");
    const { core } = makeCore(file);
    try {
      const first = await core.begin({ userKey: "u", provider: "smartpay", account: "27", orderId: "order-first", amount: { minor: 100, currency: "RUB" }, description: "" });
      // 100,000 newer invoices, written straight into the same file (one transaction, not 100,000 begins).
      const db = new Database(file);
      const insert = db.prepare(
        "INSERT INTO pay_invoices (id, user_key, provider, account, order_id, amount_minor, currency, description, status, version, created_at, updated_at) VALUES (?, 'u', 'smartpay', '27', ?, 100, 'RUB', '', 'open', 1, ?, ?)",
      );
      db.transaction(() => {
        for (let i = 0; i < 100_000; i++) insert.run(`inv-${i}`, `order-${i}`, "2099-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z");
      })();
      db.close();
      expect((await core.findPayment("order-first"))?.id).toBe(first.invoice.id);
      expect((await core.findPayment("order-first", "smartpay"))?.id).toBe(first.invoice.id);
      expect(await core.findPayment("order-first", "yookassa")).toBeUndefined();
      expect((await core.findPayment("order-99999"))?.id).toBe("inv-99999");
    } finally {
      await core.close();
    }
  }, 60_000);
});
