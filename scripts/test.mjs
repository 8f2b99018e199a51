// `npm test`: unit and end-to-end tests (vitest), then the bundled demo's XML dialog tests, then one
// combined summary line `N passed, M failed, K skipped` (what CI reads).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const report = path.join(tmpdir(), `vitest-${process.pid}.json`);
const vitest = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`], { stdio: "inherit" });
let passed = 0, failed = 0, skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed += r.numPassedTests;
  // A file that failed without a failed test (it did not load, a hook threw) counts once; a file
  // whose tests failed is already counted by them.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((t) => t.status === "failed"));
  failed += r.numFailedTests + brokenFiles.length;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  rmSync(report, { force: true });
} catch {
  failed += 1; // vitest did not even write its report
}
if (vitest.status !== 0 && failed === 0) failed += 1;

const xml = spawnSync("node", ["dist/cli/index.js", "test", "."], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
process.stdout.write(xml.stdout);
const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m.exec(xml.stdout ?? "");
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  skipped += Number(m[3] ?? 0);
}
if (!m || xml.status !== 0) failed += m ? 0 : 1;

console.log(`\nall tests (vitest + demo XML):`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
