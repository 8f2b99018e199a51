// The stored state format: what a store writes, reading records of older formats (the bare JSON
// written before formats existed) and refusing newer ones, through the real SQLite and Redis stores.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { emptyUserState, type UserState } from "../engine/types.js";
import { RedisStore } from "./redis.js";
import { SqliteStore } from "./sqlite.js";
import { decodeState, encodeState, STATE_FORMAT, StoredStateError } from "./state-format.js";
import { deleteKeys, requireRedis, uniquePrefix } from "./testing/redis-env.js";

const shop: UserState = { ...emptyUserState(), session: { cart: [{ sku: "elephant", qty: 1 }] }, contextPath: "/Cart" };
const newer = JSON.stringify({ format: STATE_FORMAT + 1, state: { session: {}, client: {}, contextPath: "/", renamed: true } });

describe("stored state format", () => {
  it("writes the current format number beside the state, and reads it back", () => {
    const text = encodeState(shop);
    expect(JSON.parse(text)).toEqual({ format: STATE_FORMAT, state: shop });
    expect(decodeState(text)).toEqual(shop);
  });

  it("reads a record written before formats existed (the bare state JSON)", () => {
    expect(decodeState(JSON.stringify(shop))).toEqual(shop);
  });

  it("refuses a newer format with a reason that says what to do, and anything that is not a state", () => {
    expect(() => decodeState(newer)).toThrow(StoredStateError);
    expect(() => decodeState(newer)).toThrow(/newer smartapp-runtime/);
    expect(() => decodeState("[1,2]")).toThrow(/expected a JSON object/);
    expect(() => decodeState(JSON.stringify({ format: -1, state: {} }))).toThrow(/unknown format -1/);
  });
});

describe("stored state format in SqliteStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "smartapp-format-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rowOf = (path: string): { state: string; version: number } => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare("SELECT state, version FROM sessions WHERE user_key = 'u'").get() as { state: string; version: number };
    } finally {
      db.close();
    }
  };
  const put = (path: string, state: string): void => {
    const db = new Database(path);
    db.prepare("UPDATE sessions SET state = ? WHERE user_key = 'u'").run(state);
    db.close();
  };

  it("serves an old bare record and rewrites it in the current format on the next commit", async () => {
    const path = join(dir, "old.sqlite");
    const store = new SqliteStore({ path });
    await store.transact("u", async () => ({ commit: { state: emptyUserState() }, result: undefined }));
    put(path, JSON.stringify(shop));
    expect(await store.load("u")).toEqual(shop);
    await store.transact("u", async (current) => ({ commit: { state: { ...current!, contextPath: "/Paid" } }, result: undefined }));
    await store.close();
    expect(JSON.parse(rowOf(path).state)).toEqual({ format: STATE_FORMAT, state: { ...shop, contextPath: "/Paid" } });
  });

  it("never overwrites a record of a newer format: the turn fails and the row stays as it was", async () => {
    const path = join(dir, "newer.sqlite");
    const store = new SqliteStore({ path });
    await store.transact("u", async () => ({ commit: { state: emptyUserState() }, result: undefined }));
    put(path, newer);
    let ran = false;
    const turn = store.transact("u", async () => {
      ran = true;
      return { commit: { state: shop }, result: undefined };
    });
    await expect(turn).rejects.toThrow(StoredStateError);
    expect(ran).toBe(false);
    await store.close();
    expect(rowOf(path)).toEqual({ state: newer, version: 1 });
  });
});

const redisUrl = await requireRedis("stored state format");

describe.skipIf(!redisUrl)("stored state format in RedisStore", () => {
  const prefix = uniquePrefix("format");
  afterAll(async () => deleteKeys(redisUrl!, prefix));

  it("serves an old bare record and refuses a newer one without touching it", async () => {
    const raw = new Redis(redisUrl!);
    const store = new RedisStore({ url: redisUrl!, prefix });
    try {
      await store.transact("old", async () => ({ commit: { state: emptyUserState() }, result: undefined }));
      await store.transact("new", async () => ({ commit: { state: emptyUserState() }, result: undefined }));
      await raw.hset(`${prefix}{old}:state`, "state", JSON.stringify(shop));
      await raw.hset(`${prefix}{new}:state`, "state", newer);
      expect(await store.load("old")).toEqual(shop);
      await expect(store.transact("new", async () => ({ commit: { state: shop }, result: undefined }))).rejects.toThrow(StoredStateError);
      expect(await raw.hget(`${prefix}{new}:state`, "state")).toBe(newer);
    } finally {
      await store.close();
      await raw.quit();
    }
  });
});
