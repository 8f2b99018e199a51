// Worker thread of the test pool: loads the project once, then runs batches of cases on demand.
import { parentPort, workerData } from "node:worker_threads";
import type { HttpRequest, HttpResponse } from "../engine/types.js";
import { callSync, type BridgeEnds } from "../runtime/sync-bridge.js";
import { createTestEngine, describeLoadError, loadTestProject, type TestEngine } from "./engine-host.js";
import { runCase } from "./run-case.js";
import type { CaseResult, TestCase, TestFile } from "./model.js";

/** What a test worker is started with (its workerData): the project, the case options, the HTTP bridge. */
export interface TestWorkerInit {
  dir: string;
  modules: string[];
  lenient: boolean;
  unmockedOk: boolean;
  unmockedFail: boolean;
  integration: boolean;
  strict?: boolean;
  coverage?: boolean;
  channel?: string;
  env: Record<string, string>; // what `$env.get` answers: the project's declared variables (src/runtime/script-env.ts)
  paymentEnv: Record<string, string>; // SmartPay settings for $payment (the CLI's config)
  bridge?: BridgeEnds["worker"]; // present when integration cases may make real HTTP calls
}

/** One case to run: `key` comes back with its result, `fileIndex` names its file's header. */
export interface Task {
  key: number;
  fileIndex: number;
  tc: TestCase;
}

/** Messages from the pool to a worker: file headers, a batch of cases, close. */
export type ToWorker = { type: "files"; files: Record<number, Omit<TestFile, "cases">> } | { type: "run"; tasks: Task[] } | { type: "close" };
/** Messages from a worker to the pool: loaded, failed to load, or results of a batch. */
export type FromWorker = { type: "ready" } | { type: "loadError"; message: string } | { type: "results"; results: { key: number; result: CaseResult }[] };

const init = workerData as TestWorkerInit;
const port = parentPort!;
const files = new Map<number, Omit<TestFile, "cases">>();
let te: TestEngine | undefined;
let closing = false;

const realHttp = init.bridge
  ? (req: HttpRequest): HttpResponse => {
      try {
        return callSync(init.bridge!, "http", req, Math.min(req.timeoutMs || 25_000, 25_000) + 5_000) as HttpResponse;
      } catch (e) {
        return { status: -1, headers: {}, body: "", error: (e as Error).message };
      }
    }
  : undefined;

port.on("message", (msg: ToWorker) => {
  if (msg.type === "close") {
    closing = true;
    te?.engine.dispose(); // frees the isolates here, before the thread ends (a load still running does it below)
    port.close(); // nothing else keeps the thread alive: it exits
    return;
  }
  if (msg.type === "files") {
    for (const [i, f] of Object.entries(msg.files)) files.set(Number(i), f);
    return;
  }
  const results = msg.tasks.map((t) => ({
    key: t.key,
    result: runCase(te!.engine, te!.host, { ...files.get(t.fileIndex)!, cases: [] }, t.tc, { lenient: init.lenient, unmockedOk: init.unmockedOk, unmockedFail: init.unmockedFail, integration: init.integration, strict: init.strict, coverage: init.coverage, channel: init.channel, project: te!.project, realHttp, env: (n) => (Object.hasOwn(init.env, n) ? init.env[n] : undefined), paymentEnv: init.paymentEnv }),
  }));
  port.postMessage({ type: "results", results } satisfies FromWorker);
});

try {
  te = createTestEngine(await loadTestProject(init.dir, init.modules));
  if (closing) te.engine.dispose();
  else port.postMessage({ type: "ready" } satisfies FromWorker);
} catch (e) {
  port.postMessage({ type: "loadError", message: describeLoadError(e) } satisfies FromWorker);
}
