// Messages between the main thread and turn workers.
import type { HttpRequest, HttpResponse, TurnResult, TurnRunOptions } from "../engine/types.js";

export interface WorkerInit {
  projectDir: string;
  modules: string[];
  realmCallMs: number; // CPU limit of one call into the script isolate (host-call waits not counted)
  scriptMemoryMb: number; // memory limit of the script isolate, ArrayBuffers included
  secrets: Record<string, string>;
  env: Record<string, string>; // `$env.get`: declared variables only (src/runtime/script-env.ts)
  meter: SharedArrayBuffer; // TurnMeter slots, written by the worker, read by the pool's watchdog
  /** One Int32: how many turns wait in the pool's queue for a worker (written by the pool). */
  demand: SharedArrayBuffer;
}

/** The pool is closing: free the isolate and exit (a terminate() with live isolates can abort the process). */
export interface CloseMessage {
  type: "close";
}

export interface TurnMessage {
  type: "turn";
  id: number;
  request: unknown;
  state: unknown;
  options?: TurnRunOptions;
  /** What earlier runs of this turn saw (suspended at a `$http` call); replayed in order. */
  tape?: TurnTape;
  /** May this run suspend at a new `$http` call instead of blocking the worker on it? */
  suspendable?: boolean;
}

/**
 * A turn that suspends at `$http` runs again from the same stored state once the main thread has
 * the answer (docs/architecture.md, "Scripts are synchronous"): the new run gets the answers of the
 * calls made so far, and the clock readings, random numbers and realm seeds the earlier run used, in
 * order, so it takes the same path up to the next new call.
 */
export interface TurnTape {
  http: TapedHttp[];
  now: number[];
  random: number[];
  /** Seeds of the realm's Math.random (four 32-bit words each, from `freshSeed()`): kept apart from `random`, drawn from a secure source. */
  seeds: number[][];
}

export interface TapedHttp {
  /** The request as JSON: a run that asks for something else has left the taped path. */
  key: string;
  reply: { ok: true; value: HttpResponse } | { ok: false; error: string };
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "loadError"; error: string }
  | { type: "result"; id: number; result: TurnResult }
  | { type: "failed"; id: number; error: string }
  /** The run stopped at a new `$http` call (nothing of it is kept): make the call, then run the turn again with `tape`. */
  | { type: "suspended"; id: number; call: HttpRequest; key: string; tape: TurnTape }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string };

/**
 * What the pool's CPU watchdog reads: when the current turn started and how long it has been
 * blocked in host calls ($http, $payment), in Date.now() milliseconds. Time blocked on I/O is not
 * CPU time, so a script may wait on a slow endpoint for as long as $http allows.
 */
export class TurnMeter {
  private readonly slots: Float64Array;
  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Float64Array(buffer);
  }
  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
  }
  startTurn(now = Date.now()): void {
    this.slots[1] = 0;
    this.slots[2] = 0;
    this.slots[0] = now;
  }
  endTurn(): void {
    this.slots[0] = 0;
  }
  /** Wraps a blocking host call. */
  waiting<T>(call: () => T): T {
    this.slots[2] = Date.now();
    try {
      return call();
    } finally {
      this.slots[1] += Date.now() - this.slots[2];
      this.slots[2] = 0;
    }
  }
  /** Milliseconds the current turn has spent running (not waiting); 0 when no turn runs. */
  busyMs(now = Date.now()): number {
    const start = this.slots[0];
    if (!start) return 0;
    const waitingNow = this.slots[2] ? now - this.slots[2] : 0;
    return now - start - this.slots[1] - waitingNow;
  }
}
