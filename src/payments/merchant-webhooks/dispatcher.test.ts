// Outgoing merchant notifications over real HTTP on a virtual clock: a URL that fails for six hours
// gets every notification exactly once and in order per payment; a restart loses nothing; after a
// day a state is given up and the payment's line moves on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { MerchantOutbox } from "./outbox.js";
import { DELIVERY_WINDOW_MS, MerchantWebhookDispatcher, retryDelay, sign, MERCHANT_RETRY_SCHEDULE } from "./dispatcher.js";
import type { MerchantNotification, MerchantState } from "./format.js";
import { httpReceiver } from "../../../test/helpers/http-receiver.js";

const SECRET = "merchant-hmac-secret";
const HOUR = 3600_000;
let t = Date.UTC(2026, 0, 1); // the virtual clock
const now = () => t;

/** The merchant: records what it accepted; `up` says whether it answers 200 now. */
let up: () => boolean = () => true;
const merchant = httpReceiver<MerchantNotification>({ answer: () => (up() ? 200 : 503) });
const got = merchant.got;
let url = "";
beforeAll(async () => {
  url = await merchant.start();
});
afterAll(() => merchant.stop());
afterEach(() => {
  got.length = 0;
  up = () => true;
});

const note = (paymentUuid: string, id: number, state: MerchantState) => ({
  id,
  provider: "yandex_kassa",
  provider_id: `yk-${paymentUuid}`,
  currency: "RUB",
  amount: 90000,
  state,
  payload: state === "pending" ? null : { type: "notification", event: `payment.${state}`, object: { id: `yk-${paymentUuid}`, status: state } },
  order: [{ name: "Pizza", description: "Margherita", amount: 900 }],
  contact: { id: 1, name: "Dmitry", messenger: "whatsapp", phone: "79999999999" },
  payment_uuid: paymentUuid,
});

/** Runs the dispatcher, jumping the clock to the next due try, until nothing is pending or `until`. */
async function drain(outbox: MerchantOutbox, d: MerchantWebhookDispatcher, until = Infinity): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await d.runOnce();
    const heads = outbox.heads();
    if (heads.length === 0) return;
    const next = Math.min(...heads.map((h) => h.nextAt));
    if (next > until) return;
    t = Math.max(t, next);
  }
  throw new Error("did not drain");
}

describe("merchant notifications", () => {
  it("a URL that fails for 6 hours then recovers receives every notification once, in order, signed", async () => {
    const outbox = new MerchantOutbox();
    const d = new MerchantWebhookDispatcher({ outbox, secret: SECRET, now, random: Math.random });
    const outageEnds = t + 6 * HOUR;
    up = () => t >= outageEnds;
    const [a, b] = [randomUUID(), randomUUID()];
    const plan: [string, number, MerchantState][] = [[a, 1, "pending"], [a, 1, "waiting_for_capture"], [b, 2, "pending"], [a, 1, "succeeded"], [b, 2, "canceled"]];
    for (const [uuid, id, state] of plan) {
      expect(d.enqueue(url, note(uuid, id, state))).toBe(true);
      await d.runOnce();
      t += 60_000;
    }
    expect(d.enqueue(url, note(a, 1, "succeeded"))).toBe(false); // once per (payment, state)
    await drain(outbox, d);

    expect(got.map((g) => `${g.body.payment_uuid === a ? "a" : "b"}:${g.body.state}`).filter((s) => s.startsWith("a"))).toEqual(["a:pending", "a:waiting_for_capture", "a:succeeded"]);
    expect(got.map((g) => `${g.body.payment_uuid === a ? "a" : "b"}:${g.body.state}`).filter((s) => s.startsWith("b"))).toEqual(["b:pending", "b:canceled"]);
    expect(new Set(got.map((g) => g.body.event_id)).size).toBe(5);
    for (const g of got) {
      expect(g.headers["x-payment-signature"]).toBe(sign(SECRET, g.raw));
      expect(g.headers["x-payment-event-id"]).toBe(g.body.event_id);
      expect(Number(g.headers["x-delivery-attempt"])).toBe(outbox.all(g.body.payment_uuid).find((r) => r.eventId === g.body.event_id)!.tries);
    }
    expect(outbox.all(a)[0]!.tries).toBeGreaterThan(5); // the first state waited out the outage
    const rows = outbox.all();
    expect(rows.every((r) => r.status === "delivered" && r.deliveredAt! >= outageEnds && r.deliveredAt! - r.createdAt < DELIVERY_WINDOW_MS)).toBe(true);
    outbox.close();
  });

  it("a restart in the middle of an outage loses nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "merchant-outbox-"));
    try {
      const file = join(dir, "outbox.db");
      const outageEnds = t + 2 * HOUR;
      up = () => t >= outageEnds;
      const p = randomUUID();
      const first = new MerchantOutbox(file);
      const d1 = new MerchantWebhookDispatcher({ outbox: first, secret: SECRET, now, random: () => 0.5 });
      d1.enqueue(url, note(p, 7, "pending"));
      d1.enqueue(url, note(p, 7, "succeeded"));
      await drain(first, d1, t + 20 * 60_000); // a few failed tries, then the process stops
      expect(first.all(p)[0]!.tries).toBeGreaterThan(1);
      first.close();

      const second = new MerchantOutbox(file);
      const d2 = new MerchantWebhookDispatcher({ outbox: second, secret: SECRET, now, random: () => 0.5 });
      await drain(second, d2);
      expect(got.map((g) => g.body.state)).toEqual(["pending", "succeeded"]);
      expect(second.all(p).map((r) => r.status)).toEqual(["delivered", "delivered"]);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives a state up 24 hours after it happened, then the payment's next state goes out", async () => {
    const outbox = new MerchantOutbox();
    const d = new MerchantWebhookDispatcher({ outbox, secret: SECRET, now, random: () => 0.5 });
    const p = randomUUID();
    const start = t;
    up = () => false;
    d.enqueue(url, note(p, 9, "pending"));
    t += 1000;
    d.enqueue(url, note(p, 9, "canceled"));
    await drain(outbox, d, start + 23 * HOUR + 54 * 60_000); // just past the last try at 23 h 51
    const [pending] = outbox.all(p);
    expect(pending).toMatchObject({ status: "failed", tries: 10, lastError: "HTTP 503" }); // 0, 1 m, 6 m, 21 m, 51 m, 1 h 51, 3 h 51, 7 h 51, 15 h 51, 23 h 51
    up = () => true;
    await drain(outbox, d);
    expect(got.map((g) => g.body.state)).toEqual(["canceled"]);
    outbox.close();
  });

  it("pauses grow by the schedule with ±10 % jitter", () => {
    expect(retryDelay(1, MERCHANT_RETRY_SCHEDULE, () => 0.5)).toBe(60_000);
    expect(retryDelay(1, MERCHANT_RETRY_SCHEDULE, () => 0)).toBe(54_000);
    expect(retryDelay(1, MERCHANT_RETRY_SCHEDULE, () => 0.999999)).toBe(66_000);
    expect(retryDelay(8, MERCHANT_RETRY_SCHEDULE, () => 0.5)).toBe(8 * HOUR);
    expect(retryDelay(20, MERCHANT_RETRY_SCHEDULE, () => 0.5)).toBe(8 * HOUR);
  });
});
