// Webhook acquiring end to end over HTTP: the shop app (our sandbox driver) against the merchant
// webhook, with the YooKassa emulator as the acquirer and the payment core on SQLite files, so a
// restart is a new set of objects on the same files.
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
import { MerchantOutbox } from "../merchant-webhooks/outbox.js";
import { MerchantWebhookDispatcher } from "../merchant-webhooks/dispatcher.js";
import { yookassaAdapter } from "../providers/yookassa.js";
import { YooKassaClient } from "../yookassa/client.js";
import { createYooKassaEmulator, type YooKassaEmulator } from "../yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../yookassa/emulator-core.js";
import { listenHttp } from "../../util/listen.js";
import { httpReceiver, type Receiver } from "../../../test/helpers/http-receiver.js";
import { ImshopAcquiring } from "./acquiring.js";
import { checkCommand, FAILURE_REGEX, SUCCESS_REGEX } from "./protocol.js";
import { imshopRouter } from "./router.js";
import { runCardPayment, postCommand } from "./shop-app.js";
import { ImshopStore } from "./store.js";

const SECRET = "imshop-test-secret";
const SHOP = "shop-imshop";
let dir: string;
let server: Server;
let origin: string;
let emulator: YooKassaEmulator;
let sync: Receiver<unknown>;
let syncUrl: string;
let paymentReads = 0; // GET /payments/{id} at the acquirer
let mounted: { acquiring: ImshopAcquiring; store: ImshopStore; core: PaymentCore; outbox: MerchantOutbox };

/** Everything the merchant side keeps, opened on the files in `dir` (a restart opens them again). */
function open(): typeof mounted {
  const client = new YooKassaClient({ baseUrl: `${origin}/yookassa/v3`, shopId: SHOP, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
  const adapter = yookassaAdapter(() => client);
  const core = new PaymentCore({ store: new PaymentStore(path.join(dir, "payments.sqlite")), adapters: { yookassa: adapter } });
  const store = new ImshopStore(path.join(dir, "imshop.sqlite"));
  const outbox = new MerchantOutbox(path.join(dir, "imshop.sqlite"));
  // A long reuse of the return page's answer: the test counts acquirer reads, whatever the machine's speed.
  const acquiring = new ImshopAcquiring({ core, adapter, shopId: SHOP, store, publicUrl: origin, syncUrl, outbox, landingCacheMs: 60_000 });
  return { acquiring, store, core, outbox };
}

function close(m: typeof mounted): void {
  m.core.close();
  m.store.close();
  m.outbox.close();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "imshop-"));
  sync = httpReceiver({ path: "/sync", text: "ok" });
  syncUrl = await sync.start();
  emulator = createYooKassaEmulator({});
  const app = express();
  app.use("/yookassa/v3/payments/:id", (req, _res, next) => {
    if (req.method === "GET") paymentReads++;
    next();
  });
  app.use("/yookassa/v3", emulator.router);
  // The router reads the current objects, so a test can "restart" them under the same server.
  app.use("/payments/imshop", (req, res, next) => imshopRouter({ acquiring: mounted.acquiring, store: mounted.store, secret: SECRET })(req, res, next));
  ({ server, origin } = await listenHttp(app, 0, "127.0.0.1"));
  mounted = open();
});

afterAll(async () => {
  close(mounted);
  emulator.core.close();
  server.closeAllConnections();
  server.close();
  await sync.stop();
  rmSync(dir, { recursive: true, force: true });
});

const webhook = () => `${origin}/payments/imshop`;

async function order(amount = 150000, extra: Record<string, unknown> = {}): Promise<string> {
  const orderId = `o-${randomUUID().slice(0, 8)}`;
  const res = await request(`${webhook()}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ orderId, amount, description: "Заказ в приложении", ...extra }) });
  expect(res.statusCode).toBe(201);
  await res.body.dump();
  return orderId;
}

const sandbox = (p: string) => request(`${origin}/yookassa/v3/__sandbox${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then((r) => r.body.dump());

describe("IMSHOP webhook acquiring", () => {
  it("checks commands in the protocol's shapes (pure)", () => {
    expect(checkCommand({ command: "create", paymentMethodId: "m", orderUuid: "u", orderId: "1", returnUrl: "imshop://payment/failed" })).toMatchObject({ ok: true });
    expect(checkCommand({ command: "applepay", paymentMethodId: "m", orderUuid: "u", orderId: "1", applePayData: "AAAA" })).toMatchObject({ ok: true, command: { cryptogram: "AAAA" } });
    // The seed's swapped field lists: applepay carries applePayData, as its JSON example says.
    expect(checkCommand({ command: "applepay", paymentMethodId: "m", orderUuid: "u", orderId: "1", androidPayData: "AAAA" })).toEqual({ ok: false, error: expect.stringContaining("applePayData") });
    expect(checkCommand({ command: "capture", paymentMethodId: "m" })).toEqual({ ok: false, error: expect.stringContaining("paymentId") });
    expect(checkCommand({ command: "refund" })).toEqual({ ok: false, error: expect.stringContaining("create, applepay, androidpay or capture") });
    expect(checkCommand([])).toMatchObject({ ok: false });
  });

  it("refuses a request without the secret, or with a wrong one, and changes nothing", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    for (const auth of [undefined, "Bearer wrong", `Basic ${SECRET}`, "Bearer "]) {
      const res = await request(`${webhook()}/orders`, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify({ orderId, amount: 100, description: "x" }) });
      expect(res.statusCode).toBe(401);
      expect(await res.body.json()).toMatchObject({ success: false, error: expect.stringContaining("unauthorized") });
      const cmd = await request(webhook(), { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify({ command: "create", paymentMethodId: "m", orderUuid: "u", orderId }) });
      expect(cmd.statusCode).toBe(401);
      await cmd.body.dump();
    }
    expect(await mounted.store.order(orderId)).toBeUndefined();
    expect(await mounted.core.store.findByOrder("yookassa", SHOP, orderId)).toBeUndefined();
  });

  it("registers an order once: the same terms again are 200, other terms 409, bad ones 400", async () => {
    const orderId = await order(5000);
    const post = (body: unknown) => request(`${webhook()}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(body) });
    expect((await post({ orderId, amount: 5000, description: "Заказ в приложении" })).statusCode).toBe(200);
    expect((await post({ orderId, amount: 5001, description: "Заказ в приложении" })).statusCode).toBe(409);
    const bad = await post({ orderId: "x", amount: 10.5, description: "d" });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toEqual({ error: expect.stringContaining("amount") });
  });

  it("pays by card: create → the acquirer's page → a redirect the success regex matches → capture", async () => {
    const orderId = await order();
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: randomUUID(), action: "pay" });
    expect(run.create).toMatchObject({ success: true, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX });
    const paymentId = (run.create as { paymentId: string }).paymentId;
    expect((run.create as { paymentUrl: string }).paymentUrl).toContain(`/yookassa/v3/__checkout/${paymentId}`);
    expect(run.matched).toBe("success");
    expect(run.redirects.at(-1)).toBe(`${origin}/payments/imshop/done/${paymentId}/success`);
    expect(run.capture).toEqual({ success: true, paymentId, paymentCaptured: true });
    // A repeated capture is answered from the ledger: captured once.
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: true });
    const invoice = (await mounted.core.store.findByOrder("yookassa", SHOP, orderId))!;
    expect(invoice).toMatchObject({ status: "paid", capturedMinor: 150000 });
    expect(emulator.core.checkoutView(paymentId)).toMatchObject({ status: "succeeded", paid: true });
    // The same order cannot be paid twice.
    expect((await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u", orderId })).answer).toEqual({ success: false, paymentId, paymentCaptured: true, error: expect.stringContaining("paid already") });
  });

  it("the public return page asks the acquirer at most once per payment however often it is opened", async () => {
    const orderId = await order(9000);
    expect((await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u-r", orderId })).answer).toMatchObject({ success: true });
    const open = () => request(`${webhook()}/return/${orderId}`).then(async (r) => (await r.body.dump(), r.statusCode));
    const before = paymentReads;
    expect(await Promise.all(Array.from({ length: 30 }, open))).toEqual(Array(30).fill(200));
    for (let i = 0; i < 10; i++) expect(await open()).toBe(200);
    expect(paymentReads - before).toBe(1);
  });

  it("a duplicate create before paying is the same payment (one at the acquirer)", async () => {
    const orderId = await order(7000);
    const cmd = { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u-1", orderId };
    const [a, b] = await Promise.all([postCommand(webhook(), SECRET, cmd), postCommand(webhook(), SECRET, cmd)]);
    const c = await postCommand(webhook(), SECRET, cmd);
    expect(a.answer).toMatchObject({ success: true });
    expect(b.answer).toEqual(a.answer);
    expect(c.answer).toEqual(a.answer);
    const invoice = (await mounted.core.store.findByOrder("yookassa", SHOP, orderId))!;
    expect(await mounted.core.store.attemptsOf(invoice.id)).toHaveLength(1);
  });

  it("a declined card matches the failure regex; the app's retry pays the same order anew", async () => {
    const orderId = await order(9900);
    const first = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: "u-2", action: "decline" });
    expect(first.matched).toBe("failure");
    expect(first.capture).toBeUndefined();
    const declined = (first.create as { paymentId: string }).paymentId;
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId: declined })).answer).toMatchObject({ success: false, paymentId: declined, error: expect.stringContaining("declined") });
    const second = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: "u-2", action: "pay" });
    expect((second.create as { paymentId: string }).paymentId).not.toBe(declined);
    expect(second.capture).toMatchObject({ success: true, paymentCaptured: true });
    expect((await mounted.store.order(orderId))!.try).toBe(1);
  });

  it("a SmartPay payment method without SmartPay configured is refused with the reason, never paid through YooKassa instead", async () => {
    const orderId = await order(3000);
    for (const method of ["smartpay/card", "SmartPay"]) {
      const { status, answer } = await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: method, orderUuid: "u-sp", orderId });
      expect(status).toBe(200);
      expect(answer).toEqual({ success: false, error: expect.stringContaining(`paymentMethodId ${method}: SmartPay is not configured as the acquirer`) });
    }
    expect(await mounted.core.store.findByOrder("yookassa", SHOP, orderId)).toBeUndefined();
    // The same order pays by card afterwards.
    expect((await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u-sp", orderId })).answer).toMatchObject({ success: true });
  });

  it("wallet cryptograms get success: false with the reason; nothing is charged", async () => {
    const orderId = await order();
    const { status, answer } = await postCommand(webhook(), SECRET, { command: "applepay", paymentMethodId: "yookassa/applepay", orderUuid: "u", orderId, applePayData: "eyJkYXRhIjoiIn0=" });
    expect(status).toBe(200);
    expect(answer).toEqual({ success: false, error: expect.stringContaining("Apple Pay is not available") });
    const google = await postCommand(webhook(), SECRET, { command: "androidpay", paymentMethodId: "yookassa/googlepay", orderUuid: "u", orderId, androidPayData: "eyJkYXRhIjoiIn0=" });
    expect(google.answer).toEqual({ success: false, error: expect.stringContaining("Google Pay is not available") });
    expect(await mounted.core.store.findByOrder("yookassa", SHOP, orderId)).toBeUndefined();
    const bad = await request(webhook(), { method: "POST", headers: { authorization: `Bearer ${SECRET}` }, body: "{not json" });
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
  });

  it("a capture before the payer finished is pending; the decided status reaches the sync URL once, also after a restart", async () => {
    const orderId = await order(12000);
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: "u-3", action: "abandon" });
    expect(run.matched).toBeUndefined();
    const paymentId = (run.create as { paymentId: string }).paymentId;
    const { answer } = await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId });
    expect(answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
    expect(await mounted.acquiring.syncOnce()).toBe(0); // still undecided

    // The payer pays later; the process restarts before the next round.
    await sandbox(`/payments/${paymentId}/pay`);
    close(mounted);
    mounted = open();
    expect(await mounted.acquiring.syncOnce()).toBe(1);
    expect(await mounted.acquiring.syncOnce()).toBe(0);
    const dispatcher = new MerchantWebhookDispatcher({ outbox: mounted.outbox, secret: SECRET });
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(sync.got.map((r) => r.body)).toContainEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    expect(await mounted.core.store.findByOrder("yookassa", SHOP, orderId)).toMatchObject({ status: "paid", capturedMinor: 12000 });
  });
});
