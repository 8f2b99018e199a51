// A turn is applied once per messageId, whatever its answer costs to keep (docs/security.md,
// "Duplicate deliveries").
import { describe, expect, it } from "vitest";
import type { BotRequest } from "../engine/types.js";
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
});
