// A pool of turn workers. Each worker holds its own copy of the loaded project and script realm, so a
// turn blocked on I/O, a runaway loop or a memory bomb costs one worker, never the server.
import type { Worker } from "node:worker_threads";
import type { EventLoopUtilization } from "node:perf_hooks";
import { availableParallelism } from "node:os";
import type { BotRequest, HttpRequest, HttpResponse, TurnResult, UserState } from "../engine/types.js";
import { createBridge, serveBridge, type HostCallHandler } from "./sync-bridge.js";
import { TurnMeter, type CloseMessage, type TapedHttp, type TurnMessage, type TurnTape, type WorkerInit, type WorkerMessage } from "./protocol.js";
import { closeWorker, siblingModule, spawnWorker } from "./spawn-worker.js";
import type { Project } from "../project/model.js";
import { InlineTurns } from "./inline.js";
import { TurnRefusedError } from "../channels/types.js";
import { countLimit } from "../util/limits.js";

export interface PoolOptions {
  projectDir: string;
  modules?: string[];
  hostCall: HostCallHandler;
  minWorkers?: number; // started up front (default 2)
  maxWorkers?: number; // grown to when every worker is busy (default max(4, 2 × cores))
  memoryMb?: number; // heap limit per worker, and the limit of its script isolate, ArrayBuffers included (default 256)
  turnCpuMs?: number; // CPU time a turn may use, not counting time blocked in $http/$payment (default 2000)
  hardTimeoutMs?: number; // a turn still running after this, waits included, is killed with its worker (default 60 s)
  secrets?: Record<string, string>;
  env?: Record<string, string>; // what `$env.get` answers: the project's declared variables only (script-env.ts)
  log?: (level: string, message: string) => void;
  /**
   * The project loaded on the main thread: turns that run no user code run here, without the worker
   * round trip (src/runtime/inline.ts). Without it every turn goes to a worker.
   */
  inlineProject?: Project;
  /**
   * How many times one turn may suspend at a new `$http` call (the worker is freed while the main
   * thread waits for the answer; the turn then runs again with it). A call suspends only while other
   * turns wait for a worker; else, and beyond this count, it blocks the worker on the sync bridge.
   * Default 0 (every call blocks): a re-run costs a fresh script context, ≈ 1.5× the CPU of a `$http`
   * turn, which only pays where the CPU is idle and the workers are not (docs/benchmarks.md).
   */
  httpSuspends?: number;
  /**
   * Turns that may wait for a worker; the next is refused at once with TurnRefusedError (503) and
   * nothing of it runs (docs/security.md, "Limits"). Default DEFAULT_MAX_QUEUED_TURNS.
   */
  maxQueuedTurns?: number;
}

/** Turns waiting for a worker before the next is refused: as many as the webhook holds by default. */
export const DEFAULT_MAX_QUEUED_TURNS = 1000;

/** Why a turn did not finish inside its worker. */
export class TurnCrash extends Error {
  constructor(
    readonly kind: "cpu" | "memory" | "timeout" | "internal" | "result",
    message: string,
  ) {
    super(message);
    this.name = "TurnCrash";
  }
}

interface Job {
  request: BotRequest;
  state: UserState;
  options?: TurnMessage["options"];
  resolve: (r: TurnResult) => void;
  reject: (e: Error) => void;
  /** What the turn's earlier runs saw: they stopped at `$http` calls, answered since. */
  tape?: TurnTape;
  suspends?: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  meter: TurnMeter;
  loaded: boolean; // a worker that never loaded the project is not replaced (it would fail again)
  job?: Job & { id: number; timer?: NodeJS.Timeout };
  elu?: EventLoopUtilization; // the worker's event-loop use at the last watchdog tick
  spinMs: number; // how long its event loop has been fully busy with no turn
}

/** Further tries to build the main thread's engine after the first fails (1 + 2 + 4 + 8 + 16 s). */
const INLINE_RETRIES = 5;

const workerFile = siblingModule(import.meta.url, "turn-worker");
const WATCHDOG_INTERVAL_MS = 50;
// Lets the isolate's own limit (same budget, per call) stop a script before the worker is killed.
const CPU_GRACE_MS = 4 * WATCHDOG_INTERVAL_MS;
// How long closing waits for a worker to exit by itself before terminating it (src/runtime/spawn-worker.ts, closeWorker).
const IDLE_CLOSE_GRACE_MS = 1000;
const BUSY_CLOSE_GRACE_MS = 5000;

export class WorkerPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly min: number;
  private readonly max: number;
  private readonly turnCpuMs: number;
  private readonly hardMs: number;
  private readonly httpSuspends: number;
  private readonly maxQueued: number;
  /** The queue's length, shared with the workers: a turn suspends at `$http` only when others wait for a worker. */
  private readonly demand = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly watchdog: NodeJS.Timeout;
  private inline: InlineTurns | undefined;
  private inlineRetry: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: PoolOptions) {
    this.min = Math.max(1, opts.minWorkers ?? 2);
    this.max = Math.max(this.min, opts.maxWorkers ?? Math.max(4, 2 * availableParallelism()));
    this.turnCpuMs = opts.turnCpuMs ?? 2000;
    this.hardMs = opts.hardTimeoutMs ?? 60_000;
    this.httpSuspends = opts.httpSuspends ?? 0;
    this.maxQueued = countLimit(opts.maxQueuedTurns, DEFAULT_MAX_QUEUED_TURNS, "maxQueuedTurns");
    // The realm cannot tell CPU from time blocked on I/O, so the CPU limit of a turn is enforced
    // here, from the worker's meter; a worker over budget is killed and its turn replayed as an error.
    this.watchdog = setInterval(() => this.checkCpu(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
    // Built while the first workers load the project (not before them); until then every turn goes to a worker.
    const project = opts.inlineProject;
    if (project) setImmediate(() => this.buildInline(project, 0));
  }

  /**
   * The main thread's engine. Its isolate calls have a short time limit, so on a busy machine
   * loading the platform into it can time out: tried again after 1, 2, 4, 8, 16 s rather than
   * leaving every turn of the server's life to the workers.
   */
  private buildInline(project: Project, attempt: number): void {
    this.inlineRetry = undefined;
    if (this.closed) return;
    const { opts } = this;
    try {
      this.inline = InlineTurns.create(project, { turnCpuMs: this.turnCpuMs, memoryMb: opts.memoryMb ?? 256, secrets: opts.secrets ?? {}, env: opts.env ?? {}, log: opts.log });
      if (attempt > 0) opts.log?.("info", "turns without user code run on the main thread again");
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (attempt >= INLINE_RETRIES) {
        opts.log?.("warn", `turns run in workers only: ${why}`);
        return;
      }
      if (attempt === 0) opts.log?.("warn", `turns run in workers until the main thread's engine loads: ${why}`);
      this.inlineRetry = setTimeout(() => this.buildInline(project, attempt + 1), 1000 * 2 ** attempt);
      this.inlineRetry.unref();
    }
  }

  /** Whether turns without user code run on the main thread now (src/runtime/inline.ts). */
  get inlineTurns(): boolean {
    return this.inline !== undefined;
  }

  /** Start the pool; rejects with the project's load error if the first worker cannot load it. */
  static async start(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    const first = pool.spawn();
    try {
      await first.ready;
    } catch (err) {
      await pool.close();
      throw err;
    }
    for (let i = 1; i < pool.min; i++) pool.spawn();
    await Promise.all(pool.slots.map((s) => s.ready));
    return pool;
  }

  /**
   * The turn run on this thread right now (src/runtime/inline.ts), or undefined when it must go to a
   * worker (`run`): the executor takes an inline result without a promise in between.
   */
  runInline(request: BotRequest, state: UserState): TurnResult | undefined {
    return this.closed ? undefined : this.inline?.run(request, state);
  }

  /**
   * The turn run in a worker, never on this thread: the caller tried `runInline` first (a second
   * inline attempt would match the turn on the main thread again for nothing).
   */
  run(request: BotRequest, state: UserState, options?: TurnMessage["options"]): Promise<TurnResult> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    // A replay into the error path follows a crash of a turn already running: never refused.
    if (this.queue.length >= this.maxQueued && options?.failWith === undefined) {
      return Promise.reject(new TurnRefusedError(503, `${this.maxQueued} turns are already waiting for a worker; try again`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, state, options, resolve, reject });
      this.dispatch();
    });
  }

  get size(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.inlineRetry);
    this.inline?.dispose();
    this.inline = undefined;
    clearInterval(this.watchdog);
    for (const job of this.queue.splice(0)) job.reject(new Error("worker pool is closed"));
    await Promise.all(this.slots.map((s) => closeTurnWorker(s)));
    this.slots = [];
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.max) {
        Atomics.store(this.demand, 0, this.queue.length);
        return;
      }
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      this.assign(slot, job);
    }
    Atomics.store(this.demand, 0, this.queue.length);
  }

  private assign(slot: Slot, job: Job): void {
    const id = this.nextId++;
    slot.job = { ...job, id };
    const hard = this.hardMs;
    slot.job.timer = setTimeout(() => this.fail(slot, new TurnCrash("timeout", `turn exceeded ${hard} ms`)), hard);
    slot.ready.then(
      () => {
        if (slot.job?.id !== id) return;
        const suspendable = (job.suspends ?? 0) < this.httpSuspends;
        const msg: TurnMessage = { type: "turn", id, request: job.request, state: job.state, options: job.options, tape: job.tape, suspendable };
        try {
          slot.worker.postMessage(msg);
        } catch (err) {
          // Structured clone refused the turn (nesting beyond the stack, an uncloneable value):
          // nothing reached the worker, so it stays; only this turn fails.
          this.settle(slot, id, new TurnCrash("internal", `the turn could not be handed to a worker: ${(err as Error).message}`));
        }
      },
      () => undefined, // a failed start is reported through fail()
    );
  }

  private checkCpu(): void {
    const now = Date.now();
    for (const slot of [...this.slots]) {
      if (slot.job && slot.meter.busyMs(now) > this.turnCpuMs + CPU_GRACE_MS) {
        this.fail(slot, new TurnCrash("cpu", `Script execution timed out after ${this.turnCpuMs} ms`));
      } else if (this.spinsIdle(slot)) {
        this.fail(slot, new TurnCrash("cpu", `worker busy for ${slot.spinMs} ms with no turn`));
      }
    }
  }

  /** Code that runs outside every turn (nothing should) and keeps the worker's event loop busy. */
  private spinsIdle(slot: Slot): boolean {
    const elu = slot.worker.performance.eventLoopUtilization();
    const tick = slot.elu ? slot.worker.performance.eventLoopUtilization(elu, slot.elu) : undefined;
    slot.elu = elu;
    slot.spinMs = !slot.job && slot.loaded && tick && tick.utilization > 0.9 ? slot.spinMs + tick.active : 0;
    return slot.spinMs > this.turnCpuMs;
  }

  private spawn(): Slot {
    const bridge = createBridge();
    const meter = TurnMeter.create();
    const init: WorkerInit = {
      projectDir: this.opts.projectDir,
      modules: this.opts.modules ?? [],
      // The isolate's per-call limit does not count host-call waits either: a looping script ends
      // in the project's error path; the watchdog (with a grace) is the backstop.
      realmCallMs: this.turnCpuMs,
      scriptMemoryMb: this.opts.memoryMb ?? 256,
      secrets: this.opts.secrets ?? {},
      env: this.opts.env ?? {},
      meter,
      demand: this.demand.buffer as SharedArrayBuffer,
    };
    const worker = spawnWorker(workerFile, {
      workerData: { ...init, bridge: bridge.worker },
      transferList: [bridge.worker.port],
      resourceLimits: { maxOldGenerationSizeMb: this.opts.memoryMb ?? 256 },
      env: {}, // the worker's process.env is empty: scripts get declared variables and secrets through init only
    });
    serveBridge(bridge.main, this.opts.hostCall);
    let markReady!: () => void;
    let markFailed!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      markFailed = rej;
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, meter: new TurnMeter(meter), loaded: false, spinMs: 0 };
    this.slots.push(slot);

    worker.on("message", (msg: WorkerMessage) => {
      switch (msg.type) {
        case "ready":
          slot.loaded = true;
          markReady();
          break;
        case "loadError":
          markFailed(new Error(msg.error));
          this.fail(slot, new Error(msg.error));
          break;
        case "log":
          this.opts.log?.(msg.level, msg.message);
          break;
        case "result":
          this.settle(slot, msg.id, msg.result);
          break;
        case "failed":
          this.settle(slot, msg.id, new TurnCrash("internal", msg.error));
          break;
        case "suspended":
          this.suspend(slot, msg.id, msg.call, msg.key, msg.tape);
          break;
      }
    });
    // A result the main thread cannot deserialise (a $session nested thousands deep): the worker's
    // only message in flight is its turn's result, so that turn fails now instead of at the hard timeout.
    worker.on("messageerror", (err: Error) => {
      const id = slot.job?.id;
      if (id !== undefined) this.settle(slot, id, new TurnCrash("result", `the turn's result could not be delivered: ${err.message}`));
    });
    worker.on("error", (err: Error & { code?: string }) => {
      const kind = err.code === "ERR_WORKER_OUT_OF_MEMORY" ? "memory" : "internal";
      markFailed(err);
      this.fail(slot, new TurnCrash(kind, kind === "memory" ? "Memory limit exceeded" : err.message));
    });
    worker.on("exit", () => {
      markFailed(new Error("worker exited"));
      this.fail(slot, new TurnCrash("internal", "worker exited"));
    });
    return slot;
  }

  /** Finish the slot's turn `id` (if it is still the current one) and give the worker the next turn. */
  private settle(slot: Slot, id: number, outcome: TurnResult | Error): void {
    const job = slot.job;
    if (!job || job.id !== id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    this.dispatch();
  }

  /**
   * The slot's turn `id` stopped at a new `$http` call: the worker takes the next turn while the call
   * runs here, and the turn goes back to the head of the queue with the answer on its tape.
   */
  private suspend(slot: Slot, id: number, call: HttpRequest, key: string, tape: TurnTape): void {
    const job = slot.job;
    if (!job || job.id !== id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    const next: Job = { request: job.request, state: job.state, options: job.options, resolve: job.resolve, reject: job.reject, tape, suspends: (job.suspends ?? 0) + 1 };
    const answered = (reply: TapedHttp["reply"]): void => {
      tape.http.push({ key, reply });
      if (this.closed) return next.reject(new Error("worker pool is closed"));
      this.queue.unshift(next);
      this.dispatch();
    };
    this.opts.hostCall("http", call).then(
      (value) => answered({ ok: true, value: value as HttpResponse }),
      (err: unknown) => answered({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
    this.dispatch();
  }

  /** Drop a broken worker, fail its turn, and keep the pool at its minimum size. */
  private fail(slot: Slot, err: Error): void {
    const idx = this.slots.indexOf(slot);
    if (idx < 0) return;
    this.slots.splice(idx, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    void slot.worker.terminate();
    if (this.closed) return;
    if (slot.loaded && this.slots.length < this.min) this.spawn();
    this.dispatch();
  }
}

/** A worker frees its isolate and exits by itself once asked: an idle one at once, a busy one after its turn. */
async function closeTurnWorker(slot: Slot): Promise<void> {
  // One that never loaded closes itself after reporting why; one that did is asked to.
  const ask = slot.loaded ? () => slot.worker.postMessage({ type: "close" } satisfies CloseMessage) : undefined;
  await closeWorker(slot.worker, slot.job ? BUSY_CLOSE_GRACE_MS : IDLE_CLOSE_GRACE_MS, ask);
}
