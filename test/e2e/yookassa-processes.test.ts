// Two `smartapp serve` processes on one project, the payment ledger (and so the merchant outbox) in
// PostgreSQL or Redis, sessions in Redis: buyers pay by YooKassa link across both processes, both
// dispatch, and the merchant receives every state of every payment exactly once, in order.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payments } from "../../src/cli/payments.js";
import type { LedgerStoreConfig } from "../../src/payments/core/open-store.js";
import { ledgerPlaces, type LedgerPlace } from "../../src/payments/core/testing/ledger-env.js";
import type { MerchantNotification } from "../../src/payments/merchant-webhooks/format.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { deleteKeys, requireRedis, uniquePrefix } from "../../src/storage/testing/redis-env.js";
import { demoCopy, dialogTurns, poller } from "../helpers/demo-serve.js";
import { httpReceiver } from "../helpers/http-receiver.js";
import { startServe, type RunningServer } from "./server.js";

const places = (await ledgerPlaces("yookassa two processes")).filter((p) => p.kind !== "sqlite");
const redisUrl = await requireRedis("yookassa two processes (sessions)");
const BUYERS = 4;

const turn = dialogTurns(8_000_000);
const until = poller(30_000);

for (const { kind, make } of places) {
  describe.skipIf(!make || !redisUrl)(`YooKassa merchant notifications from two serve processes (${kind} ledger)`, () => {
    let emu: RunningYooKassaEmulator;
    let dir: string;
    let place: LedgerPlace;
    let ledger: LedgerStoreConfig;
    let sessionsPrefix = "";
    // A slow receiver: deliveries of both processes overlap.
    const merchant = httpReceiver<MerchantNotification>({ answer: () => new Promise((r) => setTimeout(() => r(200), 50)) });
    const got = merchant.got;
    const servers: RunningServer[] = [];

    beforeAll(async () => {
      emu = await startYooKassaEmulator({});
      const hook = await merchant.start();
      dir = demoCopy("yk-two-");
      place = make!();
      ledger = place.config();
      sessionsPrefix = ledger.kind === "redis" ? ledger.prefix! : uniquePrefix("yk-two-sessions");
      const env = {
        YOOKASSA_URL: emu.url,
        YOOKASSA_SHOP_ID: "shop-two",
        YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
        YOOKASSA_TRUSTED_IPS: "127.0.0.1/32,::1",
        YOOKASSA_RETURN_URL: "http://127.0.0.1:1/return",
        SMARTAPP_MERCHANT_NOTIFY_URL: hook,
        SMARTAPP_MERCHANT_NOTIFY_SECRET: "two-processes",
        REDIS_URL: redisUrl!,
        SMARTAPP_REDIS_PREFIX: sessionsPrefix,
        PAYMENTS_STORE: ledger.kind,
        PAYMENTS_DATABASE_URL: ledger.kind === "sqlite" ? "" : ledger.url,
        ...(ledger.kind === "postgres" ? { PAYMENTS_DATABASE_SCHEMA: ledger.schema! } : {}),
      };
      servers.push(await startServe(dir, ["--store", "redis"], env));
      servers.push(await startServe(dir, ["--store", "redis"], env));
    }, 90_000);
    afterAll(async () => {
      for (const s of servers) await s.stop();
      await emu?.close();
      await merchant.stop();
      rmSync(dir, { recursive: true, force: true });
      await place?.drop();
      if (ledger?.kind !== "redis" && redisUrl) await deleteKeys(redisUrl, sessionsPrefix);
    });

    it("every state of every payment reaches the merchant once, in order", async () => {
      const [a, b] = servers as [RunningServer, RunningServer];
      // YooKassa notifies one of them; the dialog and the dispatching are shared by both.
      await fetch(`${emu.url}/__sandbox/notification-url`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `${a.url}/payments/yookassa/shop-two/notify` }) });
      const paymentIds: string[] = [];
      for (let i = 0; i < BUYERS; i++) {
        const user = `two-${i}`;
        await turn(i % 2 ? a : b, "хочу слона", user);
        const link = /"deep_link":"([^"]+__checkout\/[^"]+)"/.exec((await turn(i % 2 ? b : a, "юкасса", user)).text)![1]!;
        paymentIds.push(/__checkout\/([^/?#]+)/.exec(link)![1]!);
      }
      for (const id of paymentIds) await fetch(`${emu.url}/__sandbox/payments/${id}/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      await fetch(`${emu.url}/__sandbox/notifications/flush`, { method: "POST" });
      for (let i = 0; i < BUYERS; i++) {
        await until(`buyer ${i}'s cart emptied by payment.succeeded`, async () => (await turn(i % 2 ? a : b, "корзина", `two-${i}`)).bubbles[0] === "Корзина пуста.").catch((err: Error) => {
          throw new Error(`${err.message}\n--- A:\n${a.output().slice(-3000)}\n--- B:\n${b.output().slice(-3000)}`);
        });
      }
      await until("every merchant notification", () => (got.length >= 2 * BUYERS ? true : undefined));
      await new Promise((r) => setTimeout(r, 2_500)); // two more dispatch rounds of each process: nothing is sent twice

      expect(got).toHaveLength(2 * BUYERS);
      expect(new Set(got.map((g) => g.body.event_id)).size).toBe(2 * BUYERS);
      for (const id of paymentIds) expect(got.filter((g) => g.body.provider_id === id).map((g) => g.body.state)).toEqual(["pending", "succeeded"]);
      let printed = "";
      expect(await payments("notifications", undefined, { dir, ledger }, (t) => (printed += t))).toBe(0);
      expect(printed).toContain(`${2 * BUYERS} notification(s)`);
      expect(printed.match(/ delivered +tries 1 /g)).toHaveLength(2 * BUYERS);
    }, 120_000);
  });
}
