// Counts the XML cases that need intent classification and how many pass offline
// (docs/nlu.md, "Measuring intent cases"). For each project folder given: `smartapp test --all
// --unmocked-ok --json`; a case needs intent classification when the runner reports `intent` (a turn
// an intent trigger decided, or a failed step that expected an intent state), and needs a live
// service when it is an integration case (the platform runs those against the real services; other
// cases' calls without a mock are failed requests there too, docs/testing.md "HTTP mocks").
// Usage: npm run build && node scripts/nlu-cases.mjs [--modules DIR] [--failures FILE] PROJECT_DIR...
// --failures FILE: also write the failed intent cases that need no live service, one JSON line each.
// --report FILE (once per PROJECT_DIR, in order): tally a saved `--json` run instead of running again.
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/cli/index.js");
const args = process.argv.slice(2);
const modules = [];
const dirs = [];
let failures;
const reports = []; // saved `smartapp test --all --unmocked-ok --json` outputs, one per PROJECT_DIR in order
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--modules") modules.push("--modules", args[++i]);
  else if (args[i] === "--failures") failures = args[++i];
  else if (args[i] === "--report") reports.push(args[++i]);
  else dirs.push(args[i]);
}
if (failures) writeFileSync(failures, "");
if (dirs.length === 0) {
  console.error("usage: node scripts/nlu-cases.mjs [--modules DIR] PROJECT_DIR...");
  process.exit(2);
}

const integrationIds = (dir, file) => {
  // integration cases, by file and line, read from the XML as the runner reads it: `<test integration="true">`
  // makes every case one unless a case says integration="false" (the runner reports them as run)
  const lines = new Set();
  const text = readFileSync(path.join(dir, file), "utf8");
  const fileLevel = /<test(?=[\s>])[^>]*\bintegration\s*=\s*"true"/.test(text);
  let line = 1;
  for (const m of text.matchAll(/<test-case\b[^>]*>|\n/g)) {
    if (m[0] === "\n") line++;
    else {
      const own = /\bintegration\s*=\s*"(\w+)"/.exec(m[0])?.[1];
      if (own === undefined ? fileLevel : own === "true") lines.add(line);
    }
  }
  return lines;
};

const rows = [];
const liveBy = new Map(); // intent cases that need a live service, by the service
const total = { cases: 0, intent: 0, passed: 0, offline: 0, offlinePassed: 0, live: 0, otherCases: 0, otherPassed: 0 };
for (const [index, dir] of dirs.entries()) {
  const r = reports[index] ? { stdout: readFileSync(reports[index], "utf8"), stderr: "" } : spawnSync(process.execPath, ["--no-node-snapshot", cli, "test", dir, "--all", "--unmocked-ok", "--json", ...modules], { encoding: "utf8", maxBuffer: 1 << 30 });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    rows.push({ project: path.basename(dir), error: (r.stderr || r.stdout).split("\n").find((l) => l.trim()) ?? "no report" });
    continue;
  }
  const integration = new Map();
  const row = { project: path.basename(dir), cases: 0, intent: 0, passed: 0, offline: 0, offlinePassed: 0, live: 0, otherCases: 0, otherPassed: 0 };
  for (const c of report.cases) {
    if (!integration.has(c.file)) integration.set(c.file, integrationIds(dir, c.file));
    row.cases++;
    // A case needs a live service when it is an integration case: the platform runs those against
    // the real services. Other cases' calls without a mock are failed requests on the platform too
    // (docs/testing.md, "HTTP mocks"), so they are decided offline.
    const live = integration.get(c.file).has(c.line);
    if (!c.intent) {
      if (!live) {
        row.otherCases++;
        if (c.status === "passed") row.otherPassed++;
      }
      continue;
    }
    row.intent++;
    if (c.status === "passed") row.passed++;
    if (live) {
      row.live++;
      // which service: the host of the first call no mock answered, else every call was mocked
      const first = c.unmockedUrls?.[0];
      const why = first ? new URL(first.split(" ").pop()).host : "every call mocked";
      liveBy.set(why, (liveBy.get(why) ?? 0) + 1);
    }
    else {
      row.offline++;
      if (c.status === "passed") row.offlinePassed++;
      else if (failures) appendFileSync(failures, JSON.stringify({ project: row.project, location: c.location, id: c.id, intent: c.intent, failure: c.failure?.message, step: c.failure?.step?.element, explanation: c.failure?.explanation?.decided ?? c.failure?.explanation?.winner }) + "\n");
    }
  }
  rows.push(row);
  for (const k of Object.keys(total)) total[k] += row[k];
}

const pct = (a, b) => (b === 0 ? "–" : `${((100 * a) / b).toFixed(1)} %`);
// "pass, all intent cases" counts every passing intent case, also an integration case whose calls
// without a mock (answered as failed requests under --unmocked-ok) did not change its outcome.
console.log("| project | cases | intent cases | need a live service | decidable offline | pass offline | pass offline / all intent cases | pass, all intent cases |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  if (r.error) console.log(`| ${r.project} | error: ${r.error} ||||||`);
  else if (r.intent > 0) console.log(`| ${r.project} | ${r.cases} | ${r.intent} | ${r.live} | ${r.offline} | ${r.offlinePassed} (${pct(r.offlinePassed, r.offline)}) | ${pct(r.offlinePassed, r.intent)} | ${r.passed} (${pct(r.passed, r.intent)}) |`);
}
console.log(`| **all** | ${total.cases} | ${total.intent} | ${total.live} | ${total.offline} | ${total.offlinePassed} (${pct(total.offlinePassed, total.offline)}) | ${pct(total.offlinePassed, total.intent)} | ${total.passed} (${pct(total.passed, total.intent)}) |`);
console.log(`\nother cases (no intent, no live service): ${total.otherPassed}/${total.otherCases} pass`);
if (liveBy.size > 0) {
  console.log("\nintegration intent cases (they need a live service), by the first host no mock answered:");
  for (const [host, n] of [...liveBy].sort((a, b) => b[1] - a[1])) console.log(`  ${n}  ${host}`);
}
