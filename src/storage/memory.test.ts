// Memory store specifics: the answer cache's count and byte caps (docs/security.md), and commits
// applied once per event-loop turn (docs/storage.md, "Memory store").
import { describe, expect, it } from "vitest";
import { emptyUserState } from "../engine/types.js";
import { MemoryStore } from "./memory.js";

const commit = (messageId: string, body: string) => async () => ({ commit: { state: emptyUserState(), answer: { messageId, body } }, result: undefined });

describe("MemoryStore answer cache caps", () => {
  it("keeps at most maxCachedAnswers answers, dropping the oldest", async () => {
    const store = new MemoryStore({ maxCachedAnswers: 2 });
    for (const id of ["a", "b", "c"]) await store.transact("u", commit(id, `body-${id}`));
    expect(await store.cachedAnswer("u", "a")).toBeUndefined();
    expect(await store.cachedAnswer("u", "b")).toBe("body-b");
    expect(await store.cachedAnswer("u", "c")).toBe("body-c");
  });

  it("keeps at most maxCachedAnswerBytes of bodies, dropping the oldest", async () => {
    const store = new MemoryStore({ maxCachedAnswerBytes: 2 * 2 * 100 }); // two 100-character bodies
    for (const id of ["a", "b", "c"]) await store.transact(`u-${id}`, commit(id, id.repeat(100)));
    expect(await store.cachedAnswer("u-a", "a")).toBeUndefined();
    expect(await store.cachedAnswer("u-b", "b")).toBe("b".repeat(100));
    expect(await store.cachedAnswer("u-c", "c")).toBe("c".repeat(100));
  });
});

describe("MemoryStore commits", () => {
  it("applies the turns that finish together in one flush after I/O; each still settles only once stored", async () => {
    const store = new MemoryStore();
    const settled: number[] = [];
    const turns = Array.from({ length: 20 }, (_, i) =>
      store.transact(`g${i}`, commit(`m${i}`, `b${i}`)).then(() => settled.push(i)),
    );
    for (let i = 0; i < 50; i++) await Promise.resolve(); // microtasks alone never commit
    expect(settled).toEqual([]);
    expect(await store.cachedAnswer("g0", "m0")).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    await Promise.all(turns);
    expect(settled).toHaveLength(20);
    for (let i = 0; i < 20; i++) expect(await store.cachedAnswer(`g${i}`, `m${i}`)).toBe(`b${i}`);
  });
});
