// A payment event is applied to the user's dialog once, also when its delivery was cut short after
// the turn committed and the copy comes back after the cached answer is gone (docs/payments.md,
// "Typed events into the dialog").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BotRequest, UserState } from "../engine/types.js";
import { DeliveryDeferred } from "../payments/core/core.js";
import type { WorkerPool } from "./worker-pool.js";
import type { PaymentEvent } from "../payments/core/model.js";
import { SqliteStore } from "../storage/sqlite.js";
import { MemoryStore } from "../storage/memory.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { deliverPaymentEvent } from "./payment-events.js";
import { countingPool } from "./testing/counting-pool.js";
import { fileURLToPath } from "node:url";
import { WorkerPool as RealPool } from "./worker-pool.js";

const executorOn = (store: SessionStore) => new RuntimeExecutor({ pool: countingPool(), store, config: {} as never });

const event: PaymentEvent = {
  id: 7,
  key: "inv-1:payment.succeeded",
  invoiceId: "inv-1",
  userKey: "buyer",
  name: "payment.succeeded",
  payload: { invoiceId: "inv-1" },
  createdAt: "2026-12-02T00:00:00.000Z",
  tries: 0,
  nextAt: 0,
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("payment events run once per user", () => {
  it("a copy delivered after a restart that outlasted the cached answer's TTL runs nothing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pay-event-once-"));
    dirs.push(dir);
    const file = path.join(dir, "sessions.db");
    let clock = 1_000_000;
    const first = new SqliteStore({ path: file, now: () => clock });
    expect(await deliverPaymentEvent(executorOn(first), event)).toBeDefined();
    // The process dies before the ledger marks the event delivered; it comes back six minutes later
    // (the answer TTL is 300 s) and the event is due again.
    await first.close();
    clock += 360_000;
    const second = new SqliteStore({ path: file, now: () => clock });
    expect(await deliverPaymentEvent(executorOn(second), event)).toBeUndefined();
    expect((await second.load("buyer"))?.session).toEqual({ "payment.succeeded": 1 });
    await second.close();
  });

  it("turns in between (the engine builds a new state) and evicted answers do not make it run again", async () => {
    const store = new MemoryStore({ maxCachedAnswers: 1 });
    const executor = executorOn(store);
    await deliverPaymentEvent(executor, event);
    for (let i = 0; i < 3; i++) await executor.run("buyer", { query: "hi" } as BotRequest, { messageId: `m${i}`, render: () => "ok" });
    await executor.run("buyer", { query: "hi" } as BotRequest, { newSession: true, messageId: "fresh", render: () => "ok" });
    expect(await deliverPaymentEvent(executor, event)).toBeUndefined();
    // Another event of the payment under the same ledger row id (a new ledger file numbers from 1 again) runs.
    await deliverPaymentEvent(executor, { ...event, key: "inv-1:payment.refunded:100", name: "payment.refunded" });
    const session = (await store.load("buyer"))?.session;
    expect(session).toEqual({ text: 1, "payment.refunded": 1 });
    await store.close();
  });

  // Fifth red-team round: a refusal because the server is full counted as a failed delivery, so each
  // one doubled the event's wait (up to an hour after six); now it is tried again after a second.
  it("an event turn refused because the server is full is deferred, not failed", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const counting = countingPool();
    const slow = { run: (request: BotRequest, state: UserState) => gate.then(() => counting.run(request, state)), runInline: () => undefined, close: () => Promise.resolve() } as unknown as WorkerPool;
    const store = new MemoryStore({ maxWaitingTurns: 1 });
    const executor = new RuntimeExecutor({ pool: slow, store, config: {} as never });
    const chat = executor.run("buyer", { query: "hi" } as BotRequest, { messageId: "m1", render: () => "ok" });
    const refused = await deliverPaymentEvent(executor, event).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DeliveryDeferred);
    expect(refused).toMatchObject({ retryAfterMs: 1000 });
    open();
    await chat;
    expect(await deliverPaymentEvent(executor, event)).toBeDefined();
    await store.close();
  });
});

describe("a payment event whose turn fails", () => {
  // An event turn's replies go nowhere (SmartApp has no push) and serve kept only the webhook's turn
  // errors: a handler that threw (here `a: paid {{$contextPath}}`, a variable the platform does not
  // have) ran with no reply and no error anywhere. Its error is logged now, with where it happened.
  it("logs the turn's error with the event, the user and the position", async () => {
    const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/payment-event-error");
    const pool = await RealPool.start({ projectDir: fixture, minWorkers: 1, maxWorkers: 1, hostCall: () => Promise.resolve(undefined) });
    const store = new MemoryStore();
    const logs: string[] = [];
    try {
      const executor = new RuntimeExecutor({ pool, store, config: {} as never });
      const failed = await deliverPaymentEvent(executor, event, (level, message) => logs.push(`${level}: ${message}`));
      expect(failed?.error?.message).toContain("$contextPath is not defined");
      expect(logs).toEqual([expect.stringMatching(/^warn: payment event payment\.succeeded of invoice inv-1 \(user buyer\): the scenario failed \(script error\) at src\/main\.sc:5:\d+: ReferenceError: \$contextPath is not defined$/)]);
      // A handler that works logs nothing.
      const fine = await deliverPaymentEvent(executor, { ...event, key: "inv-1:payment.refunded:100", name: "payment.refunded" }, (level, message) => logs.push(`${level}: ${message}`));
      expect(fine?.replies.map((r) => r.text)).toEqual(["refunded /Refunded"]);
      expect(logs).toHaveLength(1);
    } finally {
      await pool.close();
      await store.close();
    }
  }, 30_000);
});
