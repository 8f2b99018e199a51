// Checkpoints of the session file off the main thread.
//
// In WAL mode every commit appends pages to the -wal file, and SQLite by default copies them back
// into the database file (a checkpoint, with an fsync of both files) inside the commit that takes the
// WAL past 1,000 pages. Under the webhook's load that was a commit of the main thread every
// ≈ 0.1–0.3 s that took 10–60 ms instead of < 1 ms, and every request in flight waited it out
// (docs/benchmarks.md, docs/storage.md). Here a worker thread with its own connection checkpoints
// on a timer instead, and the store's connection checkpoints only as a backstop, when the WAL grew
// to BACKSTOP_PAGES (the worker fell far behind or stopped). Until the worker is ready, and after it
// ends for any reason, the connection checkpoints as SQLite does by default.
import type { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { closeWorker, siblingModule, spawnWorker } from "../runtime/spawn-worker.js";

export interface CheckpointWorkerData {
  file: string;
  synchronous: "NORMAL" | "FULL";
  everyMs: number;
}

/** SQLite's own default for wal_autocheckpoint. */
const DEFAULT_PAGES = 1000;
/** ≈ 64 MB of 4 KB pages: the WAL's bound should the worker not keep up. */
export const BACKSTOP_PAGES = 16_384;
const EVERY_MS = 100;
const CLOSE_GRACE_MS = 2000;

export class BackgroundCheckpointer {
  private worker: Worker | undefined;
  private stopped = false;
  private warned = false;

  constructor(
    private readonly db: Database.Database,
    private readonly data: Omit<CheckpointWorkerData, "everyMs"> & { everyMs?: number },
    /** Where a failed worker is reported, once: the store's commits pay for its checkpoints again. */
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Starts the worker (once); the connection hands checkpoints over when it says it is ready. */
  start(): void {
    if (this.worker || this.stopped) return;
    const workerData: CheckpointWorkerData = { everyMs: EVERY_MS, ...this.data };
    let worker: Worker;
    try {
      worker = spawnWorker(siblingModule(import.meta.url, "sqlite-checkpoint-worker"), { workerData });
    } catch (err) {
      this.stopped = true; // not tried again on every commit
      this.failed(err);
      return;
    }
    this.worker = worker;
    worker.unref(); // it never keeps a process alive: an interrupted checkpoint is safe in SQLite
    worker.on("message", (msg) => {
      if (msg === "ready" && !this.stopped) this.autocheckpoint(BACKSTOP_PAGES);
    });
    // A worker that fails to load, to open the file or to checkpoint leaves the job to the connection
    // again, which then stalls a commit every 1,000 pages (docs/storage.md): said once, not hidden.
    worker.on("error", (err) => this.failed(err));
    worker.on("exit", () => this.autocheckpoint(DEFAULT_PAGES));
  }

  /** Stops the worker from being started: the store is closing. */
  closing(): void {
    this.stopped = true;
  }

  /** Ends the worker; the connection checkpoints by itself again. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (worker) await closeWorker(worker, CLOSE_GRACE_MS, () => worker.postMessage("close"));
    this.autocheckpoint(DEFAULT_PAGES);
  }

  private failed(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const why = err instanceof Error ? err.message : String(err);
    this.warn(`sqlite ${this.data.file}: the checkpoint worker failed (${why}); the store's own commits checkpoint the WAL again, a stall every 1,000 pages (docs/storage.md)`);
  }

  private autocheckpoint(pages: number): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${pages}`);
  }
}
