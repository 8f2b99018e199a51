// The test pool's worker frees its isolates and exits by itself when asked: terminate() of a thread
// with live isolated-vm isolates sometimes aborted `smartapp test` at exit (an isolated-vm assertion
// and exit code 129 after "231 passed, 3 failed"), so the pool asks first (src/runtime/spawn-worker.ts).
import path from "node:path";
import { once } from "node:events";
import { expect, it } from "vitest";
import { siblingModule, spawnWorker } from "../runtime/spawn-worker.js";
import type { FromWorker, TestWorkerInit, ToWorker } from "./worker.js";

const fixture = path.resolve(import.meta.dirname, "../../test/fixtures/chat");

it("loads the project, then exits with code 0 on its own when sent close", async () => {
  const init: TestWorkerInit = { dir: fixture, modules: [], lenient: false, unmockedOk: false, unmockedFail: false, integration: false, env: {}, paymentEnv: {} };
  const worker = spawnWorker(siblingModule(import.meta.url, "worker"), { workerData: init, env: {} });
  const [first] = (await once(worker, "message")) as [FromWorker];
  expect(first.type).toBe("ready");
  const exited = once(worker, "exit");
  worker.postMessage({ type: "close" } satisfies ToWorker);
  const [code] = (await exited) as [number];
  expect(code).toBe(0); // terminate() would end it with code 1
}, 60_000);
