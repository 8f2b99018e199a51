// Turn latency vs project size: generated projects of 10, 1,000 and 10,000 states whose every topic
// state has a global `q!` pattern, loaded with dist's loadProject + createEngine and a plain
// HostServices, then engine.process timed in-process on requests that hit different states.
// Prints one JSON line per size ({bench, states, medianUsPerTurn, …}) and one with the 10,000 / 10 ratio.
// Env: BENCH_TURN_ROUNDS (default 40 rounds of BENCH_TURN_BATCH=50 turns per size), BENCH_DIST.
// Run after `npm run build`: node bench/turn-scaling.mjs
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { services } from "./lib/services.mjs";
import { fromDist } from "./lib/dist.mjs";

const { loadProject } = await fromDist("project/loader.js");
const { createEngine } = await fromDist("engine/index.js");
const { emptyUserState } = await fromDist("engine/types.js");

const SIZES = [10, 1_000, 10_000];
const ROUNDS = Number(process.env.BENCH_TURN_ROUNDS ?? 40);
const BATCH = Number(process.env.BENCH_TURN_BATCH ?? 50);

/** A keyword per topic made of letters only (one token for the tokenizer): kwaaa, kwaab, … */
const word = (i) => "kw" + [676, 26, 1].map((d) => String.fromCharCode(97 + (Math.floor(i / d) % 26))).join("");

/** `states` states: pairs of a topic state with a global pattern and a child reached by a local `q:`. */
function generate(states) {
  const pairs = Math.floor(states / 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sc-turns-${states}-`));
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench\nentryPoint: main.sc\nlanguage: ru\n");
  const lines = ["patterns:", "    $Num = $regexp<\\d+>", "theme: /"];
  for (let n = 0; n < pairs; n++) {
    lines.push(`    state: S${n}`);
    // the shapes real projects use: a word with options, alternatives, a named pattern
    if (n % 3 === 0) lines.push(`        q!: * ${word(n)} [пожалуйста] *`);
    else if (n % 3 === 1) lines.push(`        q!: * (${word(n)}|хочу ${word(n)}) *`);
    else lines.push(`        q!: * ${word(n)} * [$Num] *`);
    lines.push(`        a: Ответ ${n}`);
    lines.push("        state: Next", "            q: * да *", "            a: ok");
  }
  lines.push("    state: NoMatch", "        event!: noMatch", "        a: Не понял");
  fs.writeFileSync(path.join(dir, "src/main.sc"), lines.join("\n") + "\n");
  return { dir, pairs };
}


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const setups = SIZES.map((states) => {
  const { dir, pairs } = generate(states);
  try {
    const project = loadProject(dir);
    const engine = createEngine(project, services);
    return { states, pairs, loadedStates: project.states.size, engine, samples: [], seq: 0 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** One turn on a state spread over the whole project; every 4th turn misses (noMatch). */
function turn(s) {
  const n = s.seq++;
  const target = (n * 7919) % s.pairs;
  const query = n % 4 === 3 ? `просто поболтать ${n}` : `ну ${word(target)} пожалуйста`;
  const result = s.engine.process({ query, channelType: "smartapp", questionId: String(n) }, emptyUserState());
  if (n % 4 !== 3 && result.replies[0]?.text !== `Ответ ${target}`) {
    throw new Error(`${s.states} states: "${query}" answered ${JSON.stringify(result.replies[0]?.text)}, expected "Ответ ${target}"`);
  }
}

for (const s of setups) for (let i = 0; i < 200; i++) turn(s); // warm-up (JIT, the word index)
// Sizes are measured round-robin so background load on a shared machine hits every size alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const s of setups) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) turn(s);
    s.samples.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH);
  }
}
for (const s of setups) {
  console.log(JSON.stringify({ bench: "turn-scaling", states: s.states, loadedStates: s.loadedStates, turns: ROUNDS * BATCH, medianUsPerTurn: Number(median(s.samples).toFixed(1)) }));
}
const ratio = median(setups[2].samples) / median(setups[0].samples);
console.log(JSON.stringify({ bench: "turn-scaling", ratio10000to10: Number(ratio.toFixed(2)), ok: ratio <= 1.5 }));
