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
import type { StoreOptions } from "./types.js";

export interface SqliteStoreOptions extends StoreOptions {
  path: string; // the database file; its folder is created if missing
}

const SCHEMA_VERSION = 1;
/** The checkpoint worker starts after this many commits (a store that commits little needs none). */
const CHECKPOINT_WORKER_AFTER_COMMITS = 256;

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
      // Over the cap: the oldest answers go first. A new answer (also one that replaces a retried
      // messageId's) gets the largest rowid so far, so the newest `cap` have rowids above max - cap;
      // a gap left by a replaced row only makes fewer stay. One seek and the deleted rows, where
      // ordering by expiry walked `cap` index entries on every call.
      trim: this.db.prepare("DELETE FROM answers WHERE rowid <= (SELECT max(rowid) FROM answers) - ?"),
    };
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
      this.sql.sweep.run(at);
      // The group's own answers hold the newest rowids: never trimmed in the group that wrote them,
      // else with a cap below the group's size a retry of those turns would run them again.
      this.sql.trim.run(Math.max(this.maxAnswers, answers));
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

  protected write(userKey: string, expectedVersion: number, record: CommitRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ userKey, expectedVersion, record, resolve, reject });
      if (this.batch.length === 1) setImmediate(() => this.flush());
    });
  }

  /** One turn's state (and answer) inside the group transaction; the conflict error if its version moved. */
  private commitOne({ userKey, expectedVersion, record }: PendingWrite, at: number): SessionConflictError | undefined {
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
      for (const w of batch) w.reject(err as Error);
      return;
    }
    for (const w of batch) {
      if (w.failed) w.reject(w.failed);
      else w.resolve();
    }
    this.commits += batch.length;
    if (this.commits >= CHECKPOINT_WORKER_AFTER_COMMITS) this.checkpointer?.start();
  }

  protected async remove(userKey: string): Promise<void> {
    this.sql.remove.run(userKey);
  }

  protected override readWithAnswer(userKey: string, messageId: string): { record: Versioned | undefined; answer: string | undefined } {
    const row = this.sql.readWithAnswer.get({ user: userKey, id: messageId, now: this.now() });
    const record = row?.state == null || row.version == null ? undefined : { state: decodeState(row.state), version: row.version };
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
    await this.checkpointer?.stop();
    this.db.close();
  }
}

interface PendingWrite {
  userKey: string;
  expectedVersion: number;
  record: CommitRecord;
  resolve: () => void;
  reject: (err: Error) => void;
  failed?: Error;
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
