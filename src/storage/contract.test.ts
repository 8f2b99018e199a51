// One contract, every adapter: the engine relies on exactly these behaviours whichever store runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { emptyUserState, type UserState } from "../engine/types.js";
import { ANSWER_NOT_KEPT } from "./base.js";
import { StoreClosedError } from "./errors.js";
import { MemoryStore } from "./memory.js";
import { RedisStore } from "./redis.js";
import { SqliteStore } from "./sqlite.js";
import { deleteKeys, requireRedis, uniquePrefix } from "./testing/redis-env.js";
import type { Commit, SessionStore, StoreOptions } from "./types.js";

type Factory = (opts: StoreOptions) => SessionStore;

interface ContractOptions {
  /** Answer expiry happens on the server's clock (redis): wait real time instead of moving the fake clock. */
  realClock?: boolean;
}

const state = (session: Record<string, unknown>, contextPath = "/"): UserState => ({ ...emptyUserState(), session, contextPath });

const counterOf = (s: UserState | undefined): number => (s?.session.counter as number | undefined) ?? 0;

/** A promise plus the function that resolves it: lets a test hold a turn open. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export function describeStoreContract(name: string, factory: Factory, options: ContractOptions = {}): void {
  describe(`SessionStore contract: ${name}`, () => {
    let clock = 1_700_000_000_000;
    const opened: SessionStore[] = [];
    const open = (opts: StoreOptions = {}): SessionStore => {
      const store = factory({ now: () => clock, ...opts });
      opened.push(store);
      return store;
    };
    const elapse = async (ms: number): Promise<void> => {
      clock += ms;
      if (options.realClock) await sleep(ms);
    };
    const commitOnly = (next: UserState, answer?: Commit["answer"]) => async () => ({ commit: { state: next, answer }, result: undefined });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("load returns undefined for a user it has never seen", async () => {
      const store = open();
      expect(await store.load("nobody")).toBeUndefined();
      expect(await store.cachedAnswer("nobody", "m1")).toBeUndefined();
    });

    it("transact hands the turn the current state, commits the new one and resolves with the result", async () => {
      const store = open();
      const seen: (UserState | undefined)[] = [];
      const r1 = await store.transact("u1", async (current) => {
        seen.push(current);
        return { commit: { state: state({ step: 1 }, "/Start") }, result: "first" };
      });
      const r2 = await store.transact("u1", async (current) => {
        seen.push(current);
        return { commit: { state: state({ step: 2 }, "/Start/Next") }, result: "second" };
      });
      expect([r1, r2]).toEqual(["first", "second"]);
      expect(seen).toEqual([undefined, state({ step: 1 }, "/Start")]);
      expect(await store.load("u1")).toEqual(state({ step: 2 }, "/Start/Next"));
    });

    it("keeps the whole state exactly as JSON", async () => {
      const store = open();
      const full: UserState = {
        session: { cart: [{ sku: "A-1", qty: 2, priceMinor: 19900 }], name: "Ёжик 🦔", nested: { deep: { list: [1, null, "x"] } } },
        client: { phone: "+79990001122", visits: 3 },
        contextPath: "/Shop/Cart",
        sessionId: "s-42",
        lastButtons: { "оплатить": "/Shop/Pay" },
        pendingTimeout: { interval: 5, targetState: "/Shop/Remind", setAt: 1_700_000_000_000 },
        contextHistory: ["/", "/Shop", "/Shop/Cart"],
      };
      await store.transact("u-json", commitOnly(full));
      expect(await store.load("u-json")).toEqual(full);
    });

    it("writes nothing when the turn throws, rethrows its error, and serves the next turn", async () => {
      const store = open();
      await store.transact("u2", commitOnly(state({ counter: 1 })));
      const boom = new Error("script failed");
      const failing = store.transact("u2", async (current) => {
        current!.session.counter = 999; // mutating the loaded copy must not leak into the store
        throw boom;
      });
      await expect(failing).rejects.toBe(boom);
      expect(await store.load("u2")).toEqual(state({ counter: 1 }));
      const after = await store.transact("u2", async (current) => ({
        commit: { state: state({ counter: counterOf(current) + 1 }) },
        result: counterOf(current),
      }));
      expect(after).toBe(1);
      expect(counterOf(await store.load("u2"))).toBe(2);
    });

    it("rejects a commit without a state object and writes neither state nor answer", async () => {
      const store = open();
      const bad = store.transact("u3", async () => ({ commit: { state: null as unknown as UserState, answer: { messageId: "m", body: "b" } }, result: 0 }));
      await expect(bad).rejects.toThrow(TypeError);
      expect(await store.load("u3")).toBeUndefined();
      expect(await store.cachedAnswer("u3", "m")).toBeUndefined();
    });

    it("caches the answer per user and messageId until the answer TTL passes", async () => {
      const ttlSec = 1;
      const store = open({ answerTtlSec: ttlSec });
      await store.transact("u4", commitOnly(state({ n: 1 }), { messageId: "9007199254740993", body: '{"reply":"hi"}' }));
      expect(await store.cachedAnswer("u4", "9007199254740993")).toBe('{"reply":"hi"}');
      expect(await store.cachedAnswer("u4", "9007199254740992")).toBeUndefined(); // exact id, no float rounding
      expect(await store.cachedAnswer("other-user", "9007199254740993")).toBeUndefined();
      if (!options.realClock) {
        await elapse(ttlSec * 1000 - 1);
        expect(await store.cachedAnswer("u4", "9007199254740993")).toBe('{"reply":"hi"}');
      }
      await elapse(ttlSec * 1000 + 200);
      expect(await store.cachedAnswer("u4", "9007199254740993")).toBeUndefined();
      expect(await store.load("u4")).toEqual(state({ n: 1 })); // state does not expire with the answer
    });

    it("writes nothing when the turn resolves without a commit", async () => {
      const store = open();
      await store.transact("u9", commitOnly(state({ n: 1 })));
      const result = await store.transact("u9", async () => ({ commit: undefined, result: "cached" }));
      expect(result).toBe("cached");
      expect(await store.load("u9")).toEqual(state({ n: 1 }));
      await store.transact("u9", commitOnly(state({ n: 2 }))); // the version did not move: the next commit succeeds
      expect(await store.load("u9")).toEqual(state({ n: 2 }));
    });

    it("lets a turn read the answer a queued copy committed, also while the store is closing", async () => {
      const store = open();
      const first = gate();
      const one = store.transact("u11", async () => {
        await first.opened;
        return { commit: { state: state({ n: 1 }), answer: { messageId: "m", body: "first" } }, result: "ran" };
      });
      const two = store.transact("u11", async (_current, tx) => {
        const cached = await tx.cachedAnswer("m");
        return cached === undefined ? { commit: { state: state({ n: 2 }) }, result: "ran" } : { commit: undefined, result: cached };
      });
      const closed = store.close();
      first.open();
      expect(await Promise.all([one, two])).toEqual(["ran", "first"]);
      await closed;
    });

    it("given the turn's messageId, hands the turn the state and that id's answer as without it", async () => {
      const ttlSec = 1;
      const store = open({ answerTtlSec: ttlSec });
      // What a turn sees: its state, the answer for its own id, and for another id.
      const seen = (user: string, messageId: string) =>
        store.transact(
          user,
          async (current, tx) => ({ commit: undefined, result: [current?.session, await tx.cachedAnswer(messageId), await tx.cachedAnswer("other")] }),
          { messageId },
        );
      expect(await seen("u12", "9007199254740993")).toEqual([undefined, undefined, undefined]); // nothing stored yet
      await store.transact("u12", commitOnly(state({ n: 1 }), { messageId: "9007199254740993", body: "one" }));
      await store.transact("u12", commitOnly(state({ n: 2 }), { messageId: "other", body: "two" }));
      expect(await seen("u12", "9007199254740993")).toEqual([{ n: 2 }, "one", "two"]);
      expect(await seen("u12", "9007199254740992")).toEqual([{ n: 2 }, undefined, "two"]); // exact id, no float rounding
      await store.delete("u12");
      expect(await seen("u12", "9007199254740993")).toEqual([undefined, "one", "two"]); // answers outlive a deleted state
      await elapse(ttlSec * 1000 + 200);
      expect(await seen("u12", "9007199254740993")).toEqual([undefined, undefined, undefined]);
    });

    it("keeps only the messageId of an answer larger than maxAnswerBytes (an empty body), and commits its state", async () => {
      const store = open({ maxAnswerBytes: 10 });
      await store.transact("u10", commitOnly(state({ n: 1 }), { messageId: "m1", body: "x".repeat(11) }));
      await store.transact("u10", commitOnly(state({ n: 2 }), { messageId: "m2", body: "я".repeat(5) })); // 10 bytes
      expect(await store.cachedAnswer("u10", "m1")).toBe(ANSWER_NOT_KEPT);
      expect(await store.cachedAnswer("u10", "m2")).toBe("я".repeat(5));
      expect(await store.load("u10")).toEqual(state({ n: 2 }));
    });

    it("does not cache answers when answerTtlSec is 0", async () => {
      const store = open({ answerTtlSec: 0 });
      await store.transact("u5", commitOnly(state({}), { messageId: "m1", body: "x" }));
      expect(await store.cachedAnswer("u5", "m1")).toBeUndefined();
    });

    it("runs 100 concurrent turns of one user one at a time, in arrival order, ending at exactly 100", async () => {
      const store = open({ maxWaitingTurns: 100 });
      let running = 0;
      let maxRunning = 0;
      const turns = Array.from({ length: 100 }, (_, i) =>
        store.transact("hot", async (current) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const counter = counterOf(current);
          const order = [...((current?.session.order as number[] | undefined) ?? []), i];
          await new Promise((resolve) => setImmediate(resolve)); // yield: overlapping turns would lose updates
          running--;
          return { commit: { state: state({ counter: counter + 1, order }) }, result: counter + 1 };
        }),
      );
      const results = await Promise.all(turns);
      expect(maxRunning).toBe(1);
      expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const final = await store.load("hot");
      expect(counterOf(final)).toBe(100);
      expect(final?.session.order).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it("lets a user's turn finish while another user's turn is still running", async () => {
      const store = open();
      const hold = gate();
      let slowDone = false;
      const slow = store.transact("slow", async () => {
        await hold.opened;
        slowDone = true;
        return { commit: { state: state({ who: "slow" }) }, result: "slow" };
      });
      const fast = await store.transact("fast", async () => ({ commit: { state: state({ who: "fast" }) }, result: "fast" }));
      expect(fast).toBe("fast");
      expect(slowDone).toBe(false);
      expect(await store.load("fast")).toEqual(state({ who: "fast" }));
      hold.open();
      expect(await slow).toBe("slow");
    });

    it("delete removes the state, and the next turn starts from nothing", async () => {
      const store = open();
      await store.transact("u6", commitOnly(state({ counter: 5 })));
      await store.delete("u6");
      expect(await store.load("u6")).toBeUndefined();
      const seen = await store.transact("u6", async (current) => ({ commit: { state: state({ counter: 1 }) }, result: current }));
      expect(seen).toBeUndefined();
      expect(await store.load("u6")).toEqual(state({ counter: 1 }));
    });

    it("delete is never refused by maxWaitingTurns, and runs after the turns already waiting (no turn commits over it)", async () => {
      const store = open({ maxWaitingTurns: 2 });
      const hold = gate();
      const running = store.transact("u13", async () => {
        await hold.opened;
        return { commit: { state: state({ counter: 1 }) }, result: 1 };
      });
      const waiting = store.transact("u13", async (current) => ({ commit: { state: state({ counter: counterOf(current) + 1 }) }, result: counterOf(current) + 1 }));
      // The user's queue is full: another turn is refused, a delete is not.
      await expect(store.transact("u13", commitOnly(state({})))).rejects.toThrow("2 turns of this user are already waiting or running");
      const deleted = store.delete("u13");
      const after = store.delete("u13");
      hold.open();
      expect(await Promise.all([running, waiting])).toEqual([1, 2]);
      await Promise.all([deleted, after]);
      expect(await store.load("u13")).toBeUndefined();
      // The queue takes turns again afterwards, from nothing.
      expect(await store.transact("u13", async (current) => ({ commit: { state: state({ counter: 9 }) }, result: current }))).toBeUndefined();
    });

    it("close lets running and queued turns finish, then refuses every call", async () => {
      const store = open();
      const hold = gate();
      const events: string[] = [];
      const running = store.transact("u7", async () => {
        await hold.opened;
        events.push("turn 1");
        return { commit: { state: state({ counter: 1 }) }, result: 1 };
      });
      const queued = store.transact("u7", async (current) => {
        events.push("turn 2");
        return { commit: { state: state({ counter: counterOf(current) + 1 }) }, result: counterOf(current) + 1 };
      });
      const closed = store.close().then(() => events.push("closed"));
      await expect(store.transact("u7", commitOnly(state({})))).rejects.toBeInstanceOf(StoreClosedError);
      hold.open();
      expect(await Promise.all([running, queued])).toEqual([1, 2]);
      await closed;
      expect(events).toEqual(["turn 1", "turn 2", "closed"]);
      await expect(store.load("u7")).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.cachedAnswer("u7", "m")).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.delete("u7")).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}

describeStoreContract("memory", (opts) => new MemoryStore(opts));

const sqliteDir = mkdtempSync(join(tmpdir(), "smartapp-sqlite-contract-"));
let sqliteFiles = 0;
describeStoreContract("sqlite", (opts) => new SqliteStore({ ...opts, path: join(sqliteDir, `s${++sqliteFiles}.sqlite`) }));
describeStoreContract("sqlite (shared, serve --processes)", (opts) => new SqliteStore({ ...opts, shared: true, path: join(sqliteDir, `s${++sqliteFiles}.sqlite`) }));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const redisUrl = await requireRedis("redis store contract");
if (redisUrl) {
  const prefix = uniquePrefix("contract");
  let namespaces = 0;
  describeStoreContract("redis", (opts) => new RedisStore({ ...opts, url: redisUrl, prefix: `${prefix}${++namespaces}:` }), { realClock: true });
  afterAll(() => deleteKeys(redisUrl, prefix));
} else {
  describe.skip("SessionStore contract: redis (Redis unreachable, see warning above)", () => {
    it("needs Redis", () => undefined);
  });
}
