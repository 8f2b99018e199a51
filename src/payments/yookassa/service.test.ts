// The core's YooKassa path against the emulator over HTTP: a link made once per order, the key kept
// with the attempt and reused only for the same body, two-stage capture/cancel, autopayments with a
// saved method (and a revoked one), refunds kept with their own key, receipts checked before sending.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { PaymentCore } from "../core/core.js";
import type { PaymentEvent } from "../core/model.js";
import { PaymentStore } from "../core/store.js";
import { openLedgerStore } from "../core/open-store.js";
import { ledgerPlaces, type LedgerPlace } from "../core/testing/ledger-env.js";
import { yookassaAdapter } from "../providers/yookassa.js";
import { YooKassaClient } from "./client.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "./emulator-core.js";
import { bodyHash, canonicalJson, YooKassaService } from "./service.js";

let emu: RunningYooKassaEmulator;
let posts = 0;

beforeAll(async () => {
  emu = await startYooKassaEmulator({});
});
afterAll(() => emu.close());

const control = async (path: string, body?: unknown) => (await request(`${emu.url}/__sandbox${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) })).body.dump();

function setup() {
  const shopId = `shop-${randomUUID().slice(0, 8)}`;
  const delivered: PaymentEvent[] = [];
  const client = new YooKassaClient({ baseUrl: emu.url, shopId, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
  const counting = Object.assign(Object.create(client) as YooKassaClient, {
    createPayment: (...a: Parameters<YooKassaClient["createPayment"]>) => {
      posts++;
      return client.createPayment(...a);
    },
  });
  const adapter = yookassaAdapter(() => counting);
  const core = new PaymentCore({ store: new PaymentStore(":memory:"), adapters: { yookassa: adapter }, deliver: async (e) => void delivered.push(e) });
  const created: string[] = [];
  const service = new YooKassaService({ core, adapter, shopId, returnUrl: "https://shop.example/back", onCreated: (i) => created.push(i.id) });
  const events = async () => {
    await core.dispatchOnce();
    return delivered.map((e) => e.name);
  };
  return { core, service, events, created, shopId };
}

const order = (extra: Record<string, unknown> = {}) => ({ orderId: `o-${randomUUID()}`, amount: 90000, description: "Пицца", ...extra });

describe("YooKassa through the payment core", () => {
  it("one payment link per order: a repeat asks YooKassa nothing new, a changed amount is refused", async () => {
    const { service, core, created } = setup();
    const args = order();
    posts = 0;
    const a = await service.createPayment("user-1", args);
    expect(a).toMatchObject({ code: 200, ok: true, status: "pending", amount: 90000, paid: false });
    expect(String(a.confirmationUrl)).toContain("/__checkout/");
    expect(a.button).toEqual({ text: "Оплатить", url: a.confirmationUrl });
    const b = await service.createPayment("user-1", args);
    expect(b.paymentId).toBe(a.paymentId);
    expect(posts).toBe(1);
    expect(created).toHaveLength(1);
    const attempt = (await core.store.attemptByProviderId("yookassa", String(a.paymentId)))!;
    expect(attempt).toMatchObject({ provider: "yookassa", idempotenceKey: `${attempt.id}:create`, confirmationUrl: a.confirmationUrl });
    expect(await service.createPayment("user-1", { ...args, amount: 100 })).toMatchObject({ code: 409, ok: false });
    expect(await service.createPayment("user-1", { ...args, capture: false })).toMatchObject({ code: 409, error: { error_description: expect.stringContaining("other terms") } });
    expect(posts).toBe(1);
  });


  it("after a create with no answer the same body goes again under the kept key; another body is refused", async () => {
    const { service, core } = setup();
    const args = order();
    await control("/faults", { status: 500, when: "after", times: 4, method: "POST", path: "/payments" });
    const lost = await service.createPayment("user-1", args);
    expect(lost).toMatchObject({ code: 500, ok: false, pending: true });
    const inv = (await core.store.findByOrder("yookassa", (await core.store.invoices(1))[0]!.account, args.orderId))!;
    const [attempt] = await core.store.attemptsOf(inv.id);
    expect(attempt).toMatchObject({ status: "created", idempotenceKey: `${attempt!.id}:create` });
    expect(await service.createPayment("user-1", { ...args, capture: false })).toMatchObject({ code: 409, error: { error_code: "conflict" } });
    const again = await service.createPayment("user-1", args);
    expect(again).toMatchObject({ code: 200, status: "pending" });
    // The emulator replays the work done "after" the lost answer: one payment for the order.
    expect(await core.store.attemptsOf(inv.id)).toHaveLength(1);
  });

  it("pays, sees the status on getPayment once, and refunds partially with a kept key", async () => {
    const { service, events } = setup();
    const args = order({ receipt: { email: "a@b.ru", items: [{ name: "Пицца", price: 45000, quantity: 2, vatCode: 4 }] } });
    const a = await service.createPayment("user-1", args);
    await control(`/payments/${String(a.paymentId)}/pay`);
    expect(await service.getPayment(args.orderId)).toMatchObject({ status: "succeeded", paid: true, capturedAmount: 90000 });
    expect(await service.getPayment({ paymentId: a.paymentId })).toMatchObject({ status: "succeeded" });
    expect(await events()).toEqual(["payment.succeeded"]);
    const r1 = await service.refund(args.orderId, { amount: 10000, refundId: "r-1" });
    expect(r1).toMatchObject({ code: 200, refundedAmount: 10000, refund: { status: "succeeded", amount: 10000 } });
    expect(await service.refund(args.orderId, { amount: 10000, refundId: "r-1" })).toMatchObject({ refundedAmount: 10000 }); // the same refund
    expect(await service.refund(args.orderId, { amount: 20000, refundId: "r-1" })).toMatchObject({ code: 409 });
    expect(await service.refund(args.orderId, { amount: 10000, refundId: "r-1", description: "другое" })).toMatchObject({ code: 409 }); // same id, other terms
    expect(await service.refund(args.orderId, { amount: 90000 })).toMatchObject({ code: 400, error: { field: "amount" } });
    expect(await service.refund(args.orderId, { amount: 90000, refundId: "r-2" })).toMatchObject({ code: 400, error: { field: "amount" } });
    expect(await service.refund(args.orderId, { amount: 5000, refundId: "r-2" })).toMatchObject({ code: 200, refundedAmount: 15000 }); // the refused amount did not take r-2
    expect(await service.refund(args.orderId, {})).toMatchObject({ refundedAmount: 90000 }); // the rest
    expect(await events()).toEqual(["payment.succeeded", "refund.succeeded", "refund.succeeded", "refund.succeeded", "payment.refunded"]);
  });

  it("a refund whose answer was lost stays requested and is finished after a restart under the same Idempotence-Key: refunded once", async () => {
    const { service, core, shopId } = setup();
    const args = order();
    const a = await service.createPayment("user-1", args);
    await control(`/payments/${String(a.paymentId)}/pay`);
    await service.getPayment(args.orderId);
    // YooKassa makes the refund, but every answer is lost.
    await control("/faults", { status: 500, when: "after", times: 4, method: "POST", path: "/refunds" });
    const lost = await service.refund(args.orderId, { amount: 30000, refundId: "r-lost" });
    expect(lost).toMatchObject({ code: 200, pending: true, refundedAmount: 0, refund: { status: "pending", amount: 30000 } });
    const inv = (await core.store.findByOrder("yookassa", shopId, args.orderId))!;
    const [row] = await core.store.refundsOf(inv.id);
    expect(row).toMatchObject({ status: "requested", idempotencyKey: "id:r-lost", providerIdempotenceKey: `rf:${row!.id}` });
    expect(row!.sentAt).toBeDefined();
    // A repeat while it is in flight is the same refund, never a second one.
    expect(await service.refund(args.orderId, { amount: 30000, refundId: "r-lost" })).toMatchObject({ pending: true, refund: { status: "pending" } });
    // "Restart": a new core on the same ledger, whose reconciler sends the same request again.
    const client = new YooKassaClient({ baseUrl: emu.url, shopId, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
    const again = new PaymentCore({ store: core.store, adapters: { yookassa: yookassaAdapter(() => client) }, refundRetryAfterMs: 0 });
    expect(await again.reconcileOnce({ all: true })).toBeGreaterThan(0);
    expect((await again.store.refund(row!.id))!).toMatchObject({ status: "succeeded", providerRefundId: expect.any(String) });
    const fetched = await client.getPayment(String(a.paymentId));
    expect(fetched.refunded_amount?.value).toBe("300.00"); // YooKassa refunded once
    expect(await service.getPayment(args.orderId)).toMatchObject({ refundedAmount: 30000 });
  });

  it("two-stage: waiting_for_capture, then capture (partial) or cancel", async () => {
    const { service, events } = setup();
    const held = order({ capture: false });
    const a = await service.createPayment("user-1", held);
    expect(await service.capture(held.orderId)).toMatchObject({ code: 409 }); // not paid yet
    await control(`/payments/${String(a.paymentId)}/pay`);
    expect(await service.getPayment(held.orderId)).toMatchObject({ status: "waiting_for_capture", paid: true });
    expect(await service.capture(held.orderId, 60000)).toMatchObject({ status: "succeeded", capturedAmount: 60000 });
    expect(await service.capture(held.orderId, 60000)).toMatchObject({ status: "succeeded" });
    expect(await events()).toEqual(["payment.waiting_for_capture", "payment.succeeded"]);

    const other = order({ capture: false });
    const b = await service.createPayment("user-2", other);
    await control(`/payments/${String(b.paymentId)}/pay`);
    await service.getPayment(other.orderId);
    expect(await service.cancel(other.orderId)).toMatchObject({ status: "canceled", cancellation: { category: "canceled_by_merchant" } });
    expect(await service.refund(other.orderId, {})).toMatchObject({ code: 409 });
  });

  it("autopayments: the saved method charges without a link; a revoked one is permission_revoked", async () => {
    const { service } = setup();
    const first = order({ savePaymentMethod: true });
    const a = await service.createPayment("user-1", first);
    await control(`/payments/${String(a.paymentId)}/pay`);
    const paid = await service.getPayment(first.orderId);
    const method = (paid.paymentMethod as { id: string; saved: boolean }) ?? fail("no method");
    expect(method.saved).toBe(true);
    const charged = await service.charge("user-1", order({ paymentMethodId: method.id }));
    expect(charged).toMatchObject({ code: 200, status: "succeeded", paymentMethod: { id: method.id } });
    expect(charged.confirmationUrl).toBeUndefined();
    await control(`/payment-methods/${method.id}/revoke`);
    expect(await service.charge("user-1", order({ paymentMethodId: method.id }))).toMatchObject({ status: "canceled", cancellation: { category: "permission_revoked", reason: "permission_revoked" } });
    expect(await service.charge("user-1", order())).toMatchObject({ code: 400, error: { field: "paymentMethodId" } });
  });

  it("bad arguments are answered with the field, before anything is sent", async () => {
    const { service } = setup();
    posts = 0;
    expect(await service.createPayment("u", order({ amount: 9.5 }))).toMatchObject({ code: 400, error: { field: "amount", error_description: expect.stringContaining("kopecks") } });
    expect(await service.createPayment("u", order({ receipt: { email: "a@b.ru", items: [{ name: "x", price: 100, quantity: 1, vatCode: 11 }] } }))).toMatchObject({ error: { field: "receipt.items[0].vatCode" } });
    expect(await service.createPayment("u", order({ receipt: { email: "a@b.ru", items: [{ name: "x", price: 100, quantity: 1, vatCode: 1 }] } }))).toMatchObject({ error: { field: "receipt.items", error_description: expect.stringContaining("add up to 1.00") } });
    expect(await service.getPayment("nope")).toMatchObject({ code: 404 });
    expect(posts).toBe(0);
  });

  it("hashes bodies by content, not key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(bodyHash({ a: 1, b: 2 })).toBe(bodyHash({ b: 2, a: 1 }));
  });
});

function fail(message: string): never {
  throw new Error(message);
}

// Two processes (two cores, each with its own connection) on one ledger, as `serve` behind a load
// balancer: creates of one order racing across them all answer the payment and link YooKassa made.
for (const { kind, make } of await ledgerPlaces("yookassa service, racing creates")) {
  describe.skipIf(!make)(`racing creates of one order (${kind} ledger)`, () => {
    let place: LedgerPlace | undefined;
    const cores: PaymentCore[] = [];
    afterAll(async () => {
      for (const c of cores) await c.close();
      await place?.drop();
    });

    it("every caller gets the same payment and link, made once under one Idempotence-Key", async () => {
      place = make!();
      const shopId = `shop-${randomUUID().slice(0, 8)}`;
      const client = new YooKassaClient({ baseUrl: emu.url, shopId, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
      const keys: string[] = [];
      const counting = Object.assign(Object.create(client) as YooKassaClient, {
        createPayment: (...a: Parameters<YooKassaClient["createPayment"]>) => {
          keys.push(a[1]);
          return client.createPayment(...a);
        },
      });
      const adapter = yookassaAdapter(() => counting);
      const created: string[] = [];
      const services = ["a", "b"].map(() => {
        const core = new PaymentCore({ store: openLedgerStore(place!.config()), adapters: { yookassa: adapter } });
        cores.push(core);
        return new YooKassaService({ core, adapter, shopId, returnUrl: "https://shop.example/back", onCreated: (i) => created.push(i.id) });
      });
      for (let round = 0; round < 3; round++) {
        const args = order();
        const answers = await Promise.all([0, 1, 0, 1].map((i) => services[i]!.createPayment("user-1", args)));
        const first = answers[0]!;
        expect(first).toMatchObject({ code: 200, ok: true, status: "pending", paymentId: expect.any(String), confirmationUrl: expect.stringContaining("/__checkout/") });
        for (const a of answers) expect({ paymentId: a.paymentId, confirmationUrl: a.confirmationUrl, status: a.status }).toEqual({ paymentId: first.paymentId, confirmationUrl: first.confirmationUrl, status: "pending" });
        const inv = (await cores[1]!.store.findByOrder("yookassa", shopId, args.orderId))!;
        const attempts = await cores[0]!.store.attemptsOf(inv.id);
        expect(attempts).toHaveLength(1);
        expect(new Set(keys)).toEqual(new Set([attempts[0]!.idempotenceKey]));
        keys.length = 0;
      }
    });
  });
}
