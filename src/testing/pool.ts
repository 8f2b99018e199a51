// Runs test cases on worker threads. Each worker loads the project once; cases go out in batches
// (two in flight per worker so nobody idles while results travel back). Tasks can be added while
// the workers start and run, so the main thread parses XML files in parallel with them.
import type { Worker } from "node:worker_threads";
import type { HttpRequest } from "../engine/types.js";
import { createOutboundHttp } from "../runtime/outbound-http.js";
import { HttpPolicy } from "../runtime/http-policy.js";
import { closeWorker, siblingModule, spawnWorker } from "../runtime/spawn-worker.js";
import { createBridge, serveBridge } from "../runtime/sync-bridge.js";
import type { CaseResult, TestFile } from "./model.js";
import type { FromWorker, Task, ToWorker, TestWorkerInit } from "./worker.js";

// A worker still loading the project answers the close message once it has loaded.
const CLOSE_GRACE_MS = 5000;

/** How many workers, what each loads, and whether integration cases may reach the network. */
export interface PoolOptions {
  workers: number;
  init: Omit<TestWorkerInit, "bridge">;
  realHttp: boolean; // give workers a bridge to the main thread for integration cases
  allowHttp?: string[]; // `--allow-http`: private and local destinations integration cases may reach
  onResult: (key: number, r: CaseResult) => void; // once per task, in completion order
}

type FileHeader = Omit<TestFile, "cases">;

interface Slot {
  worker: Worker;
  ready: boolean;
  inFlight: Task[][]; // batches in the order they were sent (answers come back in that order)
}

/** Worker threads that run test cases; add files and tasks, then close() and await `done`. */
export class TestWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly headers = new Map<number, FileHeader>();
  private added = 0;
  private finished = 0;
  private closed = false;
  private settled = false;
  private lastCrash = "";
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  /** Resolves when close() was called and every task has a result; rejects if the project does not load. */
  readonly done: Promise<void>;

  private readonly http: (req: HttpRequest) => Promise<unknown>;

  constructor(private readonly opts: PoolOptions) {
    this.http = createOutboundHttp(new HttpPolicy(opts.allowHttp));
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.done.catch(() => {}); // observed by the caller; avoid an unhandled rejection meanwhile
    for (let i = 0; i < Math.max(1, opts.workers); i++) this.spawn();
  }

  addFile(index: number, file: TestFile): void {
    const { cases: _cases, ...header } = file;
    this.headers.set(index, header);
    for (const s of this.slots) s.worker.postMessage({ type: "files", files: { [index]: header } } satisfies ToWorker);
  }

  addTasks(tasks: Task[]): void {
    this.added += tasks.length;
    if (this.slots.length === 0) {
      for (const t of tasks) this.crashed(t, `not run: every test worker crashed (${this.lastCrash})`);
      return;
    }
    this.queue.push(...tasks);
    for (const s of this.slots) if (s.ready) while (s.inFlight.length < 2 && this.send(s));
  }

  close(): Promise<void> {
    this.closed = true;
    this.checkDone();
    return this.done;
  }

  private spawn(): void {
    let bridgeEnds: ReturnType<typeof createBridge> | undefined;
    if (this.opts.realHttp) {
      bridgeEnds = createBridge();
      serveBridge(bridgeEnds.main, async (op, args) => {
        if (op === "http") return this.http(args as HttpRequest);
        throw new Error(`host operation ${op} is not available in XML tests`);
      });
    }
    const worker = spawnWorker(siblingModule(import.meta.url, "worker"), {
      workerData: { ...this.opts.init, ...(bridgeEnds ? { bridge: bridgeEnds.worker } : {}) } satisfies TestWorkerInit,
      transferList: bridgeEnds ? [bridgeEnds.worker.port] : [],
      env: {}, // scripts get declared variables through init only (src/runtime/script-env.ts)
    });
    const slot: Slot = { worker, ready: false, inFlight: [] };
    this.slots.push(slot);
    worker.on("message", (msg: FromWorker) => {
      if (msg.type === "loadError") return this.finish(new Error(msg.message));
      if (msg.type === "ready") slot.ready = true;
      else {
        slot.inFlight.shift();
        for (const { key, result } of msg.results) this.report(key, result);
      }
      while (slot.inFlight.length < 2 && this.send(slot));
    });
    worker.on("error", (e) => this.die(slot, e.message));
    worker.on("exit", (code) => this.die(slot, `exit code ${code}`));
  }

  private send(slot: Slot): boolean {
    if (this.queue.length === 0 || this.settled) return false;
    const size = Math.max(1, Math.min(64, Math.ceil(this.queue.length / (this.slots.length * 4))));
    const batch = this.queue.splice(0, size);
    slot.inFlight.push(batch);
    slot.worker.postMessage({ type: "run", tasks: batch } satisfies ToWorker);
    return true;
  }

  private report(key: number, r: CaseResult): void {
    this.opts.onResult(key, r);
    this.finished++;
    this.checkDone();
  }

  private checkDone(): void {
    if (this.closed && this.finished === this.added) this.finish();
  }

  private crashed(t: Task, message: string): void {
    const file = this.headers.get(t.fileIndex)?.file ?? "?";
    this.report(t.key, { file, id: t.tc.id, line: t.tc.line, status: "failed", failure: { file, line: t.tc.line, message }, durationMs: 0 });
  }

  /** A worker died: fail what it held; the others keep draining the queue. */
  private die(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (this.settled || i < 0) return;
    this.slots.splice(i, 1);
    for (const batch of slot.inFlight.splice(0)) for (const t of batch) this.crashed(t, `test worker crashed: ${why}`);
    if (this.slots.length === 0) {
      this.lastCrash = why;
      for (const t of this.queue.splice(0)) this.crashed(t, `not run: every test worker crashed (${why})`);
    }
  }

  private finish(err?: Error): void {
    if (this.settled) return;
    this.settled = true;
    // Settled once every worker has freed its isolates and exited (closeWorker says why not terminate()).
    const closing = this.slots.map((s) => closeWorker(s.worker, CLOSE_GRACE_MS, () => s.worker.postMessage({ type: "close" } satisfies ToWorker)));
    void Promise.all(closing).then(() => (err ? this.reject(err) : this.resolve()));
  }
}
