// In-process CPU time of the "session" workload's turns (bench/lib/projects.mjs SESSION_SC) with
// turn-data code evaluated on the host and with every script, condition and template run in the
// isolate (ScriptHostOptions.turnDataOnHost: false), alternated in rounds within one run.
// Prints one JSON line per phrase and mode ({phrase, mode, medianUsPerTurn, bytesPerTurn}) and the
// ratios; bytesPerTurn is what the V8 heap allocated per turn (v8.GCProfiler), measured in batches of
// their own after the timed rounds so that the profiler never runs in a timed batch.
// Env: BENCH_TURN_ROUNDS (default 30 rounds of BENCH_TURN_BATCH=200 turns), BENCH_DIST.
// Run after `npm run build`: node bench/turn-data-host.mjs
import { rmSync } from "node:fs";
import { makeProject, SESSION_SC } from "./lib/projects.mjs";
import { services } from "./lib/services.mjs";
import { fromDist } from "./lib/dist.mjs";
import { allocated } from "./lib/heap.mjs";

const { loadProject } = await fromDist("project/loader.js");
const { createEngine } = await fromDist("engine/index.js");
const { emptyUserState } = await fromDist("engine/types.js");

const ROUNDS = Number(process.env.BENCH_TURN_ROUNDS ?? 30);
const BATCH = Number(process.env.BENCH_TURN_BATCH ?? 200);

const dir = makeProject(SESSION_SC, "bench-turn-data-");
const project = loadProject(dir);
const engines = { host: createEngine(project, services), isolate: createEngine(project, services, { turnDataOnHost: false }) };
const PHRASES = { add: "добавь", status: "сколько", hello: "привет" };

/** CPU µs per turn of one batch: each turn starts from the state the previous one left (as one user would). */
function batch(engine, query) {
  let state = emptyUserState();
  const t0 = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) {
    const r = engine.process({ query, channelType: "smartapp", questionId: String(i) }, state);
    state = r.state;
  }
  const t = process.cpuUsage(t0);
  // Both modes must count the same (the differential test checks this in detail: turn-eval.diff.test.ts).
  if (query === PHRASES.add && state.session.count !== BATCH) throw new Error(`count ${state.session.count} after ${BATCH} turns`);
  return (t.user + t.system) / BATCH;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = {};
for (let r = -3; r < ROUNDS; r++) {
  for (const [phrase, query] of Object.entries(PHRASES)) {
    // Alternate which mode goes first: a batch runs faster right after one of the same phrase.
    const modes = Object.entries(engines);
    if (r % 2) modes.reverse();
    for (const [mode, engine] of modes) {
      const us = batch(engine, query);
      if (r >= 0) (samples[`${phrase}/${mode}`] ??= []).push(us); // the first rounds warm up
    }
  }
}
const bytes = {};
for (let r = 0; r < 5; r++) {
  for (const [phrase, query] of Object.entries(PHRASES)) {
    for (const [mode, engine] of Object.entries(engines)) (bytes[`${phrase}/${mode}`] ??= []).push(allocated(() => batch(engine, query)) / BATCH);
  }
}
for (const [key, xs] of Object.entries(samples)) {
  const [phrase, mode] = key.split("/");
  console.log(JSON.stringify({ bench: "turn-data-host", phrase, mode, medianUsPerTurn: Math.round(median(xs) * 10) / 10, bytesPerTurn: Math.round(median(bytes[key])) }));
}
for (const phrase of Object.keys(PHRASES)) {
  console.log(JSON.stringify({ bench: "turn-data-host", phrase, isolateOverHost: Math.round((median(samples[`${phrase}/isolate`]) / median(samples[`${phrase}/host`])) * 100) / 100 }));
}
for (const engine of Object.values(engines)) engine.dispose?.();
rmSync(dir, { recursive: true, force: true });
