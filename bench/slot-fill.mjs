// Slots filled from a phrase (ProjectIntentClassifier.fillSlots, docs/nlu.md "Slots"), in-process: the
// main thread does it for every intent above the threshold and every slot-filling answer. The text is
// ~400 characters of one-digit numbers (200 occurrences of @duckling.number), the costly case for
// slots that share an entity. Workloads: "array" — a plain slot then an array slot of one entity;
// "twoArrays" — two array slots of one entity. Prints one JSON line per workload: µs of CPU per call
// (process.cpuUsage, best of ROUNDS batches) and bytes the V8 heap allocated per call (v8.GCProfiler,
// median of batches of their own).
// Needs `npm run build` (or BENCH_DIST=<another build's dist>). Usage: node bench/slot-fill.mjs [rounds=7] [calls=20]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fromDist } from "./lib/dist.mjs";
import { allocated } from "./lib/heap.mjs";

const { parseNluData, classifierFor } = await fromDist("nlu/index.js");

const ROUNDS = Number(process.argv[2] ?? 7);
const CALLS = Number(process.argv[3] ?? 20);
const TEXT = Array.from({ length: 200 }, (_, i) => String((i % 9) + 1)).join(" ");

const slot = (name, array) => ({ name, entity: "duckling.number", required: false, array, prompts: [] });
const intent = (path, slots) => ({ path, enabled: true, phrases: [{ text: "числа @duckling.number" }], patterns: [], slots });
const json = { intents: [intent("/Array", [slot("Ticket", false), slot("Numbers", true)]), intent("/TwoArrays", [slot("A", true), slot("B", true)])] };

const cpuUs = (fn) => {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return d.user + d.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(path.join(tmpdir(), "slot-fill-bench-"));
try {
  const text = JSON.stringify(json);
  const c = classifierFor(parseNluData(json, "bench.json"), text, { cacheDir: dir });
  for (const [name, intentPath] of [["array", "/Array"], ["twoArrays", "/TwoArrays"]]) {
    const run = () => {
      for (let i = 0; i < CALLS; i++) c.fillSlots(intentPath, TEXT, 0);
    };
    run(); // warm-up, and the slot patterns compiled
    const filled = Object.fromEntries(Object.entries(c.fillSlots(intentPath, TEXT, 0)).map(([k, v]) => [k, v.length]));
    const cpu = [];
    const bytes = [];
    for (let r = 0; r < ROUNDS; r++) cpu.push(cpuUs(run) / CALLS);
    for (let r = 0; r < ROUNDS; r++) bytes.push(allocated(run) / CALLS);
    console.log(JSON.stringify({ workload: name, textChars: TEXT.length, filled, cpuUsPerCall: Math.round(Math.min(...cpu)), allocBytesPerCall: Math.round(median(bytes)) }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
