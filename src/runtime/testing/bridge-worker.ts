// Test worker: makes the blocking host calls it is told to and reports what came back.
import { parentPort, workerData } from "node:worker_threads";
import { callSync, type BridgeEnds } from "../sync-bridge.js";

const { bridge, calls, timeoutMs } = workerData as { bridge: BridgeEnds["worker"]; calls: { op: string; args: unknown }[]; timeoutMs: number };
const results = calls.map(({ op, args }) => {
  try {
    return { ok: true, value: callSync(bridge, op, args, timeoutMs) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
});
parentPort!.postMessage(results);
