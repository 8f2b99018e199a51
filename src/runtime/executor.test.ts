// A turn is applied once per messageId, whatever its answer costs to keep (docs/security.md,
// "Duplicate deliveries").
import { describe, expect, it } from "vitest";
import type { BotRequest, TurnResult, UserState } from "../engine/types.js";
import type { WorkerPool } from "./worker-pool.js";
import { TurnRefusedError } from "../channels/types.js";
import { MemoryStore } from "../storage/memory.js";
import { RuntimeExecutor } from "./executor.js";
import { countingPool } from "./testing/counting-pool.js";

describe("RuntimeExecutor and retried messageIds", () => {
  it("a retry of a messageId whose answer was too large to keep runs nothing and gets no body (the channel renders an empty answer)", async () => {
    const store = new MemoryStore({ maxAnswerBytes: 64 });
    const executor = new RuntimeExecutor({ pool: countingPool(), store, config: {} as never });
    const big = () => "x".repeat(1000);
    const first = await executor.run("u", { query: "hi" } as BotRequest, { messageId: "1", render: big });
    expect(first).toMatchObject({ cached: false, body: big() });
    const retry = await executor.run("u", { query: "hi" } as BotRequest, { messageId: "1", render: big });
    expect(retry.cached).toBe(true);
    expect(retry.body).toBeUndefined();
    expect(retry.result.replies).toEqual([]);
    expect((await store.load("u"))?.session).toEqual({ text: 1 });
    await store.close();
  });

  it("a user with maxWaitingTurns turns waiting or running gets the next one refused at once, and nothing of it runs", async () => {
    const store = new MemoryStore({ maxWaitingTurns: 2 });
    const executor = new RuntimeExecutor({ pool: countingPool(), store, config: {} as never });
    const turn = (id: string) => executor.run("flooded", { query: "hi" } as BotRequest, { messageId: id, render: () => "ok" });
    const outcomes = await Promise.allSettled([turn("1"), turn("2"), turn("3"), turn("4")]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(TurnRefusedError);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ status: 429, message: "2 turns of this user are already waiting or running" });
    expect((await store.load("flooded"))?.session).toEqual({ text: 2 });
    expect((await executor.run("other", { query: "hi" } as BotRequest, { messageId: "1" })).cached).toBe(false);
    await executor.run("flooded", { query: "hi" } as BotRequest, { messageId: "5" }); // taken again once the queue is short
    expect((await store.load("flooded"))?.session).toEqual({ text: 3 });
    await store.close();
  });
});

/** A pool whose turn stores its query in $session.pad; the error path answers the reason and keeps the state. */
function paddingPool(): WorkerPool {
  const pool = {
    run: (request: BotRequest, state: UserState, opts?: { failWith?: { message: string } }): Promise<TurnResult> => {
      if (opts?.failWith) {
        const replies = [{ type: "text", text: opts.failWith.message }];
        return Promise.resolve({ replies, response: { replies }, state, endSession: false, mails: [] });
      }
      const next: UserState = { session: { pad: request.query }, client: {}, contextPath: "/" };
      return Promise.resolve({ replies: [], response: { replies: [] }, state: next, endSession: false, mails: [] });
    },
    close: () => Promise.resolve(),
  };
  return pool as unknown as WorkerPool;
}

describe("RuntimeExecutor and the state size limit", () => {
  it("checks the state as committed, once-ids included: a once turn over the limit with them goes to the error path and the stored state stays within it", async () => {
    const store = new MemoryStore();
    const pad = "x".repeat(500);
    const turnState = JSON.stringify({ session: { pad }, client: {}, contextPath: "/" });
    const maxStateBytes = Buffer.byteLength(turnState) + 10; // the turn's own state fits; with `,"onceIds":["event-1"]` it does not
    const executor = new RuntimeExecutor({ pool: paddingPool(), store, config: {} as never, stateLimits: { maxStateBytes } });
    const request = { query: pad } as BotRequest;

    // Without once-ids the same state is committed as it is.
    await executor.run("plain", request, { messageId: "m1", render: () => "ok" });
    expect((await store.load("plain"))?.session).toEqual({ pad });

    const outcome = await executor.run("u", request, { messageId: "event-1", once: true, render: () => "ok" });
    expect(outcome.result.replies).toEqual([{ type: "text", text: `the session state is larger than ${maxStateBytes} bytes` }]);
    const stored = await store.load("u");
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(maxStateBytes);
    expect(stored?.session).toEqual({});
    // The event is still recorded: a copy delivered again runs nothing.
    expect(stored?.onceIds).toEqual(["event-1"]);
    expect((await executor.run("u", request, { messageId: "event-1", once: true })).cached).toBe(true);
    await store.close();
  });

  it("commits nothing when even the user's old state with the new once-id is over the limit", async () => {
    const store = new MemoryStore();
    const pad = "y".repeat(300);
    const maxStateBytes = Buffer.byteLength(JSON.stringify({ session: { pad }, client: {}, contextPath: "/" })) + 3;
    const executor = new RuntimeExecutor({ pool: paddingPool(), store, config: {} as never, stateLimits: { maxStateBytes } });
    await executor.run("u", { query: pad } as BotRequest, {});
    const before = await store.load("u");
    const outcome = await executor.run("u", { query: pad } as BotRequest, { messageId: "event-2", once: true, render: () => "ok" });
    expect(outcome.result.error).toMatchObject({ kind: "limit", message: `the session state is larger than ${maxStateBytes} bytes` });
    expect(await store.load("u")).toEqual(before);
    await store.close();
  });
});
