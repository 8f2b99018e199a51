// Two `smartapp serve` processes serve one shop's webhook acquiring on one ledger (PostgreSQL, then
// Redis): the orders, pending captures and the sync outbox all live beside the ledger. A capture
// answered `pending` is settled by one of them and its status reaches the sync URL exactly once; and
// when the process that settled it is killed (SIGKILL) before its POST was answered, the other one
// delivers it, once, when the dead one's lease ends. Each process has its own project folder, so
// nothing of it can be a file of the host that queued it.
import { rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payments } from "../../src/cli/payments.js";
import type { LedgerStoreConfig } from "../../src/payments/core/open-store.js";
import { ledgerPlaces, type LedgerPlace } from "../../src/payments/core/testing/ledger-env.js";
import { postCommand } from "../../src/payments/imshop/shop-app.js";
import { sign } from "../../src/payments/merchant-webhooks/dispatcher.js";
import { openMerchantOutbox } from "../../src/payments/merchant-webhooks/open-outbox.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { demoCopy, poller } from "../helpers/demo-serve.js";
import { startServe, type RunningServer } from "./server.js";

const SECRET = "imshop-processes-e2e";
const SHOP = "shop-payments-procs";
const places = (await ledgerPlaces("imshop, two serve processes")).filter((p) => p.kind !== "sqlite");
const until = poller(25_000, 200);
// A try's lease is set short here (SMARTAPP_NOTIFY_LEASE_MS; 60 s by default), so a dead process's
// claim is taken over in seconds; a try's timeout (3 s) still leaves the killer time to act.
const TRY_TIMEOUT_MS = 3_000;
const LEASE_MS = 8_000;
const untilLeaseEnds = poller(LEASE_MS + 20_000, 250);

interface SyncTry {
  body: { orderId: string; paymentId: string; success: boolean; paymentCaptured: boolean };
  headers: IncomingHttpHeaders;
  raw: string;
  answered?: number; // undefined: never answered (its sender died holding it)
  at: number;
}

/** The app platform's sync URL: records every try; while `hold` is on, a try is left unanswered. */
function syncUrlEndpoint() {
  const tries: SyncTry[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const t: SyncTry = { body: JSON.parse(raw) as SyncTry["body"], headers: req.headers, raw, at: Date.now() };
      tries.push(t);
      if (hold) return void held.push(() => res.writeHead(503).end());
      t.answered = 200;
      res.writeHead(200).end("ok");
    });
  });
  let url = "";
  return {
    tries,
    get url() {
      return url;
    },
    setHold: (on: boolean) => void (hold = on),
    of: (paymentId: string) => tries.filter((t) => t.body.paymentId === paymentId),
    start: () => new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r((url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sync`)))),
    stop: () => {
      for (const release of held.splice(0)) release();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

for (const { kind, make } of places) {
  describe.skipIf(!make)(`webhook acquiring from two serve processes (${kind} ledger): the sync status once, also after a SIGKILL`, () => {
    let emu: RunningYooKassaEmulator;
    let place: LedgerPlace;
    let ledger: LedgerStoreConfig;
    const sync = syncUrlEndpoint();
    const servers: RunningServer[] = [];
    const dirs: string[] = [];
    const hook = (s: RunningServer) => `${s.url}/payments/imshop`;
    const logs = () => servers.map((s, i) => `--- ${"AB"[i]}:\n${s.output().slice(-2500)}`).join("\n");

    beforeAll(async () => {
      place = make!();
      ledger = place.config();
      emu = await startYooKassaEmulator({});
      const syncUrl = await sync.start();
      // One public origin for both (as behind a load balancer): A's port, chosen before either starts.
      const probe = createServer();
      const port = await new Promise<number>((r) => probe.listen(0, "127.0.0.1", () => r((probe.address() as AddressInfo).port)));
      await new Promise((r) => probe.close(r));
      const env = {
        IMSHOP_SECRET: SECRET,
        IMSHOP_SYNC_URL: syncUrl,
        SMARTAPP_NOTIFY_TIMEOUT_MS: String(TRY_TIMEOUT_MS),
        SMARTAPP_NOTIFY_LEASE_MS: String(LEASE_MS),
        IMSHOP_PUBLIC_URL: `http://127.0.0.1:${port}`,
        YOOKASSA_URL: emu.url,
        YOOKASSA_SHOP_ID: SHOP,
        YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
        PAYMENTS_STORE: ledger.kind,
        PAYMENTS_DATABASE_URL: ledger.kind === "sqlite" ? "" : ledger.url,
        ...(ledger.kind === "postgres" ? { PAYMENTS_DATABASE_SCHEMA: ledger.schema! } : {}),
        ...(ledger.kind === "redis" ? { SMARTAPP_REDIS_PREFIX: ledger.prefix! } : {}),
      };
      for (const extra of [["--port", String(port)], []]) {
        const dir = demoCopy("imshop-procs-");
        dirs.push(dir);
        servers.push(await startServe(dir, ["--store", "memory", ...extra], env));
      }
    }, 90_000);
    afterAll(async () => {
      for (const s of servers) {
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGCONT");
        await s.stop();
      }
      await emu?.close();
      await sync.stop();
      await place?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    /** An order registered through one process, its payment made through the other, captured before the payer paid: pending. */
    async function pendingCapture(register: RunningServer, create: RunningServer, capture: RunningServer): Promise<{ orderId: string; paymentId: string }> {
      const orderId = `o-${randomUUID().slice(0, 8)}`;
      const reg = await request(`${hook(register)}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ orderId, amount: 31_000, description: "Заказ" }) });
      expect(reg.statusCode).toBe(201);
      await reg.body.dump();
      const created = await postCommand(hook(create), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId });
      expect(created.answer).toMatchObject({ success: true });
      const paymentId = (created.answer as { paymentId: string }).paymentId;
      expect((await postCommand(hook(capture), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
      return { orderId, paymentId };
    }

    const payAtYooKassa = async (paymentId: string) => {
      const res = await request(`${emu.url}/__sandbox/payments/${paymentId}/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    };

    const outboxRow = async (paymentId: string) => {
      const outbox = openMerchantOutbox(ledger, "", "imshopSync");
      try {
        return await outbox.all(`imshop:${paymentId}`);
      } finally {
        await outbox.close();
      }
    };

    it("both settle rounds and both dispatchers running: the status reaches the sync URL once, signed; `payments notifications --sync` shows it and `redeliver --sync` sends it again", async () => {
      const [a, b] = servers as [RunningServer, RunningServer];
      expect(a.output()).toContain(`payment ledger: ${kind}`);
      const { orderId, paymentId } = await pendingCapture(b, a, b);
      await payAtYooKassa(paymentId);
      const got = await until("the status at the sync URL", () => sync.of(paymentId)[0]).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
      expect(got.body).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
      expect(got.headers["x-payment-signature"]).toBe(sign(SECRET, got.raw));
      await new Promise((r) => setTimeout(r, 6_500)); // another settle round and several dispatch rounds of each process
      expect(sync.of(paymentId).map((t) => t.answered)).toEqual([200]);
      const [row] = await outboxRow(paymentId);
      expect(row).toMatchObject({ status: "delivered", tries: 1 });
      // The operator sees it with `smartapp payments notifications --sync` (never among the merchant
      // notifications) and can send it again; a running process does so within a second.
      let printed = "";
      const print = (t: string) => void (printed += t);
      expect(await payments("notifications", `imshop:${paymentId}`, { dir: dirs[0]!, ledger, sync: true }, print)).toBe(0);
      expect(printed).toMatch(new RegExp(`^ *${row!.id}  succeeded +delivered tries 1 .* payment imshop:${paymentId}  ${sync.url}\n1 sync status\\(es\\)\n$`));
      printed = "";
      expect(await payments("notifications", `imshop:${paymentId}`, { dir: dirs[0]!, ledger }, print)).toBe(0);
      expect(printed).toBe("0 notification(s)\n");
      expect(await payments("redeliver", row!.eventId, { dir: dirs[0]!, ledger, sync: true }, print)).toBe(0);
      await until("the status sent again", () => (sync.of(paymentId).length === 2 ? true : undefined));
      expect(sync.of(paymentId).map((t) => t.raw)).toEqual([got.raw, got.raw]);
    }, 60_000);

    it("the process that settled it is killed (SIGKILL) holding its POST: the other delivers the status, once", async () => {
      const [a, b] = servers as [RunningServer, RunningServer];
      // B is paused (SIGSTOP) while A alone settles and starts delivering, so the settler and the
      // sender are known; B's rounds resume after A is dead.
      b.child.kill("SIGSTOP");
      const { orderId, paymentId } = await pendingCapture(a, a, a);
      sync.setHold(true);
      await payAtYooKassa(paymentId);
      await until("A's try at the sync URL", () => sync.of(paymentId)[0]).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
      // Log lines reach stdout in batches, at the latest LOG_FLUSH_MS after they were written.
      const queued = new RegExp(`imshop: payment ${paymentId} of order ${orderId} captured; status queued for the sync URL`);
      await until("A's log line", () => (queued.test(a.output()) ? true : undefined));
      a.child.kill("SIGKILL");
      await new Promise<void>((r) => (a.child.exitCode !== null || a.child.signalCode !== null ? r() : a.child.once("exit", () => r())));
      sync.setHold(false);
      b.child.kill("SIGCONT");
      // A's try was never answered; the row stays A's until its lease ends, then B takes it over.
      const delivered = await untilLeaseEnds("B's delivery", () => sync.of(paymentId).find((t) => t.answered === 200)).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
      expect(delivered.body).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
      // Not before A's lease (claimed just before its try) ended: B never sends a row another process holds.
      expect(delivered.at - sync.of(paymentId)[0]!.at).toBeGreaterThanOrEqual(LEASE_MS - 1_000);
      expect(delivered.headers["x-payment-signature"]).toBe(sign(SECRET, delivered.raw));
      await new Promise((r) => setTimeout(r, 6_500)); // B's next rounds: nothing more
      expect(sync.of(paymentId).map((t) => t.answered)).toEqual([undefined, 200]);
      expect((await outboxRow(paymentId)).map((r) => [r.status, r.tries])).toEqual([["delivered", 1]]);
      expect(b.output()).not.toContain(`imshop: payment ${paymentId}`); // B delivered what A settled; it settled nothing itself
    }, 60_000);
  });
}
