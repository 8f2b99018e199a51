// A turn is applied once per messageId, whatever its answer costs to keep (docs/security.md,
// "Duplicate deliveries").
import { describe, expect, it } from "vitest";
import type { BotRequest } from "../engine/types.js";
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
