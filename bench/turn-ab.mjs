// Two builds compared turn by turn in one process: the webhook benchmark's "hello" and "session"
// turns (bench/lib/projects.mjs, messages from bench/lib/message.mjs mapped as the channel maps them,
// so `$request.rawRequest` is the whole message) on `createEngine`, once with turn data evaluated on
// the host (what the main thread runs) and once with every script, condition and template in the
// isolate (ScriptHostOptions.turnDataOnHost: false: what a turn that enters the isolate pays for the
// first call's ops). Batches of the two builds alternate, the order swapped every round; prints one
// JSON line per workload, mode and build: median CPU µs per turn (process.cpuUsage) and bytes the
// V8 heap allocated per turn (v8.GCProfiler, median of batches of their own).
// Usage: node --no-node-snapshot bench/turn-ab.mjs <dist A> <dist B> [rounds=15] [turns=600]
import { rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TURN_WORKLOADS, makeProject } from "./lib/projects.mjs";
import { message } from "./lib/message.mjs";
import { services } from "./lib/services.mjs";
import { alternate, median } from "./lib/ab.mjs";

const [distA, distB] = process.argv.slice(2, 4);
if (!distA || !distB) throw new Error("usage: node --no-node-snapshot bench/turn-ab.mjs <dist A> <dist B> [rounds] [turns]");
const ROUNDS = Number(process.argv[4] ?? 15);
const TURNS = Number(process.argv[5] ?? 600);
const USERS = 200;

async function build(dist) {
  const from = (rel) => import(pathToFileURL(path.join(path.resolve(dist), rel)).href);
  return {
    loadProject: (await from("project/loader.js")).loadProject,
    createEngine: (await from("engine/index.js")).createEngine,
    emptyUserState: (await from("engine/types.js")).emptyUserState,
    parseBody: (await from("channels/smartapp/index.js")).parseBody,
    validateMessage: (await from("channels/smartapp/index.js")).validateMessage,
    mapIn: (await from("channels/smartapp/map-in.js")).mapIn,
  };
}
const builds = { A: await build(distA), B: await build(distB) };

for (const [name, { sc, phrases }] of Object.entries(TURN_WORKLOADS)) {
  const dir = makeProject(sc, "bench-turn-ab-");
  for (const mode of ["host", "isolate"]) {
    const runs = {};
    for (const [label, b] of Object.entries(builds)) {
      const engine = b.createEngine(b.loadProject(dir, {}), services, mode === "isolate" ? { turnDataOnHost: false } : {});
      const states = new Map();
      let counter = 0;
      // The requests of a batch are mapped before it is timed: only the turns are counted.
      const prepare = () => {
        const batch = [];
        for (let i = 0; i < TURNS; i++) {
          const n = counter++;
          const { request, userKey } = b.mapIn(b.validateMessage(b.parseBody(message(n + 1, n % USERS, phrases[Math.floor(n / USERS) % phrases.length]))));
          const json = states.get(userKey);
          batch.push({ request, userKey, state: json ? JSON.parse(json) : b.emptyUserState() });
        }
        return batch;
      };
      const run = (batch) => {
        for (const t of batch) states.set(t.userKey, JSON.stringify(engine.process(t.request, t.state).state));
      };
      runs[label] = { engine, prepare, run, us: [], bytes: [] };
    }
    await alternate(runs, { rounds: ROUNDS, turns: TURNS });
    for (const [label, r] of Object.entries(runs)) {
      console.log(JSON.stringify({ bench: "turn-ab", workload: name, mode, build: label, medianUsPerTurn: Math.round(median(r.us) * 10) / 10, bytesPerTurn: Math.round(median(r.bytes)), rounds: ROUNDS, turns: TURNS }));
      r.engine.dispose();
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
