import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStore, defaultSqlitePath, defaultStoreKind, MemoryStore, RedisStore, SqliteStore } from "./index.js";
import { requireRedis, uniquePrefix, deleteKeys } from "./testing/redis-env.js";

const dir = mkdtempSync(join(tmpdir(), "smartapp-create-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("createStore", () => {
  it("makes a memory store", async () => {
    const store = createStore("memory");
    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });

  it("puts the sqlite file under <project>/.smartapp by default, or at an explicit path", async () => {
    const inProject = createStore("sqlite", { projectDir: dir });
    expect(inProject).toBeInstanceOf(SqliteStore);
    expect((inProject as SqliteStore).path).toBe(join(dir, ".smartapp", "sessions.sqlite"));
    expect(existsSync(defaultSqlitePath(dir))).toBe(true);
    await inProject.close();

    const explicit = createStore("sqlite", { path: join(dir, "custom", "s.db") });
    expect(existsSync(join(dir, "custom", "s.db"))).toBe(true);
    await explicit.close();
  });

  it("passes the common options through", async () => {
    let clock = 0;
    const store = createStore("memory", { answerTtlSec: 1, now: () => clock });
    await store.transact("u", async () => ({ commit: { state: { session: {}, client: {}, contextPath: "/" }, answer: { messageId: "m", body: "b" } }, result: 0 }));
    expect(await store.cachedAnswer("u", "m")).toBe("b");
    clock = 1000;
    expect(await store.cachedAnswer("u", "m")).toBeUndefined();
    await store.close();
  });

  it("rejects an unknown kind with the valid ones", () => {
    expect(() => createStore("postgres" as never)).toThrow(/expected memory, sqlite or redis/);
  });

  it("picks redis only when a Redis URL is configured", () => {
    expect(defaultStoreKind(undefined)).toBe("sqlite");
    expect(defaultStoreKind("redis://x:6379")).toBe("redis");
  });
});

const url = await requireRedis("createStore redis");
describe.skipIf(!url)("createStore redis", () => {
  it("connects to the given redisUrl, never to REDIS_URL of the process (the CLI reads that)", async () => {
    const prefix = uniquePrefix("explicit");
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = "redis://127.0.0.1:1"; // nothing listens there
    try {
      const store = createStore("redis", { redisUrl: url, prefix });
      expect(store).toBeInstanceOf(RedisStore);
      await store.transact("u", async () => ({ commit: { state: { session: {}, client: {}, contextPath: "/x" } }, result: 0 }));
      expect((await store.load("u"))?.contextPath).toBe("/x");
      await store.close();
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
      await deleteKeys(url!, prefix);
    }
  });
});
