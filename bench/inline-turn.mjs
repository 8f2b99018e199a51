// The main thread's share of a served turn, in-process: `InlineTurns.run` (src/runtime/inline.ts) on
// the webhook benchmark's "hello" and "session" projects and messages (bench/lib/projects.mjs,
// bench/lib/message.mjs), 1,000 users round-robin as webhook.mjs sends them, each turn starting from
// its user's state as the store hands it back (JSON text, parsed). Parsing, mapping and state JSON are
// done outside the measured loop: only the turn is counted. Prints one JSON line per workload:
// µs of CPU per turn (process.cpuUsage, best of ROUNDS batches) and bytes the V8 heap allocated per
// turn (v8.GCProfiler, median of batches of their own).
// Needs `npm run build` (or BENCH_DIST=<another build's dist>); run with --no-node-snapshot (isolated-vm).
// Usage: node --no-node-snapshot bench/inline-turn.mjs [rounds=15] [turns=3000]
import { rmSync } from "node:fs";
import { TURN_WORKLOADS, makeProject } from "./lib/projects.mjs";
import { message } from "./lib/message.mjs";
import { fromDist } from "./lib/dist.mjs";
import { allocated } from "./lib/heap.mjs";

const { loadProject } = await fromDist("project/loader.js");
const { InlineTurns } = await fromDist("runtime/inline.js");
const { parseBody, validateMessage } = await fromDist("channels/smartapp/index.js");
const { mapIn } = await fromDist("channels/smartapp/map-in.js");
const { emptyUserState } = await fromDist("engine/types.js");

const ROUNDS = Number(process.argv[2] ?? 15);
const TURNS = Number(process.argv[3] ?? 3000);
const USERS = 1000;
// BENCH_INLINE_WORKLOADS: a comma-separated subset of hello,session (default both).
const WORKLOADS = Object.fromEntries((process.env.BENCH_INLINE_WORKLOADS ?? "hello,session").split(",").map((w) => [w.trim(), TURN_WORKLOADS[w.trim()]]));

for (const [name, { sc, phrases }] of Object.entries(WORKLOADS)) {
  const dir = makeProject(sc, "bench-inline-turn-");
  const inline = InlineTurns.create(loadProject(dir, {}), { turnCpuMs: 2000, memoryMb: 128, secrets: {}, env: {} });
  const states = new Map(); // user → state JSON, as a store keeps it
  let counter = 0;
  /** The next TURNS requests and their users' states, ready to run. */
  const prepare = () => {
    const batch = [];
    for (let i = 0; i < TURNS; i++) {
      const n = counter++;
      const user = `u-${n % USERS}`;
      const text = phrases[Math.floor(n / USERS) % phrases.length];
      const { request, userKey } = mapIn(validateMessage(parseBody(message(n + 1, n % USERS, text))));
      const json = states.get(userKey);
      batch.push({ request, userKey, state: json ? JSON.parse(json) : emptyUserState(), user });
    }
    return batch;
  };
  const results = new Array(TURNS);
  const run = (batch) => {
    for (let i = 0; i < TURNS; i++) results[i] = inline.run(batch[i].request, batch[i].state);
  };
  const keep = (batch) => {
    for (let i = 0; i < TURNS; i++) {
      if (results[i] === undefined) throw new Error(`${name}: turn ${i} was refused inline`);
      states.set(batch[i].userKey, JSON.stringify(results[i].state));
    }
  };
  let best = Infinity;
  for (let round = -3; round < ROUNDS; round++) {
    const batch = prepare();
    const t0 = process.cpuUsage();
    run(batch);
    const t = process.cpuUsage(t0);
    keep(batch);
    if (round >= 0) best = Math.min(best, (t.user + t.system) / TURNS);
  }
  const bytes = [];
  for (let round = 0; round < 5; round++) {
    const batch = prepare();
    bytes.push(allocated(() => run(batch)) / TURNS);
    keep(batch);
  }
  bytes.sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: "inline-turn", workload: name, bestUsPerTurn: Math.round(best * 10) / 10, bytesPerTurn: Math.round(bytes[2]), rounds: ROUNDS, turns: TURNS }));
  inline.dispose();
  rmSync(dir, { recursive: true, force: true });
}
