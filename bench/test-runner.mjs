// Benchmark of `smartapp test`: a generated 500-state project with a 3,000-case suite, run through
// runTests from dist/ (build first: npm run build). Prints {cases, ms, casesPerSecond}.
// KEEP=1 keeps the generated project (its folder is printed on stderr).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL, fileURLToPath } from "node:url";

const STATES = 500;
const CASES = 3000;
const FILES = 12;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// SMARTAPP_DIST: another build folder (default dist/).
const dist = process.env.SMARTAPP_DIST ? path.resolve(process.env.SMARTAPP_DIST) : path.join(root, "dist");
const { runTests } = await import(pathToFileURL(path.join(dist, "testing/runner.js")).href);

/** A keyword per state made of letters only, so the pattern tokenizer sees one word: kwaa, kwab, … */
const word = (i) => "kw" + String.fromCharCode(97 + Math.floor(i / 26) % 26) + String.fromCharCode(97 + (i % 26));

function scenario() {
  const out = ["theme: /", ""];
  for (let i = 0; i < STATES; i++) {
    out.push(`    state: S${i}`, `        q!: * ${word(i)} *`);
    if (i % 10 === 3) {
      out.push(`        a: going ${i}`, `        go!: /S${i}/Target`, `        state: Target`, `            a: arrived ${i}`);
    } else if (i % 10 === 7) {
      out.push("        script:", "            $session.count = ($session.count || 0) + 1;", `            $session.last = ${i};`, `        a: count {{ $session.count }} at {{ $session.last }}`);
    } else {
      out.push(`        a: answer ${i}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** The replies state i gives on its first visit in a case. */
function expected(i) {
  if (i % 10 === 3) return [`going ${i}`, `arrived ${i}`];
  if (i % 10 === 7) return [`count 1 at ${i}`];
  return [`answer ${i}`];
}

function suite(file) {
  const cases = [];
  for (let c = file; c < CASES; c += FILES) {
    const a = (c * 7) % STATES;
    const b = (c * 13 + 1) % STATES;
    const steps = [a, b === a ? (b + 1) % STATES : b].map((s, n) => {
      // Script states share $session.count: the second one in a case says 2.
      const replies = n === 1 && s % 10 === 7 && a % 10 === 7 ? [`count 2 at ${s}`] : expected(s);
      return `        <q>please ${word(s)} now</q>\n` + replies.map((t) => `        <a>${t}</a>`).join("\n");
    });
    cases.push(`    <test-case id="case ${c}">\n${steps.join("\n")}\n    </test-case>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<test>\n${cases.join("\n")}\n</test>\n`;
}

const dir = mkdtempSync(path.join(tmpdir(), "smartapp-test-bench-"));
try {
  mkdirSync(path.join(dir, "src"));
  mkdirSync(path.join(dir, "test"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench\nentryPoint: main.sc\nlanguage: en\n");
  writeFileSync(path.join(dir, "src/main.sc"), scenario());
  for (let f = 0; f < FILES; f++) writeFileSync(path.join(dir, `test/suite-${String(f).padStart(2, "0")}.xml`), suite(f));

  let report = "";
  const out = new Writable({ write(chunk, _e, cb) { report += String(chunk); cb(); } });
  const started = performance.now();
  const res = await runTests(dir, { out, color: false, progress: false });
  const ms = performance.now() - started;
  const cases = res.passed + res.failed + res.skipped;
  if (res.failed > 0 || cases !== CASES) {
    process.stderr.write(report.split("\n").slice(0, 40).join("\n") + "\n");
    process.stderr.write(`expected ${CASES} passing cases, got ${res.passed} passed, ${res.failed} failed\n`);
    process.exitCode = 1;
  }
  console.log(JSON.stringify({ cases, ms: Math.round(ms), casesPerSecond: Math.round((cases / ms) * 1000) }));
} finally {
  if (process.env.KEEP) console.error(dir); else rmSync(dir, { recursive: true, force: true });
}
