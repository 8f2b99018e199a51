// Two processes serve one shop when the ledger is in PostgreSQL or Redis: two sets of objects (core,
// order store, sync outbox, acquiring, router), each with its own connections, on one database and one
// YooKassa emulator. The app's commands may reach either: the order one registered is known to the
// other, a double `create` split across them is one payment, and a `pending` capture is settled and
// queued once in the one outbox both share.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import express from "express";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentCore } from "../core/core.js";
import { openLedgerStore } from "../core/open-store.js";
import { ledgerPlaces, type LedgerPlace } from "../core/testing/ledger-env.js";
import { openMerchantOutbox } from "../merchant-webhooks/open-outbox.js";
import type { MerchantOutboxStore } from "../merchant-webhooks/outbox-types.js";
import { yookassaAdapter } from "../providers/yookassa.js";
import { YooKassaClient } from "../yookassa/client.js";
import { createYooKassaEmulator, type YooKassaEmulator } from "../yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../yookassa/emulator-core.js";
import { listenHttp } from "../../util/listen.js";
import { ImshopAcquiring } from "./acquiring.js";
import { imshopRouter } from "./router.js";
import { postCommand, runCardPayment } from "./shop-app.js";
import { openImshopOrders } from "./open-store.js";
import type { ImshopOrders } from "./store.js";

const SECRET = "imshop-processes-secret";
const SHOP = "shop-processes";
const shared = (await ledgerPlaces("imshop, two processes")).filter((p) => p.kind !== "sqlite");

for (const { kind, make } of shared) describe.skipIf(!make)(`webhook acquiring, two processes on a ${kind} ledger`, () => {
  let place: LedgerPlace;
  let server: Server;
  let origin: string;
  let emulator: YooKassaEmulator;
  const procs: { core: PaymentCore; store: ImshopOrders; outbox: MerchantOutboxStore; acquiring: ImshopAcquiring }[] = [];

  beforeAll(async () => {
    place = make!();
    emulator = createYooKassaEmulator({});
    const app = express();
    app.use("/yookassa/v3", emulator.router);
    ({ server, origin } = await listenHttp(app, 0, "127.0.0.1"));
    for (const name of ["a", "b"]) {
      const client = new YooKassaClient({ baseUrl: `${origin}/yookassa/v3`, shopId: SHOP, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
      const adapter = yookassaAdapter(() => client);
      const config = place.config();
      const core = new PaymentCore({ store: openLedgerStore(config), adapters: { yookassa: adapter } });
      const store = openImshopOrders(config, "");
      const outbox = openMerchantOutbox(config, "", "imshopSync"); // the one both share, beside the ledger
      expect([store.kind, config.kind]).toEqual([kind, kind]);
      // One public origin for both, as behind a load balancer: the return URL is part of the payment's
      // terms at YooKassa, so processes with different origins could not answer for each other.
      const acquiring = new ImshopAcquiring({ core, adapter, shopId: SHOP, store, publicUrl: `${origin}/a`, syncUrl: "http://127.0.0.1:9/sync", outbox });
      procs.push({ core, store, outbox, acquiring });
      app.use(`/${name}/payments/imshop`, imshopRouter({ acquiring, store, secret: SECRET }));
    }
  });
  afterAll(async () => {
    for (const p of procs) {
      await p.core.close();
      await p.store.close();
      await p.outbox.close();
    }
    emulator.core.close();
    server.closeAllConnections();
    server.close();
    await place.drop();
  });

  const hook = (name: "a" | "b") => `${origin}/${name}/payments/imshop`;
  const register = async (name: "a" | "b", orderId: string, amount: number) => {
    const res = await request(`${hook(name)}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify({ orderId, amount, description: "Заказ" }) });
    await res.body.dump();
    return res.statusCode;
  };

  it("an order registered through one process is paid through the other; a double create across both is one payment", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    expect(await register("a", orderId, 150_000)).toBe(201);
    expect(await register("b", orderId, 150_000)).toBe(200);
    expect(await register("b", orderId, 1)).toBe(409);
    const cmd = { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u-1", orderId };
    const [x, y] = await Promise.all([postCommand(hook("a"), SECRET, cmd), postCommand(hook("b"), SECRET, cmd)]);
    expect(x.answer, JSON.stringify([x.answer, y.answer])).toMatchObject({ success: true });
    expect(y.answer).toEqual(x.answer);
    const invoice = (await procs[0]!.core.store.findByOrder("yookassa", SHOP, orderId))!;
    expect(await procs[1]!.core.store.attemptsOf(invoice.id)).toHaveLength(1);
    // The app pays on B's page and captures through A: captured once.
    const run = await runCardPayment({ webhookUrl: hook("b"), secret: SECRET, orderId, orderUuid: "u-1", action: "pay" });
    expect(run.matched).toBe("success");
    expect((await postCommand(hook("a"), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId: (x.answer as { paymentId: string }).paymentId })).answer).toMatchObject({ success: true, paymentCaptured: true });
    expect(await procs[1]!.core.store.findByOrder("yookassa", SHOP, orderId)).toMatchObject({ status: "paid", capturedMinor: 150_000 });
  });

  it("a pending capture answered by one process is settled by whichever round comes first, and its status queued once", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    await register("b", orderId, 12_000);
    const created = await postCommand(hook("b"), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: "u-2", orderId });
    const paymentId = (created.answer as { paymentId: string }).paymentId;
    expect((await postCommand(hook("b"), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toMatchObject({ pending: true });
    // Known to the other process's round, too.
    expect((await procs[0]!.store.pending()).map((p) => p.paymentId)).toContain(paymentId);
    await request(`${origin}/yookassa/v3/__sandbox/payments/${paymentId}/pay`, { method: "POST", body: "{}" }).then((r) => r.body.dump());
    // Both rounds at once, twice: both may decide it before either marks it settled; one row is queued.
    const settled = [...(await Promise.all(procs.map((p) => p.acquiring.syncOnce()))), ...(await Promise.all(procs.map((p) => p.acquiring.syncOnce())))];
    expect(settled.reduce((a, b) => a + b, 0)).toBe(1);
    const queued = await procs[1]!.outbox.all(`imshop:${paymentId}`);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: "pending", url: "http://127.0.0.1:9/sync" });
    expect(JSON.parse(queued[0]!.body)).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    // Either process's dispatcher sees it: the outbox is not a file of the host that queued it.
    expect((await procs[0]!.outbox.claimDue(Date.now() + 1, 60_000)).map((r) => r.paymentKey)).toEqual([`imshop:${paymentId}`]);
    expect(await procs[0]!.core.store.findByOrder("yookassa", SHOP, orderId)).toMatchObject({ status: "paid", capturedMinor: 12_000 });
  });
});
