// Two processes serve one shop when the ledger is in PostgreSQL: two sets of objects (core, order store,
// acquiring, router), each with its own connections, on one database and one YooKassa emulator. The
// app's commands may reach either: the order one registered is known to the other, a double `create`
// split across them is one payment, and a `pending` capture is settled and reported once.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentCore } from "../core/core.js";
import { openLedgerStore } from "../core/open-store.js";
import { ledgerPlaces, type LedgerPlace } from "../core/testing/ledger-env.js";
import { MerchantOutbox } from "../merchant-webhooks/outbox.js";
import { yookassaAdapter } from "../providers/yookassa.js";
import { YooKassaClient } from "../yookassa/client.js";
import { createYooKassaEmulator, type YooKassaEmulator } from "../yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../yookassa/emulator-core.js";
import { listenHttp } from "../../util/listen.js";
import { ImshopAcquiring } from "./acquiring.js";
import { imshopRouter } from "./router.js";
import { postCommand, runCardPayment } from "./shop-app.js";
import { PostgresImshopStore } from "./store-postgres.js";

const SECRET = "imshop-processes-secret";
const SHOP = "shop-processes";
const pgPlace = (await ledgerPlaces("imshop, two processes")).find((p) => p.kind === "postgres")!;

describe.skipIf(!pgPlace.make)("webhook acquiring, two processes on a PostgreSQL ledger", () => {
  let place: LedgerPlace;
  let dir: string;
  let server: Server;
  let origin: string;
  let emulator: YooKassaEmulator;
  const procs: { core: PaymentCore; store: PostgresImshopStore; outbox: MerchantOutbox; acquiring: ImshopAcquiring }[] = [];

  beforeAll(async () => {
    place = pgPlace.make!();
    dir = mkdtempSync(path.join(tmpdir(), "imshop-procs-"));
    emulator = createYooKassaEmulator({});
    const app = express();
    app.use("/yookassa/v3", emulator.router);
    ({ server, origin } = await listenHttp(app, 0, "127.0.0.1"));
    for (const name of ["a", "b"]) {
      const client = new YooKassaClient({ baseUrl: `${origin}/yookassa/v3`, shopId: SHOP, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
      const adapter = yookassaAdapter(() => client);
      const config = place.config();
      if (config.kind !== "postgres") throw new Error("expected postgres");
      const core = new PaymentCore({ store: openLedgerStore(config), adapters: { yookassa: adapter } });
      const store = new PostgresImshopStore({ url: config.url, schema: config.schema });
      const outbox = new MerchantOutbox(path.join(dir, `${name}.sqlite`)); // each host's own sync outbox
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
      p.outbox.close();
    }
    emulator.core.close();
    server.closeAllConnections();
    server.close();
    await place.drop();
    rmSync(dir, { recursive: true, force: true });
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
    const settled = await Promise.all(procs.map((p) => p.acquiring.syncOnce()));
    expect(settled.reduce((a, b) => a + b, 0)).toBe(1);
    const queued = procs.flatMap((p) => p.outbox.heads()).filter((r) => r.paymentKey === `imshop:${paymentId}`);
    expect(queued).toHaveLength(1);
    expect(JSON.parse(queued[0]!.body)).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    expect(await procs[0]!.core.store.findByOrder("yookassa", SHOP, orderId)).toMatchObject({ status: "paid", capturedMinor: 12_000 });
  });
});
