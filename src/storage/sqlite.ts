// Sessions in an SQLite file (the default store): one versioned row per user, answers with expiry.
//
// Durability: WAL + synchronous=NORMAL. A commit returns only after its WAL frames were written to
// the file with write(2), i.e. they are in the OS page cache; the kernel persists them even if the
// process is SIGKILLed a microsecond later. NORMAL skips the fsync per commit, so only an OS crash or
// power loss can lose the last commits; choose FULL (an fsync per turn) when that matters too.
import path from "node:path";
import type Database from "better-sqlite3";
import { openSqlite } from "../util/sqlite.js";
import { answerTtlMs, BaseStore, maxCachedAnswers, decodeState, type CommitRecord, type Versioned } from "./base.js";
import { SessionConflictError } from "./errors.js";
import { BackgroundCheckpointer } from "./sqlite-checkpointer.js";
import { StateCache, type CachedUser, type DeletedAnswer } from "./sqlite-state-cache.js";
import { countLimit } from "../util/limits.js";
import type { StoreOptions } from "./types.js";

export interface SqliteStoreOptions extends StoreOptions {
  path: string; // the database file; its folder is created if missing
}

const SCHEMA_VERSION = 1;
/** The checkpoint worker starts after this many commits (a store that commits little needs none). */
const CHECKPOINT_WORKER_AFTER_COMMITS = 256;
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

export class SqliteStore extends BaseStore {
  readonly kind = "sqlite" as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly ttlMs: number;
  private readonly maxAnswers: number;
  private readonly now: () => number;
  private commits = 0;
  private readonly sql;
  private readonly groupTx: (batch: PendingWrite[]) => void;
  /** Checkpoints on a worker thread (sqlite-checkpointer.ts). */
  private readonly checkpointer: BackgroundCheckpointer | undefined;
  /** Commits of turns that finished since the last flush: written in one transaction (group commit). */
  private batch: PendingWrite[] = [];
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
    const cacheSize = opts.stateCache === 0 ? 0 : countLimit(opts.stateCache, DEFAULT_STATE_CACHE, "stateCache");
    this.cache = cacheSize > 0 ? new StateCache(cacheSize) : undefined;
    // Group commit: one write transaction (one WAL append) for every turn that finished in the same
    // event-loop turn. A turn whose version check fails changed no row (the UPDATE or INSERT matched
    // none, and its answer is written only after the check), so it fails alone with no savepoint to
    // roll back; any other error rolls back the whole transaction and fails every turn in it. No
    // turn's promise settles before the transaction holding it has committed. The answer cache's
    // bounds are kept in the same transaction, a few rows per group, instead of a pause of the main
    // thread that deleted hundreds of rows every 256 commits.
    this.groupTx = this.db.transaction((batch: PendingWrite[]) => {
      const at = this.now();
      let answers = 0;
      for (const w of batch) {
        w.failed = this.commitOne(w, at);
        if (!w.failed && w.record.answer && this.ttlMs > 0) answers++;
      }
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

  protected write(userKey: string, expectedVersion: number, record: CommitRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ userKey, expectedVersion, record, resolve, reject });
      if (this.batch.length === 1) setImmediate(() => this.flush());
    });
  }

  /** One turn's state (and answer) inside the group transaction; the conflict error if its version moved. */
  private commitOne(w: PendingWrite, at: number): SessionConflictError | undefined {
    const { userKey, expectedVersion, record } = w;
    w.at = at;
    const changed =
      expectedVersion === 0
        ? this.sql.insert.run(userKey, record.stateJson, at).changes
        : this.sql.update.run(record.stateJson, at, userKey, expectedVersion).changes;
    if (changed !== 1) return new SessionConflictError(userKey, `another writer committed after version ${expectedVersion} was read`);
    if (record.answer && this.ttlMs > 0) this.sql.putAnswer.run(userKey, record.answer.messageId, record.answer.body, at + this.ttlMs);
    return undefined;
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    try {
      this.groupTx(batch);
    } catch (err) {
      this.deleted = []; // rolled back: those rows are there again
      for (const w of batch) w.reject(err as Error);
      return;
    }
    if (this.cache) this.cacheCommitted(this.cache, batch);
    for (const w of batch) {
      if (w.failed) w.reject(w.failed);
      else w.resolve();
    }
    this.commits += batch.length;
    if (this.commits >= CHECKPOINT_WORKER_AFTER_COMMITS) this.checkpointer?.start();
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

  protected async remove(userKey: string): Promise<void> {
    this.sql.remove.run(userKey);
    this.cache?.delete(userKey);
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
  resolve: () => void;
  reject: (err: Error) => void;
  failed?: Error;
  /** The group's clock (Unix ms): its answers expire at `at + ttl`. */
  at?: number;
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
}
