// The merchant's URL down for six hours, through the real `smartapp serve` with the local sandbox: two
// buyers pay the demo shop by YooKassa link, the merchant answers 503 until six virtual hours have
// passed on the sandbox's clock (moved by its admin route), then 200. Every notification arrives
// exactly once, in order per payment, each failed try after the documented pause (±10 % jitter).
// Three hours into the outage serve is killed (SIGKILL, between two tries) and started again on the
// same project: the outbox is a file, so nothing owed is lost and nothing is sent twice.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MERCHANT_RETRY_SCHEDULE, sign } from "../../src/payments/merchant-webhooks/dispatcher.js";
import type { MerchantNotification } from "../../src/payments/merchant-webhooks/format.js";
import { MerchantOutbox } from "../../src/payments/merchant-webhooks/outbox.js";
import { demoCopy, dialogTurns, poller } from "../helpers/demo-serve.js";
import { httpReceiver } from "../helpers/http-receiver.js";
import { startServe, type RunningServer } from "./server.js";

const SECRET = "merchant-outage-secret";
const ADMIN = "outage-admin-token";
const HOUR = 3600_000;
let offset = 0; // how far the test has moved the sandbox's clock
const vnow = () => Date.now() + offset;

interface Try {
  at: number; // virtual time
  status: number;
  attempt: number;
  body: MerchantNotification;
  signed: boolean;
}
const tries: Try[] = [];
let outageEnds = Infinity;

const turn = dialogTurns(7_000_000);
const until = poller(20_000, 100);

describe("YooKassa merchant notifications through serve: a 6-hour outage of the merchant's URL", () => {
  let server: RunningServer;
  let dir: string;
  // The merchant: 503 until the outage ends on the sandbox's clock; every try is recorded in `tries`.
  const merchant = httpReceiver<MerchantNotification>({
    answer: ({ body, headers, raw }) => {
      const at = vnow();
      const status = at < outageEnds ? 503 : 200;
      tries.push({ at, status, attempt: Number(headers["x-delivery-attempt"]), body, signed: headers["x-payment-signature"] === sign(SECRET, raw) });
      return status;
    },
  });
  let yookassaUrl = "";

  let hook = "";
  const start = async () => {
    server = await startServe(dir, ["--store", "sqlite"], { SMARTAPP_MERCHANT_NOTIFY_URL: hook, SMARTAPP_MERCHANT_NOTIFY_SECRET: SECRET, SMARTAPP_SANDBOX_ADMIN_TOKEN: ADMIN }, { sandbox: true });
    yookassaUrl = /YooKassa shop sandbox-shop at (http:\/\/[\d.:]+\/yookassa\/v3)/.exec(server.output())![1]!;
  };

  beforeAll(async () => {
    hook = await merchant.start();
    dir = demoCopy("yk-outage-");
    await start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await merchant.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function moveClock(ms: number): Promise<void> {
    const r = await fetch(`${yookassaUrl}/__sandbox/clock`, { method: "POST", headers: { "content-type": "application/json", "x-sandbox-admin-token": ADMIN }, body: JSON.stringify({ advanceMs: ms }) });
    expect(r.status).toBe(200);
  }
  async function advance(ms: number): Promise<void> {
    await moveClock(ms);
    offset += ms;
  }
  /** Killed between two tries and started again: the new sandbox's clock starts at real time, so it is moved to where the old one was. */
  async function restart(): Promise<void> {
    await server.stop("SIGKILL");
    await start();
    await moveClock(offset);
  }

  async function buy(user: string, phrase: string): Promise<void> {
    await turn(server, phrase, user);
    const link = /"deep_link":"([^"]+__checkout\/[^"]+)"/.exec((await turn(server, "юкасса", user)).text)![1]!;
    const html = await (await fetch(link)).text();
    const action = /<form method="post" action="([^"]+\/pay)"/.exec(html)![1]!;
    expect((await fetch(action, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "pay=", redirect: "manual" })).status).toBe(303);
    await until(`${user}'s payment.succeeded in the dialog`, async () => (await turn(server, "корзина", user)).bubbles[0] === "Корзина пуста.");
  }

  it("every notification arrives once, in order per payment, on the documented schedule", async () => {
    const outageStarts = vnow();
    outageEnds = outageStarts + 6 * HOUR;
    let restarted = false;
    await buy("outage-a", "хочу слона");
    await buy("outage-b", "хочу жирафа");

    const file = path.join(dir, ".smartapp", "merchant-notifications.db");
    const outbox = new MerchantOutbox(file);
    try {
      // Quiet when every try sent has been recorded in the outbox; then jump the clock to the next one due.
      const quiet = () => until("the dispatcher to record its tries", () => (outbox.all().reduce((n, r) => n + r.tries, 0) === tries.length ? true : undefined));
      for (let step = 0; step < 60; step++) {
        await quiet();
        const rows = outbox.all();
        if (rows.length === 4 && rows.every((r) => r.status === "delivered")) break;
        const pending = rows.filter((r) => r.status === "pending");
        const heads = [...new Set(pending.map((r) => r.paymentKey))].map((k) => pending.find((r) => r.paymentKey === k)!);
        const due = Math.min(...heads.map((r) => r.nextAt));
        if (!restarted && vnow() - outageStarts > 3 * HOUR) {
          await restart();
          restarted = true;
          continue; // the restarted dispatcher has nothing due yet: look again
        }
        const sent = tries.length;
        if (due > vnow()) await advance(due - vnow() + 50);
        await until("the next try", () => (tries.length > sent ? true : undefined));
      }
      expect(restarted).toBe(true);
      const rows = outbox.all();
      expect(rows.map((r) => r.status)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
      expect(rows.every((r) => r.deliveredAt! >= outageEnds && r.deliveredAt! - r.createdAt < 24 * HOUR)).toBe(true);
    } finally {
      outbox.close();
    }

    // Exactly once: each event accepted by one 200, the four of them (pending and succeeded of two payments).
    const accepted = tries.filter((t) => t.status === 200);
    expect(accepted).toHaveLength(4);
    expect(new Set(accepted.map((t) => t.body.event_id)).size).toBe(4);
    expect(tries.every((t) => t.signed)).toBe(true);
    for (const uuid of new Set(accepted.map((t) => t.body.payment_uuid))) {
      expect(accepted.filter((t) => t.body.payment_uuid === uuid).map((t) => t.body.state)).toEqual(["pending", "succeeded"]);
      // The first state waited out the outage: tried at 0, 1 m, 6 m, 21 m, 51 m, 1 h 51, 3 h 51 (all 503), then ≈ 7 h 51.
      const first = tries.filter((t) => t.body.payment_uuid === uuid && t.body.state === "pending");
      expect(first.map((t) => t.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(first.map((t) => t.status)).toEqual([503, 503, 503, 503, 503, 503, 503, 200]);
      for (let i = 1; i < first.length; i++) {
        const gap = first[i]!.at - first[i - 1]!.at;
        const base = MERCHANT_RETRY_SCHEDULE[i - 1]!;
        expect(gap).toBeGreaterThanOrEqual(0.9 * base);
        expect(gap).toBeLessThanOrEqual(1.1 * base + 5_000); // the dispatcher's one-second round and the clock step
      }
      // The later state was held back until the first was accepted, then went out at once.
      const later = tries.filter((t) => t.body.payment_uuid === uuid && t.body.state === "succeeded");
      expect(later).toHaveLength(1);
      expect(later[0]!.at).toBeGreaterThanOrEqual(first.at(-1)!.at);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/smartapp_merchant_notifications\{status="delivered"\} 4/);
  }, 120_000);
});
