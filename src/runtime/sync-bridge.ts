// Synchronous host calls from a worker thread: the worker posts a request and sleeps on an Atomics
// flag; the main thread does the async work and wakes it. Scripts see a plain function call, and only
// this worker's turn waits — the main thread keeps serving everyone else.
import { MessageChannel, MessagePort, receiveMessageOnPort } from "node:worker_threads";

export interface HostCallRequest {
  id: number;
  op: string;
  args: unknown;
}

// Replies carry the call id: an answer that arrives after its call timed out must not be taken
// for the answer to the next call.
export type HostCallReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; error: string });

/** Main-thread side: answers a worker's calls with `handler`. */
export type HostCallHandler = (op: string, args: unknown) => Promise<unknown>;

const IDLE = 0;
const ANSWERED = 1;

export interface BridgeEnds {
  /** Goes to the worker (transfer `port` in the worker's transferList). */
  worker: { port: MessagePort; signal: SharedArrayBuffer };
  /** Stays on the main thread. */
  main: { port: MessagePort; signal: SharedArrayBuffer };
}

export function createBridge(): BridgeEnds {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  return { worker: { port: port2, signal }, main: { port: port1, signal } };
}

/** Main thread: serve host calls arriving on `port` until it closes. */
export function serveBridge(ends: BridgeEnds["main"], handler: HostCallHandler): void {
  const flag = new Int32Array(ends.signal);
  ends.port.on("message", (req: HostCallRequest) => {
    handler(req.op, req.args).then(
      (value) => answer({ id: req.id, ok: true, value }),
      (err: unknown) => answer({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The worker is blocked in Atomics.wait, so the message must be queued before the flag flips.
  function answer(reply: HostCallReply): void {
    ends.port.postMessage(reply);
    Atomics.store(flag, 0, ANSWERED);
    Atomics.notify(flag, 0);
  }
  ends.port.unref();
}

let nextCallId = 1;

/** Worker thread: make one blocking call. Throws on host errors and when `timeoutMs` passes. */
export function callSync(ends: BridgeEnds["worker"], op: string, args: unknown, timeoutMs: number): unknown {
  const flag = new Int32Array(ends.signal);
  const id = nextCallId++;
  const deadline = Date.now() + timeoutMs;
  ends.port.postMessage({ id, op, args } satisfies HostCallRequest);
  // Check the port before every wait: the main thread posts the answer before it flips the flag,
  // so a wake-up is never lost and a stale answer is skipped.
  for (;;) {
    const msg = receiveMessageOnPort(ends.port);
    if (msg) {
      const reply = msg.message as HostCallReply;
      if (reply.id !== id) continue;
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`Host call ${op} timed out after ${timeoutMs} ms`);
    Atomics.wait(flag, 0, IDLE, remaining);
    Atomics.store(flag, 0, IDLE);
  }
}
