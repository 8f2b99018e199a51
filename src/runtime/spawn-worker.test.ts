// closeWorker asks a worker to exit and terminates it only when it does not within the grace time.
import { Worker } from "node:worker_threads";
import { once } from "node:events";
import { expect, it } from "vitest";
import { closeWorker } from "./spawn-worker.js";

const OBEYS = `require("node:worker_threads").parentPort.on("message", (m) => { if (m === "close") process.exit(0); });`;
const IGNORES = `require("node:worker_threads").parentPort.on("message", () => {});`;

async function started(code: string): Promise<Worker> {
  const w = new Worker(code + `require("node:worker_threads").parentPort.postMessage("up");`, { eval: true });
  await once(w, "message");
  return w;
}

it("a worker that exits when asked is not terminated", async () => {
  const w = await started(OBEYS);
  const codes: number[] = [];
  w.on("exit", (c) => codes.push(c));
  await closeWorker(w, 10_000, () => w.postMessage("close"));
  expect(codes).toEqual([0]);
});

it("a worker that does not exit in time is terminated", async () => {
  const w = await started(IGNORES);
  const codes: number[] = [];
  w.on("exit", (c) => codes.push(c));
  await closeWorker(w, 100, () => w.postMessage("close"));
  expect(codes).toEqual([1]); // the exit code terminate() gives
});

it("a worker that has ended already is closed at once, not after the grace time", async () => {
  const w = await started(OBEYS);
  const exited = once(w, "exit");
  w.postMessage("close");
  await exited;
  await closeWorker(w, 60_000); // waiting for an "exit" that has passed would outlast the test's timeout
}, 10_000);
