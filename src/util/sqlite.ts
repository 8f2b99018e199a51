// Opening this runtime's SQLite files one way. Several processes may open one file at once (two
// `serve` processes of a project, the payments CLI beside a server), so the setup must be safe to
// race: the schema and its migrations run in one IMMEDIATE transaction (a check-then-alter is
// atomic), and a lock that SQLite reports at once instead of waiting on (switching a new file to
// WAL, docs/storage.md) is tried again for a while instead of failing the start.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** How a store opens its SQLite file: durability, and the schema step run once per open. */
export interface SqliteOpenOptions {
  /** FULL for money facts and messages owed to other systems; NORMAL for sessions (docs/storage.md). */
  synchronous: "FULL" | "NORMAL";
  /** Creates or migrates the tables; runs inside one IMMEDIATE transaction. */
  setup: (db: Database.Database) => void;
  /** How long a start waits for other processes' locks, in all (default 30 s). */
  waitMs?: number;
}

/** How long a statement waits in SQLite's busy handler for another connection's lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_WAIT_MS = 30_000;

/** A SQLite database in WAL mode with its tables set up (":memory:" for tests; a file gets its folder). */
export function openSqlite(file: string, opts: SqliteOpenOptions): Database.Database {
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    const deadline = Date.now() + (opts.waitMs ?? DEFAULT_WAIT_MS);
    whileBusy(deadline, () => db.pragma("journal_mode = WAL"));
    db.pragma(`synchronous = ${opts.synchronous}`);
    whileBusy(deadline, () => db.transaction(() => opts.setup(db)).immediate());
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A SQLite database for durable records, with `schema` applied and then `migrate`, if given. */
export function openDurableSqlite(file: string, schema: string, migrate?: (db: Database.Database) => void): Database.Database {
  return openSqlite(file, {
    synchronous: "FULL",
    setup: (db) => {
      db.exec(schema);
      migrate?.(db);
    },
  });
}

/** Adds to `table` the `columns` it lacks (a table created by an older release). */
export function addMissingColumns(db: Database.Database, table: string, columns: Record<string, string>): void {
  const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of Object.entries(columns)) if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
}

/** Whether `err` is SQLite's answer that another connection holds the lock (SQLITE_BUSY and its kinds). */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Runs `step`, again after a short pause while SQLite answers SQLITE_BUSY, until `deadline`. */
function whileBusy<T>(deadline: number, step: () => T): T {
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      return step();
    } catch (err) {
      if (!isSqliteBusy(err) || Date.now() + wait > deadline) throw err;
      Atomics.wait(pause, 0, 0, wait); // a start only: blocking the thread here holds up no turn
    }
  }
}
