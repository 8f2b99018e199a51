// One contract for every merchant outbox (docs/yookassa.md, "Where the outbox lives"): SQLite on one
// host, and the ledger's Redis and PostgreSQL shared by several processes must behave the same. "A
// second process" is a second outbox on the same place, with its own connection; two dispatchers
// racing over one place deliver each notification once, in order per payment, over real HTTP.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ledgerPlaces, type LedgerPlace } from "../core/testing/ledger-env.js";
import { MerchantWebhookDispatcher } from "./dispatcher.js";
import type { MerchantNotification, MerchantState } from "./format.js";
import { openMerchantOutbox, type OutboxStream } from "./open-outbox.js";
import type { MerchantOutboxStore, NewOutboxRow } from "./outbox-types.js";
import { httpReceiver } from "../../../test/helpers/http-receiver.js";

const places = await ledgerPlaces("merchant outbox contract");
const T0 = Date.UTC(2026, 0, 1);
const STATES: MerchantState[] = ["pending", "waiting_for_capture", "succeeded"];

const row = (paymentKey: string, state: MerchantState, createdAt = T0): NewOutboxRow => ({
  eventId: randomUUID(),
  paymentKey,
  state,
  url: "http://127.0.0.1:1/hook",
  body: JSON.stringify({ payment_uuid: paymentKey, state }),
  createdAt,
});

/** The merchant: answers 200 after a short random pause (so racing deliveries interleave), 503 for a share of tries. */
let failShare = 0;
const merchant = httpReceiver<MerchantNotification>({
  answer: () => new Promise((r) => setTimeout(() => r(Math.random() < failShare ? 503 : 200), Math.floor(Math.random() * 8))),
});
const accepted = () => merchant.got.map((g) => g.body);
let url = "";
beforeAll(async () => {
  url = await merchant.start();
});
afterAll(() => merchant.stop());

for (const { kind, make } of places) {
  describe.skipIf(!make)(`merchant outbox contract: ${kind}`, () => {
    let place: LedgerPlace;
    let opened: MerchantOutboxStore[] = [];
    const open = (stream: OutboxStream = "merchant"): MerchantOutboxStore => {
      place ??= make!();
      const config = place.config();
      const file = config.kind === "sqlite" ? path.join(path.dirname(config.file), stream === "merchant" ? "merchant-notifications.db" : "imshop.db") : "";
      const o = openMerchantOutbox(config, file, stream);
      opened.push(o);
      return o;
    };
    const fresh = () => {
      place = make!();
      return open();
    };
    afterEach(async () => {
      for (const o of opened) await o.close();
      opened = [];
      await place?.drop();
      merchant.got.length = 0;
      failShare = 0;
    });

    it("keeps one row per payment and state, in order, and counts them", async () => {
      const o = fresh();
      const p = randomUUID();
      expect(await o.add(row(p, "pending"))).toBe(true);
      expect(await o.add(row(p, "succeeded"))).toBe(true);
      expect(await open().add(row(p, "succeeded"))).toBe(false); // a second process, the same state
      const all = await o.all(p);
      expect(all.map((r) => [r.state, r.status, r.tries, r.nextAt === T0])).toEqual([["pending", "pending", 0, true], ["succeeded", "pending", 0, true]]);
      expect(all[0]!.id).toBeLessThan(all[1]!.id);
      expect(await o.counts()).toEqual({ pending: 2, delivered: 0, failed: 0 });
      expect(await o.all(randomUUID())).toEqual([]);
    });

    it("claims only the due head of each payment, leased against a second process until the lease ends", async () => {
      const o = fresh();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await o.add(row(a, "pending"));
      await o.add(row(a, "succeeded"));
      await o.add(row(b, "pending"));
      await o.add(row(c, "pending", T0 + 60_000)); // not due yet
      const claimed = await o.claimDue(T0, 30_000);
      expect(claimed.map((r) => [r.paymentKey, r.state])).toEqual([[a, "pending"], [b, "pending"]]);
      const other = open();
      expect(await other.claimDue(T0 + 29_999, 30_000)).toEqual([]); // a's second state waits for its first
      const later = await other.claimDue(T0 + 60_000, 30_000); // the leases ran out: the rows are taken over
      expect(later.map((r) => [r.paymentKey, r.state]).sort()).toEqual([[a, "pending"], [b, "pending"], [c, "pending"]].sort());
    });

    it("a delivery moves the payment's line on; a failed try waits; a given-up state lets the next one go", async () => {
      const o = fresh();
      const p = randomUUID();
      await o.add(row(p, "pending"));
      await o.add(row(p, "waiting_for_capture"));
      await o.add(row(p, "succeeded"));
      const [first] = await o.claimDue(T0, 1000);
      await o.delivered(first!.id, T0 + 5);
      await o.delivered(first!.id, T0 + 9); // a late second answer changes nothing
      const [second] = await o.claimDue(T0 + 10, 1000);
      expect(second).toMatchObject({ state: "waiting_for_capture", tries: 0 });
      await o.retryAt(second!.id, T0 + 60_000, "HTTP 503");
      expect(await o.claimDue(T0 + 59_999, 1000)).toEqual([]);
      const [again] = await o.claimDue(T0 + 60_000, 1000);
      expect(again).toMatchObject({ id: second!.id, tries: 1, lastError: "HTTP 503" });
      await o.failed(again!.id, "HTTP 503");
      const [third] = await o.claimDue(T0 + 60_001, 1000);
      expect(third).toMatchObject({ state: "succeeded" });
      expect((await o.all(p)).map((r) => [r.status, r.tries])).toEqual([["delivered", 1], ["failed", 2], ["pending", 0]]);
      expect((await o.all(p))[0]).toMatchObject({ deliveredAt: T0 + 5 });
      expect(await o.counts()).toEqual({ pending: 1, delivered: 1, failed: 1 });
    });

    it("manual redelivery puts a row back in its place in the payment's line, by id or event id", async () => {
      const o = fresh();
      const p = randomUUID();
      await o.add(row(p, "pending"));
      await o.add(row(p, "succeeded"));
      const [first] = await o.claimDue(T0, 1000);
      await o.delivered(first!.id, T0 + 1);
      expect(await o.redeliver("no-such-row", T0 + 2)).toBeUndefined();
      expect(await o.redeliver(first!.eventId, T0 + 2)).toMatchObject({ id: first!.id, status: "pending", nextAt: T0 + 2, createdAt: T0 + 2 });
      const [head] = await open().claimDue(T0 + 2, 1000);
      expect(head).toMatchObject({ id: first!.id }); // before the later state that never went out
      await o.delivered(head!.id, T0 + 3);
      expect(await o.redeliver(String(head!.id), T0 + 4)).toMatchObject({ id: head!.id, status: "pending" });
      expect(await o.counts()).toEqual({ pending: 2, delivered: 0, failed: 0 });
    });

    it("the two streams are kept apart: webhook acquiring's sync statuses are never claimed, counted or redelivered as merchant notifications", async () => {
      const merchantRows = fresh();
      const syncRows = open("imshopSync");
      const p = randomUUID();
      expect(await syncRows.add(row(p, "succeeded"))).toBe(true);
      expect(await merchantRows.add(row(p, "succeeded"))).toBe(true); // the same payment and state: another stream
      const sync = await open("imshopSync").all(); // a second process on the sync stream
      expect(sync).toHaveLength(1);
      expect(await merchantRows.claimDue(T0, 1000)).toMatchObject([{ paymentKey: p }]);
      expect(await merchantRows.counts()).toEqual({ pending: 1, delivered: 0, failed: 0 });
      expect(await merchantRows.redeliver(sync[0]!.eventId, T0)).toBeUndefined();
      const [claimed] = await syncRows.claimDue(T0, 1000); // not leased by the merchant stream's claim
      expect(claimed).toMatchObject({ eventId: sync[0]!.eventId });
      await syncRows.delivered(claimed!.id, T0 + 1);
      expect(await syncRows.counts()).toEqual({ pending: 0, delivered: 1, failed: 0 });
      expect((await merchantRows.all()).map((r) => r.status)).toEqual(["pending"]);
    });

    it("two dispatchers racing deliver every notification once, in order per payment, through failing tries", async () => {
      const [o1, o2] = [fresh(), open()];
      let t = T0;
      const now = () => t;
      const opts = { secret: "s", now, random: () => 0.5, schedule: [1000], leaseMs: 60_000 };
      const d1 = new MerchantWebhookDispatcher({ ...opts, outbox: o1 });
      const d2 = new MerchantWebhookDispatcher({ ...opts, outbox: o2 });
      const payments = Array.from({ length: 12 }, () => randomUUID());
      const note = (p: string, state: MerchantState) => ({ id: 1, provider: "yandex_kassa", provider_id: p, currency: "RUB", amount: 100, state, payload: null, order: [], contact: { id: 1 }, payment_uuid: p });
      for (const state of STATES) for (const [i, p] of payments.entries()) expect(await (i % 2 ? d1 : d2).enqueue(url, note(p, state))).toBe(true);
      failShare = 0.3;
      for (let round = 0; round < 200 && merchant.got.length < payments.length * STATES.length; round++) {
        await Promise.all([d1.runOnce(), d2.runOnce(), d1.runOnce()]);
        t += 1100; // past every retry pause, never past a lease held by a live round
      }
      const got = accepted();
      expect(got).toHaveLength(payments.length * STATES.length);
      expect(new Set(got.map((g) => g.event_id)).size).toBe(got.length); // each once
      for (const p of payments) expect(got.filter((g) => g.payment_uuid === p).map((g) => g.state)).toEqual(STATES);
      expect((await o2.counts()).delivered).toBe(got.length);
    });
  });
}
