// Two builds' executor compared in one process: `RuntimeExecutor.run` (per-user queue, the turn on
// the main thread, state limits, commit) over the memory store and a real worker pool, on the webhook
// benchmark's "hello" and "session" turns (requests mapped as the channel maps them), 50 turns in
// flight at a time for 1,000 users, as webhook.mjs sends them. Batches of the two builds alternate,
// the order swapped every round. Prints per workload and build the median CPU µs per turn
// (process.cpuUsage: this thread, the idle workers add nothing) and the bytes the V8 heap allocated
// per turn (v8.GCProfiler, median of batches of their own).
// Usage: node --no-node-snapshot bench/executor-ab.mjs <dist A> <dist B> [rounds=11] [turns=2000]
import { rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { alternate, median } from "./lib/ab.mjs";
import { TURN_WORKLOADS, makeProject } from "./lib/projects.mjs";
import { message } from "./lib/message.mjs";

const [distA, distB] = process.argv.slice(2, 4);
if (!distA || !distB) throw new Error("usage: node --no-node-snapshot bench/executor-ab.mjs <dist A> <dist B> [rounds] [turns]");
const ROUNDS = Number(process.argv[4] ?? 11);
const TURNS = Number(process.argv[5] ?? 2000);
const USERS = 1000;
const IN_FLIGHT = 50;

async function build(dist) {
  const from = (rel) => import(pathToFileURL(path.join(path.resolve(dist), rel)).href);
  const smartapp = await from("channels/smartapp/index.js");
  return {
    loadProject: (await from("project/loader.js")).loadProject,
    WorkerPool: (await from("runtime/worker-pool.js")).WorkerPool,
    RuntimeExecutor: (await from("runtime/executor.js")).RuntimeExecutor,
    MemoryStore: (await from("storage/memory.js")).MemoryStore,
    parseBody: smartapp.parseBody,
    validateMessage: smartapp.validateMessage,
    mapIn: (await from("channels/smartapp/map-in.js")).mapIn,
  };
}
const builds = { A: await build(distA), B: await build(distB) };

for (const [name, { sc, phrases }] of Object.entries(TURN_WORKLOADS)) {
  const dir = makeProject(sc, "bench-executor-ab-");
  const runs = {};
  for (const [label, b] of Object.entries(builds)) {
    const project = b.loadProject(dir, {});
    const pool = await b.WorkerPool.start({ projectDir: dir, hostCall: async () => undefined, minWorkers: 1, inlineProject: project });
    const store = new b.MemoryStore();
    const executor = new b.RuntimeExecutor({ pool, store, config: project.config });
    let counter = 0;
    const prepare = () => {
      const batch = [];
      for (let i = 0; i < TURNS; i++) {
        const n = counter++;
        batch.push({ n, ...b.mapIn(b.validateMessage(b.parseBody(message(n + 1, n % USERS, phrases[Math.floor(n / USERS) % phrases.length])))) });
      }
      return batch;
    };
    const render = (result) => JSON.stringify(result.replies);
    const run = async (batch) => {
      let next = 0;
      const lane = async () => {
        while (next < batch.length) {
          const t = batch[next++];
          const outcome = await executor.run(t.userKey, t.request, { messageId: String(t.n), render });
          if (outcome.result.error) throw new Error(`${name}: ${outcome.result.error.message}`);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    };
    runs[label] = { executor, prepare, run, us: [], bytes: [] };
  }
  await alternate(runs, { rounds: ROUNDS, turns: TURNS });
  for (const [label, r] of Object.entries(runs)) {
    console.log(JSON.stringify({ bench: "executor-ab", workload: name, build: label, medianUsPerTurn: Math.round(median(r.us) * 10) / 10, bytesPerTurn: Math.round(median(r.bytes)), rounds: ROUNDS, turns: TURNS }));
    await r.executor.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
