// Redis specifics: the lock (lease, renewal, safe release, waiting) and the version compare-and-set
// that protects state when a lease is lost, and two processes sharing one user.
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { emptyUserState, type UserState } from "../engine/types.js";
import { LockTimeoutError, SessionConflictError } from "./errors.js";
import { RedisStore } from "./redis.js";
import { deleteKeys, requireRedis, uniquePrefix } from "./testing/redis-env.js";
import { exited, onStdoutLines, spawnTs } from "./testing/spawn-ts.js";
import type { StoreOptions } from "./types.js";

const withCounter = (counter: number): UserState => ({ ...emptyUserState(), session: { counter } });
const counterOf = (s: UserState | undefined): number => (s?.session.counter as number | undefined) ?? 0;
const increment = async (current: UserState | undefined) => ({ commit: { state: withCounter(counterOf(current) + 1) }, result: counterOf(current) + 1 });

const url = await requireRedis("redis store");

describe.skipIf(!url)("RedisStore", () => {
  const prefix = uniquePrefix("redis");
  let raw: Redis;
  let stores: RedisStore[] = [];
  let testNo = 0;
  let ns = "";
  const open = (opts: StoreOptions = {}): RedisStore => {
    const store = new RedisStore({ url: url!, prefix: ns, ...opts });
    stores.push(store);
    return store;
  };
  const lockKey = (user: string): string => `${ns}{${user}}:lock`;

  beforeAll(() => {
    raw = new Redis(url!);
  });
  beforeEach(() => {
    ns = `${prefix}${++testNo}:`; // each test its own namespace
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });
  afterAll(async () => {
    await raw.quit();
    await deleteKeys(url!, prefix);
  });

  it("keeps state, a released lock and an expiring answer under the prefix, user in a hash tag", async () => {
    const store = open({ answerTtlSec: 60 });
    await store.transact("u:1", async () => ({ commit: { state: withCounter(1), answer: { messageId: "m 1", body: "hello" } }, result: undefined }));
    const keys = (await raw.keys(`${ns}*`)).sort();
    expect(keys).toEqual([`${ns}{u%3A1}:answer:m%201`, `${ns}{u%3A1}:state`]);
    expect(await raw.hget(`${ns}{u%3A1}:state`, "v")).toBe("1");
    const ttl = await raw.pttl(`${ns}{u%3A1}:answer:m%201`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await raw.ttl(`${ns}{u%3A1}:state`)).toBe(-1); // sessions do not expire
  });

  it("a turn whose lock was lost cannot overwrite the state a newer holder committed", async () => {
    const a = open();
    const b = open();
    await a.transact("u", increment);
    const late = a.transact("u", async (current) => {
      await raw.del(lockKey("u")); // the lease is gone, as after a long pause
      await b.transact("u", async () => ({ commit: { state: withCounter(100) }, result: undefined }));
      return { commit: { state: withCounter(counterOf(current) + 1), answer: { messageId: "late", body: "x" } }, result: undefined };
    });
    await expect(late).rejects.toThrow(SessionConflictError);
    expect(await a.load("u")).toEqual(withCounter(100));
    expect(await a.cachedAnswer("u", "late")).toBeUndefined();
  });

  it("refuses to commit while another process holds the lock, and never releases that process's lock", async () => {
    const store = open();
    await store.transact("u", increment);
    const stolen = store.transact("u", async (current) => {
      await raw.set(lockKey("u"), "other-process", "PX", 60_000);
      return increment(current);
    });
    await expect(stolen).rejects.toThrow(/another process holds it/);
    expect(await raw.get(lockKey("u"))).toBe("other-process");
    expect(await store.load("u")).toEqual(withCounter(1));
  });

  it("renews the lease while a long turn runs, so another process waits instead of taking over", async () => {
    const a = open({ lockTtlMs: 600 });
    const b = open({ lockTtlMs: 600 });
    let aStarted!: () => void;
    const started = new Promise<void>((resolve) => (aStarted = resolve));
    const long = a.transact("u", async (current) => {
      aStarted();
      await sleep(2000); // > 3 leases: only renewal keeps the lock
      return increment(current);
    });
    await started;
    const seenByB = b.transact("u", async (current) => ({ ...(await increment(current)), result: counterOf(current) }));
    expect(await long).toBe(1);
    expect(await seenByB).toBe(1); // b ran after a's commit
    expect(await b.load("u")).toEqual(withCounter(2));
  });

  it("waits with backoff for a crashed holder's lease to expire, then runs", async () => {
    await raw.set(lockKey("u"), "crashed-process", "PX", 300);
    const store = open();
    expect(await store.transact("u", increment)).toBe(1);
    expect(await raw.exists(lockKey("u"))).toBe(0);
  });

  it("gives up with LockTimeoutError after lockWaitMs and never runs the turn", async () => {
    await raw.set(lockKey("u"), "stuck-process", "PX", 60_000);
    const store = open({ lockWaitMs: 200 });
    let ran = false;
    const waiting = store.transact("u", async (current) => {
      ran = true;
      return increment(current);
    });
    await expect(waiting).rejects.toBeInstanceOf(LockTimeoutError);
    expect(ran).toBe(false);
    expect(await raw.get(lockKey("u"))).toBe("stuck-process");
    await raw.del(lockKey("u"));
    expect(await store.transact("u", increment)).toBe(1); // the queue moved on
  });

  it("two processes doing 50 concurrent increments each of one user end at exactly 100", async () => {
    const children = [0, 1].map(() => spawnTs("./redis-incrementer.ts", [url!, ns, "shared", "50"]));
    const outputs = children.map((child) => {
      const lines: string[] = [];
      onStdoutLines(child, (line) => lines.push(line));
      return exited(child).then((end) => ({ ...end, lines }));
    });
    for (const end of await Promise.all(outputs)) {
      expect(end.code, end.stderr).toBe(0);
      expect(end.lines).toEqual(["done 50"]);
    }
    const store = open();
    expect(counterOf(await store.load("shared"))).toBe(100);
    expect(await raw.hget(`${ns}{shared}:state`, "v")).toBe("100");
  });
});
