// Opening the payment side's SQLite files one way: the folder made, WAL, and every commit synced
// before it returns, because these files hold money facts and messages owed to other systems.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** A SQLite database for durable records (":memory:" for tests), with `schema` applied. */
export function openDurableSqlite(file: string, schema: string): Database.Database {
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000"); // other processes (payments CLI) may hold a write briefly
  db.exec(schema);
  return db;
}
