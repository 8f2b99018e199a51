import { describe, expect, it } from "vitest";
import { createBridge, serveBridge, type HostCallHandler } from "./sync-bridge.js";
import { spawnWorker } from "./spawn-worker.js";

function runWorker(calls: { op: string; args: unknown }[], handler: HostCallHandler, timeoutMs = 2000) {
  const bridge = createBridge();
  serveBridge(bridge.main, handler);
  const worker = spawnWorker(new URL("./testing/bridge-worker.ts", import.meta.url), {
    workerData: { bridge: bridge.worker, calls, timeoutMs },
    transferList: [bridge.worker.port],
  });
  return new Promise<{ ok: boolean; value?: unknown; error?: string }[]>((resolve, reject) => {
    worker.once("message", (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sync bridge", () => {
  it("returns async results to a blocked worker, in order", async () => {
    const results = await runWorker(
      [
        { op: "echo", args: { a: 1 } },
        { op: "slow", args: 30 },
        { op: "echo", args: [1, 2] },
      ],
      async (op, args) => {
        if (op === "slow") await sleep(args as number);
        return { op, args };
      },
    );
    expect(results).toEqual([
      { ok: true, value: { op: "echo", args: { a: 1 } } },
      { ok: true, value: { op: "slow", args: 30 } },
      { ok: true, value: { op: "echo", args: [1, 2] } },
    ]);
  });

  it("turns a host failure into an error in the worker", async () => {
    const [r] = await runWorker([{ op: "boom", args: null }], async () => {
      throw new Error("no such service");
    });
    expect(r).toEqual({ ok: false, error: "no such service" });
  });

  it("times out, and a late answer is not taken for the next call", async () => {
    const results = await runWorker(
      [
        { op: "late", args: null },
        { op: "quick", args: null },
      ],
      async (op) => {
        if (op === "late") await sleep(300);
        return op;
      },
      100,
    );
    expect(results[0]).toEqual({ ok: false, error: "Host call late timed out after 100 ms" });
    expect(results[1]).toEqual({ ok: true, value: "quick" });
  });

  it("keeps the main thread free while the worker waits", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await runWorker([{ op: "slow", args: 200 }], async (_op, args) => {
      await sleep(args as number);
      return "done";
    });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
  });
});
