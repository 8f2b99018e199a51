// A turn is applied once per messageId, whatever its answer costs to keep (docs/security.md,
// "Duplicate deliveries").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { BotRequest, TurnResult, UserState } from "../engine/types.js";
import { WorkerPool } from "./worker-pool.js";
import { InlineTurns } from "./inline.js";
import { loadProject } from "../project/loader.js";
import { TurnRefusedError } from "../channels/types.js";
import { MemoryStore } from "../storage/memory.js";
import { RuntimeExecutor } from "./executor.js";
import { countingPool } from "./testing/counting-pool.js";
import { SqliteStore } from "../storage/sqlite.js";
import { RedisStore } from "../storage/redis.js";
import type { SessionStore } from "../storage/types.js";
import { deleteKeys, requireRedis, uniquePrefix } from "../storage/testing/redis-env.js";

const sqliteDir = mkdtempSync(path.join(tmpdir(), "smartapp-executor-"));
let sqliteFiles = 0;
const redisUrl = await requireRedis("executor on redis");
const redisPrefix = uniquePrefix("executor");
afterAll(async () => {
  rmSync(sqliteDir, { recursive: true, force: true });
  if (redisUrl) await deleteKeys(redisUrl, redisPrefix);
});

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
    runInline: () => undefined,
    close: () => Promise.resolve(),
  };
  return pool as unknown as WorkerPool;
}

describe("RuntimeExecutor and the state size limit", () => {
  it("measures the scenario's state: a once turn whose state fits is committed with its once-ids on top, and its copy runs nothing", async () => {
    const store = new MemoryStore();
    const pad = "x".repeat(500);
    const turnState = JSON.stringify({ session: { pad }, client: {}, contextPath: "/" });
    const maxStateBytes = Buffer.byteLength(turnState) + 10; // the turn's own state fits; with `,"onceIds":["event-1"]` it would not
    const executor = new RuntimeExecutor({ pool: paddingPool(), store, config: {} as never, stateLimits: { maxStateBytes } });
    const request = { query: pad } as BotRequest;

    const outcome = await executor.run("u", request, { messageId: "event-1", once: true, render: () => "ok" });
    expect(outcome.result.error).toBeUndefined();
    const stored = await store.load("u");
    expect(stored?.session).toEqual({ pad });
    expect(stored?.onceIds).toEqual(["event-1"]);
    expect((await executor.run("u", request, { messageId: "event-1", once: true })).cached).toBe(true);
    // The scenario's own state over the limit still goes to the error path, once-ids or not.
    const over = await executor.run("u", { query: pad + "x".repeat(20) } as BotRequest, { messageId: "event-2", once: true, render: () => "ok" });
    expect(over.result.replies).toEqual([{ type: "text", text: `the session state is larger than ${maxStateBytes} bytes` }]);
    expect((await store.load("u"))?.onceIds).toEqual(["event-1", "event-2"]);
    await store.close();
  });

  it.each(storeKinds())("%s: a turn whose replay is over the limit while the stored state is too (limits lowered): the error answer is stored with the previous state, and a retry runs nothing", async (_kind, openStore) => {
    // The stored state is over the new limit; every turn of the error path is too.
    let runs = 0;
    const pool = paddingPool();
    const counted = { run: (...args: Parameters<WorkerPool["run"]>) => (runs++, pool.run(...args)), runInline: () => undefined, close: () => Promise.resolve() } as unknown as WorkerPool;
    const store = openStore();
    const pad = "y".repeat(300);
    await store.transact("u", () => Promise.resolve({ commit: { state: { session: { pad }, client: {}, contextPath: "/", onceIds: ["event-0"] } }, result: undefined }));
    const executor = new RuntimeExecutor({ pool: counted, store, config: {} as never, stateLimits: { maxStateBytes: 100 } });
    for (const options of [{ messageId: "event-1", once: true }, { messageId: "m1" }]) {
      runs = 0;
      const outcome = await executor.run("u", { query: pad } as BotRequest, { ...options, render: () => "first" });
      expect(outcome.result.error).toMatchObject({ kind: "limit", message: "the session state is larger than 100 bytes" });
      expect(runs).toBe(2); // the turn and its replay into the error path
      const retry = await executor.run("u", { query: pad } as BotRequest, { ...options, render: () => "second" });
      expect(retry).toMatchObject({ cached: true, body: "first" });
      expect(runs).toBe(2);
    }
    expect(await store.load("u")).toEqual({ session: { pad }, client: {}, contextPath: "/", onceIds: ["event-0", "event-1"] });
    await store.close();
  });
});

describe("RuntimeExecutor and turns answered on the main thread", () => {
  /** A pool whose inline turns store the query in $session.pad, and whose workers count their turns (the error path answers the reason). */
  const inlinePool = (calls: string[]) => {
    const padding = paddingPool();
    return {
      runInline: (request: BotRequest, state: UserState) => (calls.push("inline"), { replies: [], response: { replies: [] }, state: { ...state, session: { pad: request.query } }, endSession: false, mails: [] }),
      run: (...args: Parameters<WorkerPool["run"]>) => (calls.push(args[2]?.failWith ? "replay" : "worker"), padding.run(...args)),
      close: () => Promise.resolve(),
    } as unknown as WorkerPool;
  };

  it("commits an inline turn's state without a worker, and sends one whose state is over the limits to the error path", async () => {
    const calls: string[] = [];
    const store = new MemoryStore();
    const executor = new RuntimeExecutor({ pool: inlinePool(calls), store, config: {} as never, stateLimits: { maxStateBytes: 200 } });
    const ok = await executor.run("u", { query: "small" } as BotRequest, { messageId: "m1", render: () => "ok" });
    expect(ok).toMatchObject({ cached: false, body: "ok" });
    expect(calls).toEqual(["inline"]);
    expect((await store.load("u"))?.session).toEqual({ pad: "small" });
    const over = await executor.run("u", { query: "z".repeat(300) } as BotRequest, { messageId: "m2", render: () => "over" });
    expect(over.result.replies).toEqual([{ type: "text", text: "the session state is larger than 200 bytes" }]);
    expect(calls).toEqual(["inline", "inline", "replay"]);
    expect((await store.load("u"))?.session).toEqual({ pad: "small" });
    // An explained turn never runs inline (its explanation comes from a worker).
    await executor.run("u", { query: "why" } as BotRequest, { explain: true });
    expect(calls).toEqual(["inline", "inline", "replay", "worker"]);
    await store.close();
  });
});

describe("RuntimeExecutor on the real worker pool", () => {
  it("tries a turn with user code on the main thread once, then runs it in a worker", async () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/http-suspend");
    const attempts = vi.spyOn(InlineTurns.prototype, "run");
    const pool = await WorkerPool.start({ projectDir: dir, hostCall: async () => undefined, minWorkers: 1, maxWorkers: 1, inlineProject: loadProject(dir) });
    const store = new MemoryStore();
    const executor = new RuntimeExecutor({ pool, store, config: {} as never });
    try {
      await vi.waitFor(() => expect(pool.inlineTurns).toBe(true), { timeout: 10_000 });
      const out = await executor.run("u", { query: "быстро" } as BotRequest, {});
      expect(out.result.replies.map((r) => r.text)).toEqual(["fast 1"]);
      // One match on the main thread (it finds a script), then the worker: never a second inline try.
      expect(attempts).toHaveBeenCalledTimes(1);
      expect(attempts.mock.results[0]?.value).toBeUndefined();
    } finally {
      attempts.mockRestore();
      await executor.close();
    }
  }, 30_000);
});

/** The session stores the executor runs on (redis when it answers, as in the store contract). */
function storeKinds(): [string, () => SessionStore][] {
  const kinds: [string, () => SessionStore][] = [
    ["memory", () => new MemoryStore()],
    ["sqlite", () => new SqliteStore({ path: path.join(sqliteDir, `s${++sqliteFiles}.sqlite`) })],
  ];
  if (redisUrl) kinds.push(["redis", () => new RedisStore({ url: redisUrl, prefix: `${redisPrefix}${++sqliteFiles}:` })]);
  return kinds;
}
