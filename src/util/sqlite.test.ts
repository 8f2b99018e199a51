// Two `serve` processes of one project open the same SQLite files at the same moment: neither start
// may fail (a migration raced into "duplicate column name", a new file's WAL switch into "database is
// locked"), and the tables come out as one process would have made them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exited, spawnTs } from "../storage/testing/spawn-ts.js";
import { addMissingColumns, openDurableSqlite } from "./sqlite.js";

const PROCESSES = 6;
const ROUNDS = 3;

describe("opening one SQLite file from several processes at once", () => {
  it(`${PROCESSES} processes × ${ROUNDS} fresh folders: every start succeeds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(path.join(tmpdir(), "sqlite-race-"));
      try {
        const startAt = String(Date.now() + 2500); // after every child has loaded
        const children = Array.from({ length: PROCESSES }, () => spawnTs(new URL("./testing/sqlite-opener.ts", import.meta.url), [dir, startAt]));
        const outputs = await Promise.all(
          children.map(async (child) => {
            let out = "";
            child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
            const end = await exited(child);
            return out.trim() || end.stderr.trim();
          }),
        );
        expect(outputs).toEqual(Array.from({ length: PROCESSES }, () => "ok"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 60_000);

  it("adds the columns an older file lacks, once, inside the setup transaction", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sqlite-migrate-"));
    try {
      const file = path.join(dir, "x.db");
      openDurableSqlite(file, "CREATE TABLE IF NOT EXISTS t (a TEXT)").close();
      const migrate = (db: Parameters<typeof addMissingColumns>[0]) => addMissingColumns(db, "t", { b: "INTEGER", c: "TEXT" });
      openDurableSqlite(file, "CREATE TABLE IF NOT EXISTS t (a TEXT)", migrate).close();
      const db = openDurableSqlite(file, "CREATE TABLE IF NOT EXISTS t (a TEXT)", migrate);
      expect((db.prepare("PRAGMA table_info(t)").all() as { name: string }[]).map((c) => c.name)).toEqual(["a", "b", "c"]);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
