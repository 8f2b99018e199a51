// The thread that moves committed WAL frames of a session file into the database file
// (sqlite-checkpointer.ts says why it is not the main thread). It opens its own connection and runs a
// PASSIVE checkpoint every `everyMs`: one that never waits for the writer or readers, so the main
// thread's commits go on while it copies and syncs.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { CheckpointWorkerData } from "./sqlite-checkpointer.js";

const { file, synchronous, everyMs } = workerData as CheckpointWorkerData;
const port = parentPort!;
const db = new Database(file, { fileMustExist: true });
// The level decides whether a checkpoint syncs the WAL and the database file (NORMAL and FULL do).
db.pragma(`synchronous = ${synchronous}`);
// This connection writes no transactions of its own; it must never checkpoint as a side effect either.
db.pragma("wal_autocheckpoint = 0");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

const timer = setInterval(() => checkpoint.get(), everyMs);
port.on("message", (msg: unknown) => {
  if (msg !== "close") return;
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage("ready");
