// Webhook acquiring with SmartPay as the acquirer, end to end over HTTP: the shop app (our sandbox
// driver) against the merchant webhook, the local SmartPay sandbox with its payer page, and the
// payment core on a SQLite file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import express from "express";
import { request } from "undici";
import { PaymentCore } from "../core/core.js";
import { PaymentStore } from "../core/store.js";
import { MerchantWebhookDispatcher } from "../merchant-webhooks/dispatcher.js";
import { MerchantOutbox } from "../merchant-webhooks/outbox.js";
import { smartPayAdapter } from "../providers/smartpay.js";
import { yookassaAdapter } from "../providers/yookassa.js";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { SmartPayClient } from "../smartpay/client.js";
import { YooKassaClient } from "../yookassa/client.js";
import { listenHttp } from "../../util/listen.js";
import { httpReceiver, type Receiver } from "../../../test/helpers/http-receiver.js";
import { ImshopAcquiring } from "./acquiring.js";
import { FAILURE_REGEX, SUCCESS_REGEX } from "./protocol.js";
import { imshopRouter } from "./router.js";
import { runCardPayment, postCommand } from "./shop-app.js";
import { bundleFromReceipt } from "./smartpay-bundle.js";
import { ImshopStore } from "./store.js";

const SECRET = "imshop-sp-secret";
const SERVICE = "svc-imshop";
let dir: string;
let server: Server;
let origin: string;
let sandbox: Sandbox;
let core: PaymentCore;
let store: ImshopStore;
let outbox: MerchantOutbox;
let sync: Receiver<unknown>;
let syncUrl: string;
const mounted: { acquiring?: ImshopAcquiring } = {};

const receipt = (price = "500.00", quantity = 3, vat_code = 4) => ({ customer: { email: "a@example.com" }, tax_system_code: 1, items: [{ description: "Кофе", quantity, amount: { value: price, currency: "RUB" }, vat_code }] });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "imshop-sp-"));
  sync = httpReceiver({ path: "/sync", text: "ok" });
  syncUrl = await sync.start();
  sandbox = await startSandbox({ tokens: ["sp-token"] });
  const client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "sp-token" });
  const yk = yookassaAdapter(() => new YooKassaClient({ baseUrl: "http://127.0.0.1:9/unused", shopId: "unused", secretKey: "x" }));
  core = new PaymentCore({ store: new PaymentStore(path.join(dir, "payments.sqlite")), adapters: { smartpay: smartPayAdapter(() => client), yookassa: yk } });
  store = new ImshopStore(path.join(dir, "imshop.sqlite"));
  const app = express();
  outbox = new MerchantOutbox(path.join(dir, "imshop.sqlite"));
  // The acquiring needs the server's origin (its done pages), so it is made once the server listens.
  app.use("/payments/imshop", (req, res, next) => imshopRouter({ acquiring: mounted.acquiring!, store, secret: SECRET })(req, res, next));
  ({ server, origin } = await listenHttp(app, 0, "127.0.0.1"));
  mounted.acquiring = new ImshopAcquiring({ core, adapter: yk, shopId: "unused", store, publicUrl: origin, syncUrl, outbox, smartpay: { client, serviceId: SERVICE } });
});

afterAll(async () => {
  core.close();
  store.close();
  outbox.close();
  await sync.stop();
  server.closeAllConnections();
  server.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const webhook = () => `${origin}/payments/imshop`;

async function order(amount: number, extra: Record<string, unknown> = {}): Promise<string> {
  const orderId = `o-${randomUUID().slice(0, 8)}`;
  const res = await request(`${webhook()}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ orderId, amount, description: "Заказ в приложении", ...extra }) });
  expect(res.statusCode).toBe(201);
  await res.body.dump();
  return orderId;
}

describe("IMSHOP webhook acquiring through SmartPay", () => {
  it("maps a receipt onto order_bundle and tax_system, refusing what SmartPay cannot take (pure)", () => {
    expect(bundleFromReceipt(receipt(), 150000, "RUB")).toEqual({
      ok: true,
      taxSystem: 0,
      bundle: [{ position_id: 1, name: "Кофе", quantity: { value: 3, measure: "шт" }, item_amount: 150000, currency: "RUB", item_code: "1", item_price: 50000, tax_type: 6 }],
    });
    expect(bundleFromReceipt(undefined, 100, "RUB")).toEqual({ ok: false, error: expect.stringContaining("register the order with a receipt") });
    expect(bundleFromReceipt(receipt(), 150001, "RUB")).toEqual({ ok: false, error: expect.stringContaining("sum to 150000 kopecks, the order is 150001") });
    expect(bundleFromReceipt(receipt("500.00", 3, 7), 150000, "RUB")).toEqual({ ok: false, error: expect.stringContaining("vat_code 7 has no SmartPay tax_type") });
    expect(bundleFromReceipt({ ...receipt(), tax_system_code: undefined }, 150000, "RUB")).toEqual({ ok: false, error: expect.stringContaining("tax_system_code") });
  });

  it("refuses an order without a receipt, with the reason, and makes no invoice", async () => {
    const orderId = await order(3000);
    const { status, answer } = await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "smartpay/card", orderUuid: "u", orderId });
    expect(status).toBe(200);
    expect(answer).toEqual({ success: false, error: expect.stringContaining("paymentMethodId smartpay/card: SmartPay needs the order's items") });
    expect(await core.store.findByOrder("smartpay", SERVICE, orderId)).toBeUndefined();
  });

  it("pays: create → the SmartPay payer page → return_url the success regex matches → capture completes the hold", async () => {
    const orderId = await order(150000, { receipt: receipt() });
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: randomUUID(), action: "pay", paymentMethodId: "smartpay/card" });
    expect(run.create).toMatchObject({ success: true, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX });
    const paymentId = (run.create as { paymentId: string }).paymentId;
    expect((run.create as { paymentUrl: string }).paymentUrl).toMatch(new RegExp(`^${sandbox.url}/pay/${paymentId}/`));
    expect(run.matched).toBe("success");
    expect(run.redirects).toEqual([`${origin}/payments/imshop/done/${paymentId}/success`]);
    expect(run.capture).toEqual({ success: true, paymentId, paymentCaptured: true });
    const rec = sandbox.core.get(paymentId);
    expect(rec).toMatchObject({ status: "confirmed", context: { ptype: 1, captured: 150000 } });
    expect(rec.request.invoice.order).toMatchObject({ tax_system: 0, order_bundle: [{ item_amount: 150000, tax_type: 6 }] });
    // A repeated capture does not charge again; the ledger has the money once.
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "smartpay/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: true });
    expect(await core.store.findByOrder("smartpay", SERVICE, orderId)).toMatchObject({ status: "paid", capturedMinor: 150000 });
    expect((await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "smartpay/card", orderUuid: "u", orderId })).answer).toMatchObject({ success: false, paymentId, error: expect.stringContaining("paid already") });
  });

  it("a decline on the payer page goes to fail_url (the failure regex); capture is refused; the retry pays anew", async () => {
    const orderId = await order(50000, { receipt: receipt("500.00", 1, 1) });
    const first = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: "u-d", action: "decline", paymentMethodId: "smartpay/card" });
    const declined = (first.create as { paymentId: string }).paymentId;
    expect(first.matched).toBe("failure");
    expect(first.redirects).toEqual([`${origin}/payments/imshop/done/${declined}/failed`]);
    expect(sandbox.core.get(declined).status).toBe("cancelled");
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "smartpay/card", paymentId: declined })).answer).toMatchObject({ success: false, paymentId: declined, error: expect.stringContaining("declined") });
    const second = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: "u-d", action: "pay", paymentMethodId: "smartpay/card" });
    expect((second.create as { paymentId: string }).paymentId).not.toBe(declined);
    expect(second.capture).toEqual({ success: true, paymentId: (second.create as { paymentId: string }).paymentId, paymentCaptured: true });
  });

  it("a duplicate create is the same invoice and the same page, also when two arrive at once", async () => {
    const orderId = await order(50000, { receipt: receipt("500.00", 1, 1) });
    const cmd = { command: "create", paymentMethodId: "smartpay/card", orderUuid: "u-dup", orderId };
    const [a, b] = await Promise.all([postCommand(webhook(), SECRET, cmd), postCommand(webhook(), SECRET, cmd)]);
    const c = await postCommand(webhook(), SECRET, cmd);
    expect(a.answer).toMatchObject({ success: true });
    expect(b.answer).toEqual(a.answer);
    expect(c.answer).toEqual(a.answer);
    const invoice = (await core.store.findByOrder("smartpay", SERVICE, orderId))!;
    expect(await core.store.attemptsOf(invoice.id)).toHaveLength(1);
    expect(sandbox.core.list({ serviceId: SERVICE }).filter((r) => r.orderId === orderId)).toHaveLength(1);
  });

  it("a capture before the payer finished is pending; once paid, the status reaches the sync URL once through the outbox", async () => {
    const orderId = await order(50000, { receipt: receipt("500.00", 1, 1) });
    const { answer } = await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "smartpay/card", orderUuid: "u-p", orderId });
    const { paymentId, paymentUrl } = answer as { paymentId: string; paymentUrl: string };
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "smartpay/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
    expect(await mounted.acquiring!.syncOnce()).toBe(0); // still undecided
    // The payer page: a forged link is no page; the real one shows the invoice waiting for the payer.
    const forged = await request(`${sandbox.url}/pay/${paymentId}/not-the-key/pay`, { method: "POST" });
    expect(forged.statusCode).toBe(404);
    await forged.body.dump();
    const page = await request(paymentUrl);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('id="status">executed');
    // The payer pays later (the app's browser was gone: nobody follows the redirect).
    const paid = await request(`${paymentUrl}/pay`, { method: "POST" });
    expect(paid.statusCode).toBe(303);
    await paid.body.dump();
    expect(await mounted.acquiring!.syncOnce()).toBe(1);
    expect(await mounted.acquiring!.syncOnce()).toBe(0);
    const dispatcher = new MerchantWebhookDispatcher({ outbox, secret: SECRET });
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(sync.got.map((r) => r.body)).toContainEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    expect(sandbox.core.get(paymentId)).toMatchObject({ status: "confirmed", context: { captured: 50000 } });
    expect(await core.store.findByOrder("smartpay", SERVICE, orderId)).toMatchObject({ status: "paid", capturedMinor: 50000 });
  });
});
