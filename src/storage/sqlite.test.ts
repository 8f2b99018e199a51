// SQLite specifics: the file format, reopening, two writers on one file, and surviving SIGKILL.
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { emptyUserState, type UserState } from "../engine/types.js";
import { LockTimeoutError, SessionConflictError } from "./errors.js";
import { SqliteStore } from "./sqlite.js";
import { BACKSTOP_PAGES } from "./sqlite-checkpointer.js";
import { exited, onStdoutLines, spawnTs } from "./testing/spawn-ts.js";

const dir = mkdtempSync(join(tmpdir(), "smartapp-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = (): string => join(dir, `t${++files}`, "sessions.sqlite"); // a missing folder is created

const withCounter = (counter: number): UserState => ({ ...emptyUserState(), session: { counter } });
const counterOf = (s: UserState | undefined): number => (s?.session.counter as number | undefined) ?? 0;

function inspect<T>(path: string, query: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

/** Polls `read` until `done` holds for its value (the default: truthy); fails after 20 s. */
async function until<T>(read: () => T, done: (value: T) => boolean = Boolean): Promise<T> {
  for (const deadline = Date.now() + 20_000; ; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after 20 s`);
  }
}

describe("SqliteStore", () => {
  it("opens the file in WAL mode with synchronous NORMAL by default, FULL on request", async () => {
    const path = newPath();
    const normal = new SqliteStore({ path });
    expect(normal["db"].pragma("synchronous", { simple: true })).toBe(1);
    await normal.close();
    const full = new SqliteStore({ path, sqliteSynchronous: "FULL" });
    expect(full["db"].pragma("synchronous", { simple: true })).toBe(2);
    await full.close();
    expect(inspect(path, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
  });

  it("stores one versioned row per user and keeps state, version and answers across a reopen", async () => {
    const path = newPath();
    const first = new SqliteStore({ path });
    for (let n = 1; n <= 3; n++) {
      await first.transact("u", async () => ({ commit: { state: withCounter(n), answer: { messageId: `m${n}`, body: `a${n}` } }, result: n }));
    }
    await first.close();
    expect(inspect(path, (db) => db.prepare("SELECT user_key, version FROM sessions").all())).toEqual([{ user_key: "u", version: 3 }]);

    const second = new SqliteStore({ path });
    expect(await second.load("u")).toEqual(withCounter(3));
    expect(await second.cachedAnswer("u", "m2")).toBe("a2");
    await second.transact("u", async (current) => ({ commit: { state: withCounter(counterOf(current) + 1) }, result: undefined }));
    await second.close();
    expect(inspect(path, (db) => db.prepare("SELECT version FROM sessions WHERE user_key = 'u'").get())).toEqual({ version: 4 });
  });

  it("refuses a commit when another writer on the same file committed first (version compare-and-set)", async () => {
    const path = newPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.transact("u", async () => ({ commit: { state: withCounter(1) }, result: undefined }));
    const slow = a.transact("u", async (current) => {
      await b.transact("u", async () => ({ commit: { state: withCounter(100) }, result: undefined }));
      return { commit: { state: withCounter(counterOf(current) + 1), answer: { messageId: "late", body: "x" } }, result: undefined };
    });
    await expect(slow).rejects.toBeInstanceOf(SessionConflictError);
    expect(await a.load("u")).toEqual(withCounter(100));
    expect(await a.cachedAnswer("u", "late")).toBeUndefined(); // the answer rolled back with the state
    await Promise.all([a.close(), b.close()]);
  });

  it("also detects a competing first commit for a new user", async () => {
    const path = newPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    const slow = a.transact("new", async () => {
      await b.transact("new", async () => ({ commit: { state: withCounter(7) }, result: undefined }));
      return { commit: { state: withCounter(1) }, result: undefined };
    });
    await expect(slow).rejects.toBeInstanceOf(SessionConflictError);
    expect(await a.load("new")).toEqual(withCounter(7));
    await Promise.all([a.close(), b.close()]);
  });

  it("commits the turns that finish together in one transaction; a conflict rolls back only its own turn", async () => {
    const path = newPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.transact("x", async () => ({ commit: { state: withCounter(1) }, result: undefined }));
    const sizes: number[] = [];
    const grouped = a as unknown as { groupTx: (batch: unknown[], leaseOps: unknown[], removals: unknown[]) => void };
    const group = grouped.groupTx;
    grouped.groupTx = (batch, leaseOps, removals) => {
      sizes.push(batch.length);
      group(batch, leaseOps, removals);
    };
    const turns = Array.from({ length: 20 }, (_, i) =>
      a.transact(`g${i}`, async () => ({ commit: { state: withCounter(i), answer: { messageId: `m${i}`, body: `b${i}` } }, result: i })),
    );
    const conflicting = a.transact("x", async (current) => {
      await b.transact("x", async () => ({ commit: { state: withCounter(50) }, result: undefined }));
      return { commit: { state: withCounter(counterOf(current) + 1), answer: { messageId: "lost", body: "x" } }, result: undefined };
    });
    expect(await Promise.all(turns)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await expect(conflicting).rejects.toBeInstanceOf(SessionConflictError);
    for (let i = 0; i < 20; i++) {
      expect(counterOf(await a.load(`g${i}`))).toBe(i);
      expect(await a.cachedAnswer(`g${i}`, `m${i}`)).toBe(`b${i}`);
    }
    expect(counterOf(await a.load("x"))).toBe(50);
    expect(await a.cachedAnswer("x", "lost")).toBeUndefined();
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(20); // the 20 new users' turns went in one transaction
    await Promise.all([a.close(), b.close()]);
  });

  it("moves committed turns into the database file on a worker thread, not in the store's own commits", async () => {
    const path = newPath();
    const store = new SqliteStore({ path });
    const db = store["db"] as Database.Database;
    const commit = (user: string, n: number) => store.transact(user, async () => ({ commit: { state: withCounter(n) }, result: undefined }));
    await Promise.all(Array.from({ length: 300 }, (_, i) => commit(`early${i}`, i))); // past the first maintenance
    await until(() => db.pragma("wal_autocheckpoint", { simple: true }) === BACKSTOP_PAGES);
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit(`late${i}`, i)));
    // A few pages, far below any autocheckpoint: only the worker's checkpoints put them in the file.
    const copy = `${path}.copy`;
    await until(() => {
      copyFileSync(path, copy); // the database file alone, without its WAL
      try {
        return inspect(copy, (file) => file.prepare("SELECT count(*) AS n FROM sessions WHERE user_key LIKE 'late%'").get()) as { n: number };
      } catch {
        return undefined; // copied in the middle of a checkpoint's writes: try again
      }
    }, (read) => read?.n === 10);
    const worker = store["checkpointer"]!["worker"]!;
    await store.close();
    expect(worker.threadId).toBe(-1); // closing the store ended it
  });

  it("checkpoints in its own commits again when the checkpoint worker ends", async () => {
    const path = newPath();
    const store = new SqliteStore({ path });
    const db = store["db"] as Database.Database;
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.transact(`u${i}`, async () => ({ commit: { state: withCounter(i) }, result: undefined }))));
    await until(() => db.pragma("wal_autocheckpoint", { simple: true }) === BACKSTOP_PAGES);
    await store["checkpointer"]!["worker"]!.terminate();
    await until(() => db.pragma("wal_autocheckpoint", { simple: true }) === 1000); // SQLite's default
    await store.close();
  });

  it("says once, at warn, that the checkpoint worker failed, and checkpoints in its own commits again", async () => {
    const path = newPath();
    const logged: [string, string][] = [];
    const store = new SqliteStore({ path, log: (level, message) => logged.push([level, message]) });
    const db = store["db"] as Database.Database;
    unlinkSync(path); // the store's connection keeps its open file; the worker cannot open the path
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.transact(`u${i}`, async () => ({ commit: { state: withCounter(i) }, result: undefined }))));
    await until(() => logged.length > 0);
    expect(logged).toEqual([["warn", expect.stringMatching(/^sqlite .*sessions\.sqlite: the checkpoint worker failed \(.+\); the store's own commits checkpoint the WAL again/)]]);
    await until(() => db.pragma("wal_autocheckpoint", { simple: true }) === 1000); // SQLite's default
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.transact(`v${i}`, async () => ({ commit: { state: withCounter(i) }, result: undefined }))));
    await store.close();
    expect(logged).toHaveLength(1);
  });

  it("starts no checkpoint worker for the commits that finish while the store closes", async () => {
    const store = new SqliteStore({ path: newPath() });
    const commit = (user: string) => store.transact(user, async () => ({ commit: { state: withCounter(1) }, result: undefined }));
    await Promise.all(Array.from({ length: 255 }, (_, i) => commit(`u${i}`)));
    const last = commit("last"); // the 256th commit, written while the store drains its queue to close
    await store.close();
    await last;
    expect(store["checkpointer"]!["worker"]).toBeUndefined();
  });

  it("purges expired answers from the file", async () => {
    const path = newPath();
    let clock = 1_000_000;
    const store = new SqliteStore({ path, answerTtlSec: 1, now: () => clock });
    await store.transact("u", async () => ({ commit: { state: withCounter(1), answer: { messageId: "m", body: "b" } }, result: undefined }));
    await store.close();
    expect(inspect(path, (db) => db.prepare("SELECT count(*) AS n FROM answers").get())).toEqual({ n: 1 });
    clock += 1000;
    await new SqliteStore({ path, now: () => clock }).close(); // opening sweeps
    expect(inspect(path, (db) => db.prepare("SELECT count(*) AS n FROM answers").get())).toEqual({ n: 0 });
  });

  it("keeps at most maxCachedAnswers answers, dropping the oldest", async () => {
    const path = newPath();
    let clock = 1_000_000;
    const store = new SqliteStore({ path, maxCachedAnswers: 3, now: () => clock });
    for (let i = 0; i < 300; i++) {
      clock += 1;
      await store.transact(`u${i}`, async () => ({ commit: { state: withCounter(i), answer: { messageId: "m", body: `b${i}` } }, result: undefined }));
    }
    // Every group commit keeps the cap, not only every few hundred commits.
    expect((store["db"] as Database.Database).prepare("SELECT body FROM answers ORDER BY expires_at").all()).toEqual([{ body: "b297" }, { body: "b298" }, { body: "b299" }]);
    await store.close();
    await new SqliteStore({ path, maxCachedAnswers: 3, now: () => clock }).close(); // opening trims too
    const left = inspect(path, (db) => db.prepare("SELECT body FROM answers ORDER BY expires_at").all());
    expect(left).toEqual([{ body: "b297" }, { body: "b298" }, { body: "b299" }]);
  });

  it("never trims the answers of the group commit that wrote them, also past maxCachedAnswers", async () => {
    const store = new SqliteStore({ path: newPath(), maxCachedAnswers: 2 });
    const turn = (user: string, id: string) => store.transact(user, async () => ({ commit: { state: withCounter(1), answer: { messageId: id, body: `${user}:${id}` } }, result: undefined }));
    await Promise.all(Array.from({ length: 5 }, (_, i) => turn(`u${i}`, "m1"))); // one group of five answers
    const cached = await Promise.all(Array.from({ length: 5 }, (_, i) => store.cachedAnswer(`u${i}`, "m1")));
    expect(cached).toEqual(["u0:m1", "u1:m1", "u2:m1", "u3:m1", "u4:m1"]); // a retry of any of them gets its answer
    await turn("u0", "m2"); // the next group keeps the cap again
    expect((store["db"] as Database.Database).prepare("SELECT body FROM answers ORDER BY rowid").all()).toEqual([{ body: "u4:m1" }, { body: "u0:m2" }]);
    await store.close();
  });

  it("refuses a file written by a newer schema instead of guessing", async () => {
    const path = newPath();
    await new SqliteStore({ path }).close();
    const db = new Database(path);
    db.pragma("user_version = 99");
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(/schema version 99 is newer/);
  });

  it("keeps every turn a killed process reported as committed", async () => {
    const path = newPath();
    const child = spawnTs("./sqlite-writer.ts", [path, "3"]);
    const done = exited(child);
    const reported = new Map<string, number[]>();
    let lines = 0;
    onStdoutLines(child, (line) => {
      const [user, n] = line.split(" ");
      reported.set(user, [...(reported.get(user) ?? []), Number(n)]);
      if (++lines === 600) child.kill("SIGKILL"); // mid-stream: the child is still committing
    });
    const end = await done;
    expect(end.signal, `child ended without being killed: ${end.stderr}`).toBe("SIGKILL");
    expect(lines).toBeGreaterThanOrEqual(600);

    const store = new SqliteStore({ path, answerTtlSec: 86_400 });
    try {
      expect([...reported.keys()].sort()).toEqual(["user-0", "user-1", "user-2"]);
      for (const [user, turns] of reported) {
        expect(turns).toEqual(turns.map((_, i) => i + 1)); // the child reports each turn once, in order
        const stored = counterOf(await store.load(user));
        expect(stored).toBeGreaterThanOrEqual(turns.length);
        for (const n of turns) expect(await store.cachedAnswer(user, `m${n}`)).toBe(`answer ${n}`);
      }
    } finally {
      await store.close();
    }
  });
});

// serve --processes: several processes serve users from one file (docs/storage.md, "Several processes serving one file").
describe("SqliteStore shared by several processes", () => {
  const increment = async (current: UserState | undefined) => ({ commit: { state: withCounter(counterOf(current) + 1) }, result: counterOf(current) + 1 });
  const leases = (path: string) => inspect(path, (db) => db.prepare("SELECT user_key, token FROM leases").all() as { user_key: string; token: string }[]);

  /**
   * One child per entry of `counts`, each doing that many concurrent increments. The children start
   * together: each says "ready" once its store is open and waits for "go" on stdin, so the runs
   * overlap however long each took to start.
   */
  async function incrementInChildren(path: string, counts: number[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
    const ready: Promise<void>[] = [];
    const children = counts.map((each) => {
      const child = spawnTs("./sqlite-incrementer.ts", ["inc", path, "shared", String(each)], env);
      const lines: string[] = [];
      ready.push(new Promise<void>((resolve) => onStdoutLines(child, (line) => (line === "ready" ? resolve() : lines.push(line)))));
      const run = exited(child).then((end) => {
        expect(end.code, end.stderr).toBe(0);
        return lines.join("\n");
      });
      return { child, run };
    });
    await Promise.race([Promise.all(ready), Promise.all(children.map((c) => c.run))]);
    for (const { child } of children) child.stdin.write("go\n");
    return Promise.all(children.map((c) => c.run));
  }

  it("three processes doing 34, 33 and 33 concurrent increments of one user end at exactly 100", async () => {
    const path = newPath();
    new SqliteStore({ path }).close(); // the file exists before the children race to create it
    const outputs = await incrementInChildren(path, [34, 33, 33]);
    expect(outputs.sort()).toEqual(["done 33", "done 33", "done 34"]);
    const store = new SqliteStore({ path });
    expect(counterOf(await store.load("shared"))).toBe(100);
    expect(inspect(path, (db) => db.prepare("SELECT version FROM sessions WHERE user_key = 'shared'").get())).toEqual({ version: 100 });
    expect(leases(path)).toEqual([]); // every commit gave its lease back
    await store.close();
  });

  it("without the shared option the same processes collide (the reason it exists)", async () => {
    const path = newPath();
    new SqliteStore({ path }).close();
    const outputs = await incrementInChildren(path, [50, 50], { SHARED: "0" });
    expect(outputs.some((line) => line.startsWith("conflicts"))).toBe(true);
  });

  it("waits out the lease of a process killed mid-turn, then runs the turn on the state it left", async () => {
    const path = newPath();
    const store = new SqliteStore({ path, shared: true, lockTtlMs: 400 });
    await store.transact("u", increment);
    const child = spawnTs("./sqlite-incrementer.ts", ["hold", path, "u"], { LEASE_MS: "400" }); // the holder sets its lease's length
    const end = exited(child);
    await new Promise<void>((resolve) => onStdoutLines(child, (line) => line === "in turn" && resolve()));
    expect(leases(path)).toHaveLength(1);
    child.kill("SIGKILL");
    await end;
    expect(await store.transact("u", increment)).toBe(2); // the killed turn committed nothing
    expect(leases(path)).toEqual([]);
    await store.close();
  });

  it("a turn whose lease another process took over cannot commit, and its answer is not stored", async () => {
    const path = newPath();
    const store = new SqliteStore({ path, shared: true });
    const raw = new Database(path);
    const turn = store.transact("u", async (current) => {
      // as if this process stalled past its lease and another one took it
      raw.prepare("UPDATE leases SET token = 'other', expires_at = ? WHERE user_key = 'u'").run(Date.now() + 60_000);
      return { commit: { state: withCounter(counterOf(current) + 1), answer: { messageId: "m1", body: "late" } }, result: undefined };
    });
    await expect(turn).rejects.toBeInstanceOf(SessionConflictError);
    expect(await store.load("u")).toBeUndefined();
    expect(await store.cachedAnswer("u", "m1")).toBeUndefined();
    expect(leases(path)).toEqual([{ user_key: "u", token: "other" }]); // never another process's lease given back
    raw.close();
    await store.close();
  });

  it("gives up with LockTimeoutError after lockWaitMs and never runs the turn", async () => {
    const path = newPath();
    const store = new SqliteStore({ path, shared: true, lockWaitMs: 150 });
    const raw = new Database(path);
    raw.prepare("INSERT INTO leases (user_key, token, expires_at) VALUES ('u', 'stuck', ?)").run(Date.now() + 60_000);
    let ran = false;
    await expect(store.transact("u", async (current) => ((ran = true), increment(current)))).rejects.toBeInstanceOf(LockTimeoutError);
    expect(ran).toBe(false);
    raw.prepare("DELETE FROM leases").run();
    expect(await store.transact("u", increment)).toBe(1); // the queue moved on
    raw.close();
    await store.close();
  });

  it("gives the lease back when a turn commits nothing or throws", async () => {
    const path = newPath();
    const store = new SqliteStore({ path, shared: true });
    await store.transact("u", async () => ({ commit: undefined, result: undefined }));
    await expect(store.transact("u", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(leases(path)).toEqual([]);
    await store.close();
  });

  it("takes no lease when the store is not shared (one process: no statement more per turn)", async () => {
    const path = newPath();
    const store = new SqliteStore({ path });
    const turn = store.transact("u", async (current) => ({ seen: leases(path), ...(await increment(current)) }));
    await turn;
    expect(leases(path)).toEqual([]);
    expect(store["leaseSql"]).toBeUndefined();
    await store.close();
  });

  it("deletes a user in the group commit: another process's write lock delays it without blocking this thread", async () => {
    const path = newPath();
    const store = new SqliteStore({ path, shared: true });
    await store.transact("u", increment);
    const raw = new Database(path);
    raw.exec("BEGIN IMMEDIATE"); // another process writing
    // Without the change the DELETE waited 5 s in SQLite's busy handler on this thread, then failed.
    let settled = false;
    const removing = store["remove"]("u").finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the event loop runs: timers fire, the flush retries
    expect(settled).toBe(false);
    raw.exec("COMMIT");
    await removing;
    expect(await store.load("u")).toBeUndefined();
    raw.close();
    await store.close();
  });

  it("keeps a long turn's lease alive past lockTtlMs while it runs", async () => {
    const path = newPath();
    const a = new SqliteStore({ path, shared: true, lockTtlMs: 90 });
    const b = new SqliteStore({ path, shared: true, lockTtlMs: 90 });
    const order: string[] = [];
    const first = a.transact("u", async (current) => {
      await new Promise((resolve) => setTimeout(resolve, 400)); // several leases long
      order.push("a");
      return increment(current);
    });
    await until(() => leases(path).length === 1);
    const second = b.transact("u", async (current) => (order.push("b"), increment(current)));
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(order).toEqual(["a", "b"]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe("SqliteStore state cache", () => {
  type Sql = Record<string, { get: (...args: unknown[]) => unknown; all: (...args: unknown[]) => unknown; run: (...args: unknown[]) => unknown }>;
  /** Counts the store's reads of a session row (with or without an answer). */
  function countRowReads(store: SqliteStore): { n: number } {
    const sql = store["sql"] as unknown as Sql;
    const counter = { n: 0 };
    for (const name of ["read", "readWithAnswer"]) {
      const statement = sql[name]!;
      sql[name] = { ...statement, get: (...args: unknown[]) => (counter.n++, statement.get.call(statement, ...args)) } as Sql[string];
    }
    return counter;
  }
  const turn = (n: number, messageId?: string) => async () => ({
    commit: { state: withCounter(n), ...(messageId ? { answer: { messageId, body: `a-${messageId}` } } : {}) },
    result: undefined,
  });
  const nextTick = () => new Promise((resolve) => setImmediate(resolve));

  it("starts a user's next turn from the state this process committed, reading no row, as a fresh copy", async () => {
    const store = new SqliteStore({ path: newPath() });
    try {
      await store.transact("u", turn(1, "m1"), { messageId: "m1" });
      const reads = countRowReads(store);
      // The turn changes what it got and fails: nothing of it may show in the next turn.
      const failing = store.transact("u", async (current) => {
        current!.session.counter = 999;
        throw new Error("boom");
      });
      await expect(failing).rejects.toThrow("boom");
      let seen: UserState | undefined;
      await store.transact(
        "u",
        async (current) => {
          seen = current;
          return { commit: { state: withCounter(counterOf(current) + 1) }, result: undefined };
        },
        { messageId: "m2" },
      );
      expect(seen).toEqual(withCounter(1));
      expect(reads.n).toBe(0);
      expect(await store.load("u")).toEqual(withCounter(2));
    } finally {
      await store.close();
    }
  });

  it("reads the row on every turn with stateCache: 0", async () => {
    const store = new SqliteStore({ path: newPath(), stateCache: 0 });
    try {
      await store.transact("u", turn(1));
      const reads = countRowReads(store);
      await store.transact("u", turn(2), { messageId: "m2" });
      await store.transact("u", turn(3));
      expect(reads.n).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("keeps at most stateCache users, the least recently active going first", async () => {
    const store = new SqliteStore({ path: newPath(), stateCache: 2 });
    try {
      for (const user of ["a", "b", "a", "c"]) await store.transact(user, turn(1));
      const reads = countRowReads(store);
      await store.transact("a", turn(2));
      await store.transact("c", turn(2));
      expect(reads.n).toBe(0);
      await store.transact("b", turn(2)); // dropped when c came
      expect(reads.n).toBe(1);
      expect(store["cache"]!.size).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("answers a retried messageId from its answer row, and knows a new one has none without asking the file", async () => {
    const path = newPath();
    const before = new SqliteStore({ path });
    await before.transact("u", turn(1, "old"), { messageId: "old" });
    await before.close();
    const store = new SqliteStore({ path });
    try {
      // The first turn after a restart reads the row and the messageIds of the user's answers.
      await store.transact("u", turn(2, "m2"), { messageId: "m2" });
      const reads = countRowReads(store);
      const sql = store["sql"] as unknown as Sql;
      let answerReads = 0;
      const getAnswer = sql.getAnswer!;
      sql.getAnswer = { ...getAnswer, get: (...args: unknown[]) => (answerReads++, getAnswer.get.call(getAnswer, ...args)) } as Sql[string];
      const answered = (messageId: string) =>
        store.transact("u", async (_current, tx) => ({ commit: undefined, result: tx.cachedAnswer(messageId) }), { messageId });
      expect(await answered("old")).toBe("a-old"); // committed before this process started
      expect(await answered("m2")).toBe("a-m2");
      expect(answerReads).toBe(2);
      expect(await answered("new")).toBeUndefined();
      expect(answerReads).toBe(2);
      expect(reads.n).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("forgets the answers a commit deletes, so the users' entries hold no more answers than the file", async () => {
    let now = 1_000_000;
    const store = new SqliteStore({ path: newPath(), maxCachedAnswers: 2, answerTtlSec: 60, now: () => now });
    try {
      for (let n = 1; n <= 4; n++) await store.transact("u", turn(n, `m${n}`), { messageId: `m${n}` });
      expect([...store["cache"]!.peek("u")!.answers!.keys()]).toEqual(["m3", "m4"]);
      now += 61_000;
      await store.transact("v", turn(1));
      expect(store["cache"]!.peek("u")!.answers!.size).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("changes nothing in the cache when the group commit rolls back", async () => {
    const store = new SqliteStore({ path: newPath() });
    try {
      await store.transact("u", turn(1));
      const sql = store["sql"] as unknown as Sql;
      const putAnswer = sql.putAnswer!;
      sql.putAnswer = {
        ...putAnswer,
        run: () => {
          throw new Error("disk full");
        },
      } as Sql[string];
      await expect(store.transact("u", turn(2, "m2"), { messageId: "m2" })).rejects.toThrow("disk full");
      sql.putAnswer = putAnswer;
      // Still version 1 in the file: a cache that had moved to version 2 would make this commit conflict.
      let seen: UserState | undefined;
      await store.transact("u", async (current) => ((seen = current), { commit: { state: withCounter(counterOf(current) + 1) }, result: undefined }));
      expect(seen).toEqual(withCounter(1));
      expect(await store.load("u")).toEqual(withCounter(2));
    } finally {
      await store.close();
    }
  });

  it("reads the file again once another connection has committed to it", async () => {
    const path = newPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    try {
      await a.transact("u", turn(1));
      await b.transact("u", async (current) => ({ commit: { state: withCounter(counterOf(current) + 10) }, result: undefined }));
      await nextTick();
      let seen: UserState | undefined;
      await a.transact("u", async (current) => ((seen = current), { commit: { state: withCounter(counterOf(current) + 1) }, result: undefined }));
      expect(seen).toEqual(withCounter(11));
      // A plain connection (`smartapp chat`, a script) is seen the same way.
      const other = new Database(path);
      other.prepare("UPDATE sessions SET version = version + 1, state = ? WHERE user_key = 'u'").run(JSON.stringify({ format: 1, state: withCounter(50) }));
      other.close();
      await nextTick();
      await a.transact("u", async (current) => ((seen = current), { commit: { state: withCounter(counterOf(current) + 1) }, result: undefined }), { messageId: "x" });
      expect(seen).toEqual(withCounter(50));
      expect(await a.load("u")).toEqual(withCounter(51));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("drops the entry of a user whose commit lost the version check", async () => {
    const path = newPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    try {
      await a.transact("u", turn(1));
      const slow = a.transact("u", async (current) => {
        await b.transact("u", turn(100));
        return { commit: { state: withCounter(counterOf(current) + 1) }, result: undefined };
      });
      await expect(slow).rejects.toBeInstanceOf(SessionConflictError);
      expect(a["cache"]!.peek("u")).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
