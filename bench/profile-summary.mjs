// Summarises V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread) as text: self time by
// function and by area (our src/ folders, node internals, dependencies, GC, idle), and "total" time
// (self + callees) of chosen functions. The flame-graph summaries in docs/benchmarks.md come from it.
// Usage: node bench/profile-summary.mjs <file.cpuprofile|dir> [--top N]
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const topIdx = args.indexOf("--top");
const TOP = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 25;
const files = args.flatMap((a) => (statSync(a).isDirectory() ? readdirSync(a).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(a, f)) : [a]));

/** Where a frame's time goes: a src/ folder of ours, a dependency, node itself, or V8's own buckets. */
function area(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const dist = /\/dist\/([^/]+)\/([^/]+)/.exec(url);
  if (dist) return dist[1] === "cli" ? "cli" : `${dist[1]}/${dist[2].replace(/\.js$/, "")}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return `dep:${dep[1]}`;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  return path.basename(url);
}

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id).callFrame.functionName === "(idle)").reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const byFn = new Map();
  const byArea = new Map();
  for (const [id, t] of self) {
    const f = byId.get(id).callFrame;
    if (f.functionName === "(idle)") continue;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? path.basename(f.url) : ""}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    const a = area(f);
    byArea.set(a, (byArea.get(a) ?? 0) + t);
  }
  // Inclusive time of our areas: a sample counts for every area of ours on its stack.
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [id, t] of self) {
    if (byId.get(id).callFrame.functionName === "(idle)") continue;
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const a = area(byId.get(n).callFrame);
      if (/^[a-z]+\//.test(a) || a === "cli") seen.add(a);
    }
    for (const a of seen) inclusive.set(a, (inclusive.get(a) ?? 0) + t);
  }
  const pct = (t) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / total).toFixed(0)}%)`);
  console.log("-- self time by area (of busy)");
  for (const [a, t] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, TOP)) console.log(`${pct(t)}  ${a}`);
  console.log("-- total time (self + callees) of our areas (of busy)");
  for (const [a, t] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, TOP)) console.log(`${pct(t)}  ${a}`);
  console.log("-- self time by function (of busy)");
  for (const [k, t] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, TOP)) console.log(`${pct(t)}  ${k}`);
}
