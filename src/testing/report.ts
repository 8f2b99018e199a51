// Human-readable and JUnit reports of a test run (spec dsl.md §7.4).
import type { Reply } from "../engine/types.js";
import { explainMismatch } from "../engine/explain-text.js";
import type { CaseResult, FileResult, Problem } from "./model.js";
import { COLOR_DIFF, diffText, PLAIN_DIFF, renderDiff, type DiffPart } from "./diff.js";

/** Cases passed, failed and skipped in a run. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Terminal colours for the report, or identity functions when colour is off. */
export interface Paint {
  color: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const plain = (s: string) => s;
/** The Paint for a terminal with or without colour. */
export const paint = (color: boolean): Paint =>
  color ? { color, red: sgr("31"), green: sgr("32"), yellow: sgr("33"), dim: sgr("2"), bold: sgr("1") } : { color, red: plain, green: plain, yellow: plain, dim: plain, bold: plain };

function clip(s: string, max = 160): string {
  return s.length > max ? s.slice(0, max - 3) + "..." : s;
}

/** One reply on one line: `text "Hello" (/Start)`, `buttons ["A","B"] (/Menu)`. */
export function formatReply(r: Reply): string {
  const { type, state, ...rest } = r;
  let body: string;
  if (type === "text") body = JSON.stringify(String(rest.text ?? "").replace(/\s+/g, " ").trim());
  else if ((type === "buttons" || type === "inlineButtons") && Array.isArray(rest.buttons)) body = JSON.stringify(rest.buttons.map((b: { text?: unknown }) => b?.text));
  else body = JSON.stringify(rest);
  return `${type} ${clip(body)}${state ? ` (${state})` : ""}`;
}

function formatValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v === undefined ? "(missing)" : clip(JSON.stringify(v) ?? String(v), 200)}`)
    .join(" ");
}

const DIFF_MAX = 2000; // longer values are shown whole above; a diff of them would not read

/**
 * Word diffs of the values a failure expected and got, by key: only where both sides have a value
 * and they differ. Strings are compared as they are; other values as JSON.
 */
export function failureDiffs(expected: Record<string, unknown> | undefined, actual: Record<string, unknown> | undefined): Record<string, DiffPart[]> {
  const out: Record<string, DiffPart[]> = {};
  if (!expected || !actual) return out;
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    if (want === undefined || got === undefined || got === null) continue;
    const a = typeof want === "string" ? want : JSON.stringify(want);
    const b = typeof got === "string" ? got : JSON.stringify(got);
    if (a === undefined || b === undefined || a === b || a.length > DIFF_MAX || b.length > DIFF_MAX) continue;
    // a partial match (<responseData>) expects less than it got: a diff of the whole would mislead
    if (typeof want === "object" && want !== null) continue;
    out[key] = diffText(a, b);
  }
  return out;
}

/** The report block of a failed case: where, which step, expected vs actual, the step's replies. */
export function formatFailure(r: CaseResult, p: Paint = paint(false)): string {
  const f = r.failure;
  const lines = [`${p.red(p.bold("FAIL"))} ${r.file}:${r.line} › ${r.id}`];
  if (!f) return lines.join("\n");
  lines.push(`  ${p.bold(`${f.file}:${f.line}`)}: ${f.message}`);
  if (f.step) lines.push(`  step ${f.step.index}: ${f.step.element} ${p.dim(`(line ${f.step.line})`)}`);
  if (f.expected) lines.push(`  ${p.green("expected:")} ${formatValues(f.expected)}`);
  if (f.actual) lines.push(`  ${p.red("actual:  ")} ${formatValues(f.actual)}`);
  for (const [key, parts] of Object.entries(failureDiffs(f.expected, f.actual))) {
    lines.push(`  ${p.bold("diff:    ")} ${key}: ${renderDiff(parts, p.color ? COLOR_DIFF : PLAIN_DIFF)}`);
  }
  if (f.replies) {
    lines.push(f.replies.length ? "  replies:" : "  replies: (none)");
    f.replies.forEach((reply, i) => lines.push(`    ${p.dim(`[${i}]`)} ${formatReply(reply)}`));
  }
  for (const log of f.logs ?? []) lines.push(`  ${p.dim(log)}`);
  if (f.explanation) for (const line of explainMismatch(f.explanation, typeof f.expected?.state === "string" ? f.expected.state : undefined)) lines.push(`  ${line}`);
  return lines.join("\n");
}

/** A test-file problem as `file:line:col: message`. */
export function formatProblem(file: string, pr: Problem): string {
  return `${file}:${pr.line}:${pr.col}: ${pr.message}`;
}

/** The counts line that ends every report. */
export function summaryLine(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}

/** The whole console report; ends with the summary line on its own. */
export function formatReport(files: FileResult[], counts: Counts, color: boolean): string {
  const p = paint(color);
  const out: string[] = [];
  for (const f of files) for (const w of f.warnings) out.push(`${p.yellow("warning:")} ${formatProblem(f.file, w)}`);
  for (const f of files) {
    if (f.error) out.push(`${p.red(p.bold("FAIL"))} ${formatProblem(f.file, f.error)}`);
    for (const c of f.cases) {
      if (c.status === "failed") out.push(formatFailure(c, p));
      else if (c.status === "skipped") out.push(`${p.yellow("skip")} ${c.file}:${c.line} › ${c.id}${c.reason ? p.dim(` (${c.reason})`) : ""}`);
    }
  }
  const unmocked = unmockedNote(files);
  if (unmocked) out.push(`${p.yellow("note:")} ${unmocked}`);
  const summary = summaryLine(counts);
  out.push(counts.failed > 0 ? p.red(summary) : p.green(summary));
  return out.join("\n") + "\n";
}

/**
 * Cases whose HTTP calls had no `<mockData>` got failed requests, as on the platform, and may have
 * passed along the bot's error path: said once, so the author can add mocks (docs/testing.md).
 */
export function unmockedNote(files: FileResult[]): string | undefined {
  const urls = new Set<string>();
  let cases = 0;
  for (const f of files)
    for (const c of f.cases)
      if (c.unmockedUrls?.length) {
        cases++;
        for (const u of c.unmockedUrls) urls.add(u);
      }
  if (cases === 0) return undefined;
  const shown = [...urls].slice(0, 3).join(", ") + (urls.size > 3 ? `, and ${urls.size - 3} more` : "");
  return `${cases} case${cases === 1 ? "" : "s"} called HTTP without a <mockData> (${shown}); each call was answered as a failed request, as the platform does (--unmocked-fail fails such a step)`;
}

const xmlEscape = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");

const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** JUnit XML: one <testsuite> per file, one <testcase> per case; a malformed file is one failed case. */
export function junitXml(files: FileResult[], durationMs: number): string {
  const total = { tests: 0, failures: 0, skipped: 0 };
  const suites: string[] = [];
  for (const f of files) {
    const cases: string[] = [];
    let failures = 0;
    let skipped = 0;
    let time = 0;
    if (f.error) {
      failures++;
      cases.push(`    <testcase name="(file)" classname="${xmlEscape(f.file)}" file="${xmlEscape(f.file)}" line="${f.error.line}" time="0.000">\n      <failure message="${xmlEscape(f.error.message)}" type="ParseError">${xmlEscape(formatProblem(f.file, f.error))}</failure>\n    </testcase>`);
    }
    for (const c of f.cases) {
      time += c.durationMs;
      const open = `    <testcase name="${xmlEscape(c.id)}" classname="${xmlEscape(f.file)}" file="${xmlEscape(c.file)}" line="${c.line}" time="${secs(c.durationMs)}"`;
      if (c.status === "passed") cases.push(`${open}/>`);
      else if (c.status === "skipped") {
        skipped++;
        cases.push(`${open}>\n      <skipped message="${xmlEscape(c.reason ?? "")}"/>\n    </testcase>`);
      } else {
        failures++;
        const msg = c.failure ? `${c.failure.file}:${c.failure.line}: ${c.failure.message}` : "failed";
        cases.push(`${open}>\n      <failure message="${xmlEscape(msg)}" type="AssertionError">${xmlEscape(formatFailure(c))}</failure>\n    </testcase>`);
      }
    }
    const tests = cases.length;
    total.tests += tests;
    total.failures += failures;
    total.skipped += skipped;
    suites.push(`  <testsuite name="${xmlEscape(f.file)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(time)}">\n${cases.join("\n")}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="smartapp test" tests="${total.tests}" failures="${total.failures}" errors="0" skipped="${total.skipped}" time="${secs(durationMs)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
