// Times loadProject + compileProjectPatterns on generated projects of 1,000 and 10,000 states.
// Run after `npm run build`: node bench/project-load.mjs  → one JSON line per size (median of 5 runs).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fromDist } from "./lib/dist.mjs";

const { loadProject } = await fromDist("project/loader.js");
const { compileProjectPatterns } = await fromDist("patterns/index.js");

const WORDS = ["привет", "погода", "заказ", "купить", "оплата", "доставка", "корзина", "товар", "помощь", "отмена", "статус", "скидка"];
const word = (i) => WORDS[i % WORDS.length];

/** Every topic state has one child, so `states` counts both. */
function generate(states) {
  const pairs = Math.floor(states / 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sc-bench-${states}-`));
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench\nentryPoint: main.sc\n");
  const perFile = 500;
  const files = Math.ceil(pairs / perFile);
  const main = ["require: topics/*.sc", "patterns:", "    $Num = $regexp<\\d+>", "    $Greet = (привет|здравствуй*|добрый ~день)", "theme: /"];
  main.push("    state: Start", "        q!: * $Greet *", "        a: Hello");
  fs.writeFileSync(path.join(dir, "src/main.sc"), main.join("\n") + "\n");
  fs.mkdirSync(path.join(dir, "src/topics"));
  let n = 1;
  for (let f = 0; f < files; f++) {
    const lines = [`theme: /T${f}`];
    for (let k = 0; k < perFile && n < pairs; k++, n++) {
      const w1 = word(n), w2 = word(n * 7 + 3);
      lines.push(`    state: S${n}`);
      if (n % 50 === 0) lines.push(`        q!: * $regexp<${w1}\\d+> *`);
      else if (n % 10 === 0) lines.push(`        q!: * $Greet * ${w1}${n} * [$Num]`);
      else lines.push(`        q!: * (${w1}${n}|${w2}${n}) * ${w1.slice(0, 4)}* [очень] *`);
      lines.push(`        a: Ответ ${n} {{$session.x}}`, `        go: /T${f}/S${n}/Next`);
      lines.push(`        state: Next`, `            q: * да *`, `            a: ok`);
    }
    fs.writeFileSync(path.join(dir, `src/topics/t${f}.sc`), lines.join("\n") + "\n");
  }
  return dir;
}

for (const size of [1000, 10000]) {
  const dir = generate(size);
  const times = [];
  let project;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    project = loadProject(dir);
    compileProjectPatterns(project);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: "project-load", states: size, loadedStates: project.states.size, triggers: project.triggers.length, medianMs: Math.round(times[2] * 10) / 10 }));
  fs.rmSync(dir, { recursive: true, force: true });
}
