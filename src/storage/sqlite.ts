// Sessions in an SQLite file (the default store): one versioned row per user, answers with expiry.
//
// Durability: WAL + synchronous=NORMAL. A commit returns only after its WAL frames were written to
// the file with write(2), i.e. they are in the OS page cache; the kernel persists them even if the
// process is SIGKILLed a microsecond later. NORMAL skips the fsync per commit, so only an OS crash or
// power loss can lose the last commits; choose FULL (an fsync per turn) when that matters too.
import { randomBytes } from "node:crypto";
import path from "node:path";
import type Database from "better-sqlite3";
import { openSqlite, SQLITE_BUSY_TIMEOUT_MS } from "../util/sqlite.js";
import { answerTtlMs, BaseStore, maxCachedAnswers, decodeState, type CommitRecord, type Versioned } from "./base.js";
import { LockTimeoutError, SessionConflictError } from "./errors.js";
import { BackgroundCheckpointer } from "./sqlite-checkpointer.js";
import { StateCache, type CachedUser, type DeletedAnswer } from "./sqlite-state-cache.js";
import { countLimit } from "../util/limits.js";
import type { StoreOptions } from "./types.js";

export interface SqliteStoreOptions extends StoreOptions {
  path: string; // the database file; its folder is created if missing
  /**
   * Several processes serve turns from this file at once (`serve --processes`): each turn first
   * takes a lease row for its user (renewed while it runs, released by its commit), so turns of
   * one user wait for each other across processes instead of failing with SessionConflictError,
   * and write transactions never sleep in SQLite's busy handler on the main thread (docs/storage.md,
   * "Several processes serving one file"). Off: no lease, not one statement more per turn.
   */
  shared?: boolean;
}

const SCHEMA_VERSION = 1;
/** The checkpoint worker starts after this many commits (a store that commits little needs none). */
const CHECKPOINT_WORKER_AFTER_COMMITS = 256;
const DEFAULT_LEASE_MS = 10_000;
const DEFAULT_LEASE_WAIT_MS = 30_000;
/** A lease taken by another process is asked for again after 2 ms, doubling to 50 ms (with jitter). */
const FIRST_LEASE_RETRY_MS = 2;
const MAX_LEASE_RETRY_MS = 50;
/** How long a shared store's group commit keeps trying while another process writes, then fails its turns. */
const SHARED_BUSY_GIVE_UP_MS = 5000;
/** Users whose last committed row the store keeps in memory (stateCache). */
export const DEFAULT_STATE_CACHE = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  user_key   TEXT PRIMARY KEY,
  version    INTEGER NOT NULL,
  state      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
  user_key   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body       TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (user_key, message_id)
);
CREATE INDEX IF NOT EXISTS answers_expires_at ON answers (expires_at);
`;

// Created in every file (also by a store that is not shared) without raising user_version: a runtime
// that predates it ignores the table, so a file used with --processes stays readable by it.
const LEASES = `
CREATE TABLE IF NOT EXISTS leases (
  user_key   TEXT PRIMARY KEY,
  token      TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
`;

export class SqliteStore extends BaseStore {
  readonly kind = "sqlite" as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly ttlMs: number;
  private readonly maxAnswers: number;
  private readonly now: () => number;
  private commits = 0;
  private readonly sql;
  private readonly groupTx: Database.Transaction<(batch: PendingWrite[], leaseOps: LeaseOp[], removals: Removal[]) => void>;
  /** Checkpoints on a worker thread (sqlite-checkpointer.ts). */
  private readonly checkpointer: BackgroundCheckpointer | undefined;
  /** Commits of turns that finished since the last flush: written in one transaction (group commit). */
  private batch: PendingWrite[] = [];
  /** Shared store only: lease steps (take, renew, give back) written in the same transaction as the commits. */
  private leaseOps: LeaseOp[] = [];
  /** Users' rows to delete (`delete`), in the same transaction as the commits. */
  private removals: Removal[] = [];
  private flushScheduled = false;
  /** Shared store only: since when the group commit has found another process writing (0: it has not). */
  private busySince = 0;
  private readonly shared: boolean;
  private readonly leaseMs: number;
  private readonly leaseWaitMs: number;
  private readonly leaseSql;
  /** Recently active users' rows, so their next turn reads none (sqlite-state-cache.ts); undefined = off. */
  private readonly cache: StateCache | undefined;
  /** PRAGMA data_version when the cache was last checked: it changes when another connection commits. */
  private dataVersion = -1;
  /** The cache was checked in this event-loop turn (cleared by a setImmediate). */
  private checked = false;
  /** Answer rows the group commit in progress deleted: forgotten by the cache once it has committed. */
  private deleted: DeletedAnswer[] = [];

  constructor(opts: SqliteStoreOptions) {
    super(opts);
    this.path = opts.path;
    this.ttlMs = answerTtlMs(opts);
    this.maxAnswers = maxCachedAnswers(opts);
    this.now = opts.now ?? Date.now;
    // Another process on the same file waits for it, never fails (src/util/sqlite.ts).
    this.db = openSqlite(opts.path, { synchronous: opts.sqliteSynchronous === "FULL" ? "FULL" : "NORMAL", setup: migrate });
    this.shared = opts.shared === true;
    this.leaseMs = opts.lockTtlMs ?? DEFAULT_LEASE_MS;
    this.leaseWaitMs = opts.lockWaitMs ?? DEFAULT_LEASE_WAIT_MS;
    this.leaseSql = this.shared
      ? {
          // Taken when free or expired; changes === 1 means it is ours.
          take: this.db.prepare(
            `INSERT INTO leases (user_key, token, expires_at) VALUES (@user, @token, @until)
             ON CONFLICT (user_key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at WHERE leases.expires_at <= @now`,
          ),
          renew: this.db.prepare("UPDATE leases SET expires_at = ? WHERE user_key = ? AND token = ?"),
          giveBack: this.db.prepare("DELETE FROM leases WHERE user_key = ? AND token = ?"),
          holder: this.db.prepare<[string], { token: string; expires_at: number }>("SELECT token, expires_at FROM leases WHERE user_key = ?"),
        }
      : undefined;
    this.sql = {
      read: this.db.prepare<[string], { version: number; state: string }>("SELECT version, state FROM sessions WHERE user_key = ?"),
      insert: this.db.prepare("INSERT INTO sessions (user_key, version, state, updated_at) VALUES (?, 1, ?, ?) ON CONFLICT (user_key) DO NOTHING"),
      update: this.db.prepare("UPDATE sessions SET version = version + 1, state = ?, updated_at = ? WHERE user_key = ? AND version = ?"),
      remove: this.db.prepare("DELETE FROM sessions WHERE user_key = ?"),
      putAnswer: this.db.prepare("INSERT OR REPLACE INTO answers (user_key, message_id, body, expires_at) VALUES (?, ?, ?, ?)"),
      // The state row and the answer cached for this messageId in one query (either may be missing).
      readWithAnswer: this.db.prepare<[{ user: string; id: string; now: number }], { version: number | null; state: string | null; answer: string | null }>(
        `SELECT s.version AS version, s.state AS state,
           (SELECT body FROM answers WHERE user_key = @user AND message_id = @id AND expires_at > @now) AS answer
         FROM (SELECT 1) LEFT JOIN sessions s ON s.user_key = @user`,
      ),
      getAnswer: this.db.prepare<[string, string, number], { body: string }>(
        "SELECT body FROM answers WHERE user_key = ? AND message_id = ? AND expires_at > ?",
      ),
      sweep: this.db.prepare("DELETE FROM answers WHERE expires_at <= ?"),
      dataVersion: this.db.prepare<[], number>("PRAGMA data_version").pluck(),
      answerIds: this.db.prepare<[string, number], { message_id: string; expires_at: number }>(
        "SELECT message_id, expires_at FROM answers WHERE user_key = ? AND expires_at > ?",
      ),
      // Over the cap: the oldest answers go first. A new answer (also one that replaces a retried
      // messageId's) gets the largest rowid so far, so the newest `cap` have rowids above max - cap;
      // a gap left by a replaced row only makes fewer stay. One seek and the deleted rows, where
      // ordering by expiry walked `cap` index entries on every call.
      trim: this.db.prepare("DELETE FROM answers WHERE rowid <= (SELECT max(rowid) FROM answers) - ?"),
      // The same two, telling the state cache which answer rows went.
      sweepReturning: this.db.prepare<[number], DeletedAnswer>("DELETE FROM answers WHERE expires_at <= ? RETURNING user_key, message_id"),
      trimReturning: this.db.prepare<[number], DeletedAnswer>(
        "DELETE FROM answers WHERE rowid <= (SELECT max(rowid) FROM answers) - ? RETURNING user_key, message_id",
      ),
    };
    // Off for a shared store: users alternate processes, so the others' commits would empty it almost every turn.
    const cacheSize = opts.stateCache === 0 || this.shared ? 0 : countLimit(opts.stateCache, DEFAULT_STATE_CACHE, "stateCache");
    this.cache = cacheSize > 0 ? new StateCache(cacheSize) : undefined;
    // Group commit: one write transaction (one WAL append) for every turn that finished in the same
    // event-loop turn. A turn whose version check fails changed no row (the UPDATE or INSERT matched
    // none, and its answer is written only after the check), so it fails alone with no savepoint to
    // roll back; any other error rolls back the whole transaction and fails every turn in it. No
    // turn's promise settles before the transaction holding it has committed. The answer cache's
    // bounds are kept in the same transaction, a few rows per group, instead of a pause of the main
    // thread that deleted hundreds of rows every 256 commits.
    this.groupTx = this.db.transaction((batch: PendingWrite[], leaseOps: LeaseOp[], removals: Removal[]) => {
      const at = this.now();
      let answers = 0;
      // Gives back and renewals first, so a lease given back here can be taken in the same step.
      for (const op of leaseOps) if (op.kind !== "take") op.done = this.leaseStep(op, at);
      for (const op of leaseOps) if (op.kind === "take") op.done = this.leaseStep(op, at);
      for (const w of batch) {
        w.failed = this.commitOne(w, at);
        if (!w.failed && w.record.answer && this.ttlMs > 0) answers++;
      }
      for (const r of removals) this.sql.remove.run(r.userKey);
      // The group's own answers hold the newest rowids: never trimmed in the group that wrote them,
      // else with a cap below the group's size a retry of those turns would run them again.
      const keep = Math.max(this.maxAnswers, answers);
      if (this.cache) {
        this.deleted = this.sql.sweepReturning.all(at);
        for (const row of this.sql.trimReturning.all(keep)) this.deleted.push(row);
      } else {
        this.sql.sweep.run(at);
        this.sql.trim.run(keep);
      }
    });
    this.db.transaction(() => {
      this.sql.sweep.run(this.now());
      this.sql.trim.run(this.maxAnswers);
    })();
    this.checkpointer =
      opts.path === ":memory:"
        ? undefined
        : new BackgroundCheckpointer(this.db, { file: path.resolve(opts.path), synchronous: opts.sqliteSynchronous === "FULL" ? "FULL" : "NORMAL" }, (message) => opts.log?.("warn", message));
  }

  /**
   * Shared store: the user's lease, taken in a group commit (one write transaction with the other
   * turns' commits), asked for again with backoff while another process holds it; a crashed
   * holder's lease runs out after `lockTtlMs`. Renewed every third of the lease while the turn runs.
   * The commit gives it back in its own transaction; a turn that commits nothing gives it back after.
   */
  protected override async exclusive<T>(userKey: string, task: (lease: string | undefined) => Promise<T>): Promise<T> {
    if (!this.shared) return task(undefined);
    // The holder's pid first: who holds a user is readable in the file.
    const token = `${process.pid}.${randomBytes(9).toString("base64url")}`;
    const started = Date.now();
    for (let delay = FIRST_LEASE_RETRY_MS; ; delay = Math.min(delay * 2, MAX_LEASE_RETRY_MS)) {
      if (await this.leaseOp({ kind: "take", userKey, token })) break;
      if (Date.now() - started >= this.leaseWaitMs) throw new LockTimeoutError(userKey, this.leaseWaitMs);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
    const renewal = setInterval(() => {
      this.leaseOp({ kind: "renew", userKey, token }).then((kept) => {
        if (!kept) clearInterval(renewal); // lost: the commit's check decides what happens
      }, () => undefined);
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    const lease = { token, released: false };
    this.leases.set(token, lease);
    try {
      return await task(token);
    } finally {
      clearInterval(renewal);
      this.leases.delete(token);
      // A failed give-back only delays this user's next turn until the lease runs out.
      if (!lease.released) await this.leaseOp({ kind: "giveBack", userKey, token }).catch(() => undefined);
    }
  }

  /** Shared store: the leases held by turns of this process, marked when their commit gave them back. */
  private readonly leases = new Map<string, { token: string; released: boolean }>();

  private leaseOp(op: Omit<LeaseOp, "resolve" | "reject">): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.leaseOps.push({ ...op, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** One lease step inside the group transaction: whether it took, kept or gave back the lease. */
  private leaseStep(op: LeaseOp, at: number): boolean {
    const sql = this.leaseSql!;
    if (op.kind === "take") return sql.take.run({ user: op.userKey, token: op.token, until: at + this.leaseMs, now: at }).changes === 1;
    if (op.kind === "renew") return sql.renew.run(at + this.leaseMs, op.userKey, op.token).changes === 1;
    return sql.giveBack.run(op.userKey, op.token).changes === 1;
  }

  protected read(userKey: string): Versioned | undefined {
    const row = this.sql.read.get(userKey);
    return row && { state: decodeState(row.state), version: row.version };
  }

  protected override readForTurn(userKey: string): Versioned | undefined {
    const cache = this.freshCache();
    const hit = cache?.get(userKey);
    if (hit) return cachedRecord(hit);
    const row = this.sql.read.get(userKey);
    const record = row && { state: decodeState(row.state), version: row.version };
    if (cache) cache.set(userKey, { version: row?.version ?? 0, stateText: row?.state, answers: undefined });
    return record;
  }

  /**
   * The cache, emptied first if another connection (another process, `smartapp chat`) has committed
   * to the file since it was last checked. Checked once per event-loop turn: what a turn reads from
   * it is then the file as of that check, at most one event-loop turn old, and a commit made by
   * someone else after it fails the version check exactly as it would after a read of the row.
   */
  private freshCache(): StateCache | undefined {
    const cache = this.cache;
    if (cache === undefined || this.checked) return cache;
    this.checked = true;
    setImmediate(() => {
      this.checked = false;
    });
    const version = this.sql.dataVersion.get()!;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      cache.clear();
    }
    return cache;
  }

  /**
   * The messageIds (and expiry) of the user's answer rows, read at the first turn served from the
   * cache, not when the row is read: a user whose entry goes before their next turn (more users
   * than stateCache) then costs no extra query.
   */
  private answerIds(userKey: string): Map<string, number> {
    const answers = new Map<string, number>();
    for (const row of this.sql.answerIds.all(userKey, this.now())) answers.set(row.message_id, row.expires_at);
    return answers;
  }

  protected write(userKey: string, expectedVersion: number, record: CommitRecord, lease: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ userKey, expectedVersion, record, lease, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One turn's state (and answer) inside the group transaction; the conflict error if its version moved. */
  private commitOne(w: PendingWrite, at: number): SessionConflictError | undefined {
    const { userKey, expectedVersion, record, lease } = w;
    w.at = at;
    if (lease !== undefined && this.leaseSql) {
      // Given back in the commit's own transaction (no second write for the turn). Not found: our
      // lease ran out and another process took it; it may be running this user's turn now, from the
      // state we read, so ours must not be written (as redis's commit checks its lock).
      w.gaveBack = this.leaseSql.giveBack.run(userKey, lease).changes === 1;
      const holder = w.gaveBack ? undefined : this.leaseSql.holder.get(userKey);
      if (holder && holder.expires_at > at) return new SessionConflictError(userKey, "the lease expired and another process holds it now");
    }
    const changed =
      expectedVersion === 0
        ? this.sql.insert.run(userKey, record.stateJson, at).changes
        : this.sql.update.run(record.stateJson, at, userKey, expectedVersion).changes;
    if (changed !== 1) return new SessionConflictError(userKey, `another writer committed after version ${expectedVersion} was read`);
    if (record.answer && this.ttlMs > 0) this.sql.putAnswer.run(userKey, record.answer.messageId, record.answer.body, at + this.ttlMs);
    return undefined;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    const leaseOps = this.leaseOps;
    const removals = this.removals;
    this.batch = [];
    this.leaseOps = [];
    this.removals = [];
    if (batch.length === 0 && leaseOps.length === 0 && removals.length === 0) return;
    try {
      if (this.shared) this.sharedTx(batch, leaseOps, removals);
      else this.groupTx(batch, leaseOps, removals);
    } catch (err) {
      this.deleted = []; // rolled back: those rows are there again
      if (this.shared && isBusy(err) && this.retryLater(batch, leaseOps, removals)) return;
      for (const w of batch) w.reject(err as Error);
      for (const op of leaseOps) op.reject(err as Error);
      for (const r of removals) r.reject(err as Error);
      return;
    }
    this.busySince = 0;
    for (const op of leaseOps) op.resolve(op.done === true);
    for (const r of removals) {
      this.cache?.delete(r.userKey);
      r.resolve();
    }
    if (this.cache) this.cacheCommitted(this.cache, batch);
    for (const w of batch) {
      // Only once the transaction committed: a rolled-back give-back must be given back again.
      const held = w.gaveBack ? this.leases.get(w.lease!) : undefined;
      if (held) held.released = true;
      if (w.failed) w.reject(w.failed);
      else w.resolve();
    }
    this.commits += batch.length;
    if (this.commits >= CHECKPOINT_WORKER_AFTER_COMMITS) this.checkpointer?.start();
  }

  /**
   * A shared store's group commit: BEGIN IMMEDIATE with no busy wait. While another process writes,
   * SQLite's busy handler would sleep on this thread (1 ms, 2 ms, 5 ms… with every request in flight
   * waiting); instead the transaction fails at once and is tried again a millisecond later, the event
   * loop serving meanwhile.
   */
  private sharedTx(batch: PendingWrite[], leaseOps: LeaseOp[], removals: Removal[]): void {
    this.db.pragma("busy_timeout = 0");
    try {
      this.groupTx.immediate(batch, leaseOps, removals);
    } finally {
      this.db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    }
  }

  /** Puts a group that found the file busy back in front of what came since; false once it waited too long. */
  private retryLater(batch: PendingWrite[], leaseOps: LeaseOp[], removals: Removal[]): boolean {
    const now = Date.now();
    if (this.busySince === 0) this.busySince = now;
    else if (now - this.busySince > SHARED_BUSY_GIVE_UP_MS) {
      this.busySince = 0;
      return false;
    }
    this.batch = [...batch, ...this.batch];
    this.leaseOps = [...leaseOps, ...this.leaseOps];
    this.removals = [...removals, ...this.removals];
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), 1);
    }
    return true;
  }

  /**
   * After the group transaction committed (never before: a rolled-back group leaves the cache as it
   * was): each committed turn's entry moves to its new version and gains its answer; a turn that lost
   * the version check drops its user's entry (another writer: the next turn reads the row).
   */
  private cacheCommitted(cache: StateCache, batch: PendingWrite[]): void {
    cache.forgetAnswers(this.deleted);
    this.deleted = [];
    for (const w of batch) {
      const entry = cache.peek(w.userKey);
      if (entry === undefined) continue; // not cached (evicted or emptied since its read): read next time
      if (w.failed || entry.version !== w.expectedVersion) {
        cache.delete(w.userKey);
        continue;
      }
      entry.version++;
      entry.stateText = w.record.stateJson;
      if (w.record.answer && this.ttlMs > 0) entry.answers?.set(w.record.answer.messageId, w.at! + this.ttlMs);
    }
  }

  /**
   * In the group commit, not a statement of its own: a shared store's write never waits in SQLite's
   * busy handler on this thread while another process writes (sharedTx).
   */
  protected remove(userKey: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.removals.push({ userKey, resolve, reject });
      this.scheduleFlush();
    });
  }

  protected override readWithAnswer(userKey: string, messageId: string): { record: Versioned | undefined; answer: string | undefined } {
    const cache = this.freshCache();
    const hit = cache?.get(userKey);
    if (hit) {
      // A messageId with no row of this user is none: the cache knows every answer row the user has.
      // A known one (a retry) is read for its body.
      hit.answers ??= this.answerIds(userKey);
      const expires = hit.answers.get(messageId);
      const answer = expires !== undefined && expires > this.now() ? this.readAnswer(userKey, messageId) : undefined;
      return { record: cachedRecord(hit), answer };
    }
    const row = this.sql.readWithAnswer.get({ user: userKey, id: messageId, now: this.now() });
    const record = row?.state == null || row.version == null ? undefined : { state: decodeState(row.state), version: row.version };
    if (cache) cache.set(userKey, { version: record?.version ?? 0, stateText: record && row!.state!, answers: undefined });
    return { record, answer: row?.answer ?? undefined };
  }

  protected readAnswer(userKey: string, messageId: string): string | undefined {
    return this.sql.getAnswer.get(userKey, messageId, this.now())?.body;
  }

  override close(): Promise<void> {
    // The turns still draining and the final flush may cross CHECKPOINT_WORKER_AFTER_COMMITS: a worker
    // started then would only be stopped again (up to its 2 s grace).
    this.checkpointer?.closing();
    return super.close();
  }

  protected async dispose(): Promise<void> {
    this.flush();
    this.cache?.clear();
    await this.checkpointer?.stop();
    this.db.close();
  }
}

/** A fresh copy of the cached row: the turn may change what it gets. */
function cachedRecord(entry: CachedUser): Versioned | undefined {
  return entry.stateText === undefined ? undefined : { state: decodeState(entry.stateText), version: entry.version };
}

interface PendingWrite {
  userKey: string;
  expectedVersion: number;
  record: CommitRecord;
  /** Shared store: the turn's lease token, checked and given back by the commit. */
  lease: string | undefined;
  gaveBack?: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  failed?: Error;
  /** The group's clock (Unix ms): its answers expire at `at + ttl`. */
  at?: number;
}

interface Removal {
  userKey: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface LeaseOp {
  kind: "take" | "renew" | "giveBack";
  userKey: string;
  token: string;
  resolve: (done: boolean) => void;
  reject: (err: Error) => void;
  done?: boolean;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** Creates the tables in a new file; refuses a file written by a newer schema. Runs in an IMMEDIATE transaction. */
function migrate(db: Database.Database): void {
  const found = db.pragma("user_version", { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    throw new Error(`${db.name}: session schema version ${found} is newer than this runtime supports (${SCHEMA_VERSION})`);
  }
  if (found < SCHEMA_VERSION) {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
  db.exec(LEASES);
}
