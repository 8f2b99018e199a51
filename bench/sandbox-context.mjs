// What a fresh script context costs for big projects (docs/sandbox.md, "Per-turn state", "ES6
// modules"). Every turn that runs user code retires its context, so the next turn of a saturated
// worker (the XML test runner) builds one on its hot path. Two generated projects:
//  - "es6": a scriptEs6 module importing a CommonJS package of many files (the shape of mathjs:
//    hundreds of small factory modules wired by an index);
//  - "data": a CSV dictionary of 60,000 rows bound with `var =` (the shape of zb-common's city list),
//    read by the turn's script or not; also the heap of the isolate after its first context.
// `SMARTAPP_BENCH_PROJECT=<dir>` measures a real project instead (`BENCH_SCRIPT`: the turn's script).
// Run after `npm run build`: node --no-node-snapshot bench/sandbox-context.mjs → JSON lines.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fromDist } from "./lib/dist.mjs";

const { createScriptHost } = await fromDist("sandbox/host.js");
const { fakeServices, pos } = await fromDist("sandbox/testkit.js");
const { loadProject } = await fromDist("project/loader.js");

const FILES = Number(process.env.BENCH_PACKAGE_FILES ?? 400);
const TURNS = Number(process.env.BENCH_TURNS ?? 30);

function generateData() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-data-"));
  mkdirSync(path.join(dir, "src"));
  const rows = [];
  for (let i = 1; i <= 60_000; i++) rows.push(`${i};Город ${i};{"name":"Город ${i}","lat":${(i % 90) + 0.5},"lon":${(i % 180) + 0.25},"population":${i * 13},"capital":"false"}`);
  writeFileSync(path.join(dir, "src/cities.csv"), rows.join("\n") + "\n");
  writeFileSync(path.join(dir, "src/helpers.js"), "var helpers = {};\nhelpers.city = function (id) { return $Cities[id].value.name; };\n");
  writeFileSync(path.join(dir, "src/main.sc"), "require: cities.csv\n    var = $Cities\nrequire: helpers.js\n\ntheme: /\n\n    state: Start\n        q!: *\n        a: hi\n");
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench-data\nentryPoint: main.sc\n");
  return dir;
}

/** The same package published as ES modules (lodash-es' shape): every file is an ES module the context compiles. */
function generateEsm() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-esm-"));
  const pkg = path.join(dir, "src/node_modules/heavy-esm");
  mkdirSync(path.join(pkg, "lib"), { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "heavy-esm", version: "1.0.0", type: "module", main: "index.js" }));
  const index = [];
  for (let i = 0; i < FILES; i++) {
    const dep = i > 0 ? `import { create as prevCreate } from "./f${i - 1}.js";\n` : "const prevCreate = () => ({ value: () => 0 });\n";
    writeFileSync(
      path.join(pkg, "lib", `f${i}.js`),
      `${dep}const TABLE = [${Array.from({ length: 20 }, (_, k) => k * i).join(", ")}];\n` +
        `export function create(config) {\n  const base = prevCreate(config);\n  return { name: "f${i}", value(x) { return base.value(x) + TABLE[x % TABLE.length]; }, describe() { return "f${i}(" + JSON.stringify(config) + ")"; } };\n}\n` +
        `export class Op { constructor(a) { this.a = a; } apply(b) { return this.a * ${i} + b; } }\n` +
        `export const meta = { id: ${i}, doc: "factory number ${i}" };\n`,
    );
    index.push(`export * as f${i} from "./lib/f${i}.js";`);
  }
  writeFileSync(path.join(pkg, "index.js"), `${index.join("\n")}\nimport { create } from "./lib/f${FILES - 1}.js";\nexport function evaluate(n) { return create({ n }).value(n); }\n`);
  writeFileSync(path.join(dir, "src/package.json"), JSON.stringify({ name: "bench", private: true, dependencies: { "heavy-esm": "1.0.0" } }));
  writeFileSync(path.join(dir, "src/app.js"), `import { evaluate } from "heavy-esm";\nexport function compute(n) { return evaluate(n); }\n`);
  writeFileSync(path.join(dir, "src/main.sc"), "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n\n    state: Start\n        q!: *\n        a: hi\n");
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench-esm\nentryPoint: main.sc\n");
  return dir;
}

function generate() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-es6-"));
  const pkg = path.join(dir, "src/node_modules/heavy");
  mkdirSync(path.join(pkg, "lib"), { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "heavy", version: "1.0.0", main: "index.js" }));
  const index = [];
  for (let i = 0; i < FILES; i++) {
    const dep = i > 0 ? `const prev = require("./f${i - 1}.js");\n` : "const prev = { create: () => ({ value: () => 0 }) };\n";
    writeFileSync(
      path.join(pkg, "lib", `f${i}.js`),
      `"use strict";\n${dep}const TABLE = [${Array.from({ length: 20 }, (_, k) => k * i).join(", ")}];\n` +
        `function create${i}(config) {\n  const base = prev.create(config);\n  return { name: "f${i}", value(x) { return base.value(x) + TABLE[x % TABLE.length]; }, describe() { return "f${i}(" + JSON.stringify(config) + ")"; } };\n}\n` +
        `class Op${i} { constructor(a) { this.a = a; } apply(b) { return this.a * ${i} + b; } }\n` +
        `module.exports = { create: create${i}, Op: Op${i}, meta: { id: ${i}, deps: ["f${i - 1}"], doc: "factory number ${i}" } };\n`,
    );
    index.push(`  f${i}: require("./lib/f${i}.js"),`);
  }
  writeFileSync(path.join(pkg, "index.js"), `"use strict";\nmodule.exports = {\n${index.join("\n")}\n  evaluate(n) { return module.exports.f${FILES - 1}.create({ n }).value(n); },\n};\n`);
  writeFileSync(path.join(dir, "src/package.json"), JSON.stringify({ name: "bench", private: true, dependencies: { heavy: "1.0.0" } }));
  writeFileSync(path.join(dir, "src/app.js"), `import heavy from "heavy";\nexport function compute(n) { return heavy.evaluate(n); }\n`);
  writeFileSync(path.join(dir, "src/main.sc"), "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n\n    state: Start\n        q!: *\n        a: hi\n");
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench-es6\nentryPoint: main.sc\n");
  return dir;
}

const median = (a) => Math.round([...a].sort((x, y) => x - y)[a.length >> 1] * 10) / 10;
const scope = (i) => ({ request: { query: "q", channelUserId: `u${i}`, data: {} }, session: { n: i }, client: {}, contextPath: "/" });

/** Turns back to back, then with idle time between them; each runs `code` (user code: the context is retired). */
async function measure(name, dir, code, es6) {
  const project = loadProject(dir);
  const turn = (host, i) => {
    host.beginTurn(scope(i));
    host.runScript(code, { es6, pos: pos(1) });
    host.endTurn();
  };
  let t0 = performance.now();
  const host = createScriptHost(project, fakeServices(), { cpuMs: 30_000, memoryMb: Number(process.env.BENCH_MEMORY_MB ?? 128) });
  const first = performance.now() - t0;
  const heap = host.iso?.isolate.getHeapStatisticsSync();
  turn(host, 0);
  const backToBack = [];
  for (let i = 1; i <= TURNS; i++) {
    t0 = performance.now();
    turn(host, i);
    backToBack.push(performance.now() - t0);
  }
  const idle = [];
  for (let i = 1; i <= TURNS; i++) {
    await new Promise((r) => setTimeout(r, 5)); // the worker's idle time: the next context is pre-built
    t0 = performance.now();
    turn(host, i);
    idle.push(performance.now() - t0);
  }
  const out = (c, v) => console.log(JSON.stringify({ bench: "sandbox-context", project: name, case: c, ...v }));
  out("new host (isolate + first context)", { ms: Math.round(first), ...(heap ? { heapMb: Math.round((heap.used_heap_size / 1048576) * 10) / 10 } : {}) });
  out("script turn, back to back (context built on the hot path)", { turns: TURNS, medianMs: median(backToBack) });
  out("script turn, idle time between turns (context pre-built)", { turns: TURNS, medianMs: median(idle) });
  host.dispose();
}

const own = process.env.SMARTAPP_BENCH_PROJECT;
if (own) {
  await measure(path.basename(own), path.resolve(own), process.env.BENCH_SCRIPT ?? "$session.x = Math.max(1);", process.env.BENCH_ES6 === "1");
} else {
  for (const [name, make, code, es6] of [
    [`es6: ${FILES} CommonJS files in one package`, generate, "$session.v = app.compute($session.n || 3);", true],
    [`es6: ${FILES} ES module files in one package`, generateEsm, "$session.v = app.compute($session.n || 3);", true],
    ["data: 60,000-row CSV, the turn reads it", generateData, "$session.c = helpers.city(String($session.n % 60000 + 1));", false],
    ["data: 60,000-row CSV, the turn does not read it", generateData, "$session.c = Math.max($session.n, 1);", false],
  ]) {
    const dir = make();
    try {
      await measure(name, dir, code, es6);
    } catch (e) {
      // A build of another version that cannot serve the project (BENCH_DIST): reported, not fatal.
      console.log(JSON.stringify({ bench: "sandbox-context", project: name, error: String(e?.message ?? e) }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
