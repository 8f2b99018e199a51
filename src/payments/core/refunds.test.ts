// Refunds through the payment core against the real SmartPay sandbox: written before SmartPay is
// called, once per idempotency key, never past the captured money, finished by the reconciler after
// a stop, and never sent twice.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { SmartPayClient } from "../smartpay/client.js";
import { smartPayAdapter, smartPaySnapshot } from "../providers/smartpay.js";
import { invoiceRequest, item } from "../test-fixtures.js";
import { PaymentCore, RefundRejectedError } from "./core.js";
import type { PaymentEvent } from "./model.js";
import { PaymentStore } from "./store.js";
import { openLedgerStore } from "./open-store.js";
import { ledgerPlaces } from "./testing/ledger-env.js";
import type { LedgerStoreConfig } from "./open-store.js";

let sandbox: Sandbox;
let client: SmartPayClient;
const dir = mkdtempSync(path.join(tmpdir(), "pay-refunds-"));
const ELEPHANT = item();
const GIRAFFE = item({ position_id: 2, item_code: "sku-2", name: "Жираф", item_amount: 20_100, item_price: 20_100 });
const TOTAL = ELEPHANT.item_amount + GIRAFFE.item_amount;

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "t", timeoutMs: 1000 });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const places = await ledgerPlaces("refunds through the payment core");

function makeCore(file: string | LedgerStoreConfig = ":memory:") {
  const delivered: PaymentEvent[] = [];
  const core = new PaymentCore({ store: typeof file === "string" ? new PaymentStore(file) : openLedgerStore(file), adapters: { smartpay: smartPayAdapter(() => client) }, deliver: async (e) => void delivered.push(e), refundRetryAfterMs: 0 });
  return { core, delivered };
}

/** An order paid in the sandbox and known to the core as paid. */
async function paidOrder(core: PaymentCore) {
  const req = invoiceRequest({ items: [ELEPHANT, GIRAFFE] });
  const o = req.invoice.order;
  const { invoice, attempt } = await core.begin({ userKey: "user-1", provider: "smartpay", account: String(o.service_id), orderId: String(o.order_id), amount: { minor: o.amount, currency: "RUB" }, description: o.description });
  const made = sandbox.core.create(req).invoice;
  await core.observe("smartpay.create", { attemptId: attempt.id }, smartPaySnapshot({ invoice_id: made.id }, "created")!);
  sandbox.core.setStatus(made.id, "confirmed");
  await core.reconcileOnce();
  expect((await core.store.invoice(invoice.id))!.status).toBe("paid");
  return { invoiceId: invoice.id, smartPayId: made.id };
}

const sandboxRefunds = (id: string) => sandbox.core.get(id).refunds.map((r) => r.amount);

describe("refunds through the payment core", () => {
  it("partial then the rest: each a record, a SmartPay PATCH with the bundle, a ledger fact and refund.succeeded; payment.refunded when everything is back", async () => {
    const { core, delivered } = makeCore();
    const { invoiceId, smartPayId } = await paidOrder(core);
    const first = await core.refund({ payment: smartPayId, amountMinor: GIRAFFE.item_amount, idempotencyKey: "r1", details: { order_bundle: [GIRAFFE] }, reason: "no giraffe" });
    expect(first).toMatchObject({ created: true, refund: { status: "succeeded", amount: { minor: GIRAFFE.item_amount }, reason: "no giraffe" } });
    expect(first.refund.request).toEqual({ invoice: { order: { current_amount: TOTAL, refund_amount: GIRAFFE.item_amount, currency: "RUB", order_bundle: [GIRAFFE] } } });
    // The rest without a bundle: the invoice's own bundle would not match, so the script must name the items.
    await expect(core.refund({ payment: invoiceId, amountMinor: 100, idempotencyKey: "r-bad" })).rejects.toThrow("order_bundle (the items refunded) is required");
    const rest = await core.refund({ payment: invoiceId, idempotencyKey: "r2", details: { order_bundle: [ELEPHANT] } });
    expect(rest.refund).toMatchObject({ status: "succeeded", amount: { minor: ELEPHANT.item_amount } });
    expect(sandboxRefunds(smartPayId)).toEqual([GIRAFFE.item_amount, ELEPHANT.item_amount]);
    expect(sandbox.core.get(smartPayId).status).toBe("refunded");
    expect(await core.store.invoice(invoiceId)).toMatchObject({ status: "paid", refundedMinor: TOTAL });
    expect((await core.store.ledger(invoiceId)).map((l) => [l.kind, l.amount.minor])).toEqual([
      ["capture", TOTAL],
      ["refund", GIRAFFE.item_amount],
      ["refund", ELEPHANT.item_amount],
    ]);
    await core.dispatchOnce();
    expect(delivered.map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "refund.succeeded", "payment.refunded"]);
    expect(delivered[1]!.payload).toMatchObject({ refunded: { minor: GIRAFFE.item_amount }, refundedTotal: { minor: GIRAFFE.item_amount }, full: false, idempotencyKey: "r1" });
    // SmartPay's status read of the same money adds nothing.
    await core.observe("smartpay.check", { provider: "smartpay", providerPaymentId: smartPayId }, smartPaySnapshot(await client.getInvoice(smartPayId))!);
    expect(await core.store.ledger(invoiceId)).toHaveLength(3);
    // Nothing left: a further refund is refused before anything is written.
    await expect(core.refund({ payment: invoiceId, amountMinor: 1, idempotencyKey: "r3", details: { order_bundle: [] } })).rejects.toThrow(/exceeds the 0 left/);
    expect(await core.store.refundsOf(invoiceId)).toHaveLength(2);
  });

  it("a retried refund request (same key) is one refund, also when the two arrive at once", async () => {
    const { core } = makeCore();
    const { invoiceId, smartPayId } = await paidOrder(core);
    const ask = { payment: invoiceId, amountMinor: GIRAFFE.item_amount, idempotencyKey: "msg:42:20100", details: { order_bundle: [GIRAFFE] } };
    const [a, b] = await Promise.all([core.refund(ask), core.refund(ask)]);
    const again = await core.refund(ask);
    expect(new Set([a.refund.id, b.refund.id, again.refund.id]).size).toBe(1);
    expect([a.created, b.created, again.created].filter(Boolean)).toHaveLength(1);
    expect(sandboxRefunds(smartPayId)).toEqual([GIRAFFE.item_amount]);
    // The same key for another amount is a conflict, not a second refund.
    await expect(core.refund({ ...ask, amountMinor: 5 })).rejects.toMatchObject({ code: "conflict" });
    // Two different keys at once, each for more than half: never past the captured amount.
    const big = { payment: invoiceId, amountMinor: ELEPHANT.item_amount, details: { order_bundle: [ELEPHANT] } };
    const race = await Promise.allSettled([core.refund({ ...big, idempotencyKey: "x" }), core.refund({ ...big, idempotencyKey: "y" })]);
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(((race.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as RefundRejectedError).code).toMatch(/amount|busy/);
    expect(sandboxRefunds(smartPayId)).toEqual([GIRAFFE.item_amount, ELEPHANT.item_amount]);
  });

  it("only a paid payment, a positive amount within what is left, in its currency", async () => {
    const { core } = makeCore();
    const req = invoiceRequest();
    const o = req.invoice.order;
    const open = await core.begin({ userKey: "u", provider: "smartpay", account: String(o.service_id), orderId: String(o.order_id), amount: { minor: o.amount, currency: "RUB" }, description: "" });
    await expect(core.refund({ payment: open.invoice.id, idempotencyKey: "k" })).rejects.toMatchObject({ code: "not_paid" });
    await expect(core.refund({ payment: "nope", idempotencyKey: "k" })).rejects.toMatchObject({ code: "not_found" });
    const { invoiceId } = await paidOrder(core);
    await expect(core.refund({ payment: invoiceId, amountMinor: 0, idempotencyKey: "k" })).rejects.toMatchObject({ code: "amount" });
    await expect(core.refund({ payment: invoiceId, amountMinor: TOTAL + 1, idempotencyKey: "k" })).rejects.toMatchObject({ code: "amount" });
    await expect(core.refund({ payment: invoiceId, currency: "USD", idempotencyKey: "k" })).rejects.toMatchObject({ code: "amount" });
    await expect(core.refund({ payment: invoiceId, idempotencyKey: " " })).rejects.toMatchObject({ code: "request" });
    expect(await core.store.refundsOf(invoiceId)).toEqual([]);
  });

  it("SmartPay refunded but the answer was lost: the refund stays requested, the resend is refused by current_amount and recognised, no second refund", async () => {
    const { core } = makeCore();
    const { invoiceId, smartPayId } = await paidOrder(core);
    sandbox.inject({ method: "PATCH", path: `/invoices/${smartPayId}`, status: 500, when: "after", times: 1 });
    const lost = await core.refund({ payment: invoiceId, idempotencyKey: "k" });
    sandbox.clearFaults();
    expect(lost).toMatchObject({ created: true, refund: { status: "requested" } });
    expect(lost.refund.sentAt).toBeDefined();
    expect(sandboxRefunds(smartPayId)).toEqual([TOTAL]);
    await core.reconcileOnce();
    expect(await core.store.refund(lost.refund.id)).toMatchObject({ status: "succeeded" });
    expect(sandboxRefunds(smartPayId)).toEqual([TOTAL]);
    expect(await core.store.invoice(invoiceId)).toMatchObject({ refundedMinor: TOTAL });
  });

  it("SmartPay refuses: the refund fails with its reason, the amount is free again, refund.failed is raised", async () => {
    const { core, delivered } = makeCore();
    const { invoiceId, smartPayId } = await paidOrder(core);
    sandbox.inject({ method: "PATCH", path: `/invoices/${smartPayId}`, status: 400, times: 1 });
    const failed = await core.refund({ payment: invoiceId, amountMinor: GIRAFFE.item_amount, idempotencyKey: "f", details: { order_bundle: [GIRAFFE] } });
    sandbox.clearFaults();
    expect(failed.refund).toMatchObject({ status: "failed" });
    expect(failed.refund.error).toMatch(/^400 /);
    const ok = await core.refund({ payment: invoiceId, idempotencyKey: "g" });
    expect(ok.refund).toMatchObject({ status: "succeeded", amount: { minor: TOTAL } });
    await core.dispatchOnce();
    expect(delivered.map((e) => e.name)).toEqual(["payment.succeeded", "refund.failed", "refund.succeeded", "payment.refunded"]);
  });
  it.each(places.filter((p) => p.make).map((p) => [p.kind, p.make!] as const))("a stop between the record and SmartPay: the reconciler of the next start sends it, once (%s ledger)", async (kind, make) => {
    const place = make();
    const file = kind === "sqlite" ? path.join(dir, "stop-before-send.db") : place.config();
    const first = makeCore(file);
    const { invoiceId, smartPayId } = await paidOrder(first.core);
    // Written (requested) as core.refund writes it, then the process stops before calling SmartPay.
    const inv = (await first.core.store.invoice(invoiceId))!;
    const request = { invoice: { order: { current_amount: TOTAL, refund_amount: TOTAL, currency: "RUB", order_bundle: [ELEPHANT, GIRAFFE] } } };
    await first.core.store.insertRefund({ id: "refund-1", invoiceId, attemptId: inv.paidAttemptId!, amount: { minor: TOTAL, currency: "RUB" }, idempotencyKey: "k", request }, inv.version, new Date().toISOString());
    await first.core.close();
    expect(sandboxRefunds(smartPayId)).toEqual([]);

    const second = makeCore(file);
    // The user asks again meanwhile (same key): the same refund, not a second one.
    expect(await second.core.reconcileOnce()).toBe(1);
    expect((await second.core.refund({ payment: invoiceId, idempotencyKey: "k" })).refund).toMatchObject({ id: "refund-1", status: "succeeded" });
    expect(await second.core.reconcileOnce()).toBe(0);
    expect(sandboxRefunds(smartPayId)).toEqual([TOTAL]);
    expect(await second.core.store.invoice(invoiceId)).toMatchObject({ refundedMinor: TOTAL });
    await second.core.dispatchOnce();
    expect(second.delivered.map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "payment.refunded"]);
    await second.core.close();
    await place.drop();
  });

});
