// How a test run is shown (`smartapp test --reporter <name>`). The runner builds one TestRun
// object; a reporter renders it. Failure fields a reporter does not know are passed through to JSON
// as they are, so what the engine adds to a failing step's report reaches every machine reader.
import type { CaseResult, FileResult } from "./model.js";
import type { CoverageReport } from "./coverage.js";
import { formatCoverage } from "./coverage.js";
import { failureDiffs, formatReport, junitXml, paint, type Counts } from "./report.js";

/** The names `smartapp test --reporter` accepts. */
export const REPORTERS = ["default", "dot", "json", "junit"] as const;
/** One of REPORTERS. */
export type ReporterName = (typeof REPORTERS)[number];

/** Everything a reporter renders: the results, counts, time and coverage of one run, or why it did not run. */
export interface TestRun {
  projectDir: string;
  files: FileResult[];
  counts: Counts;
  durationMs: number;
  coverage?: CoverageReport;
  error?: string; // the project did not load, or there was nothing to run
}

/** Renders a test run: per case while it runs (optional), then the whole report or the failure. */
export interface Reporter {
  /** A case finished (completion order). */
  onCase?(r: CaseResult): void;
  /** The whole report, written once at the end. */
  finish(run: TestRun): string;
  /** The run stopped before any case (load error, nothing selected). */
  fail(run: TestRun): string;
}

/** What every reporter is given: colour, the stream to write progress to, the rerun hint. */
export interface ReporterOptions {
  color: boolean;
  out: NodeJS.WritableStream; // for reporters that write while cases run
  rerun?: string; // the command prefix a failed case can be rerun with: `smartapp test my-bot`
}

/** The reporter `smartapp test --reporter <name>` names. */
export function createReporter(name: ReporterName, o: ReporterOptions): Reporter {
  switch (name) {
    case "json":
      return { finish: (run) => JSON.stringify(jsonReport(run), null, 2) + "\n", fail: (run) => JSON.stringify(jsonReport(run), null, 2) + "\n" };
    case "junit":
      return { finish: (run) => junitXml(run.files, run.durationMs), fail: (run) => `error: ${run.error}\n` };
    case "dot":
      return dotReporter(o);
    default:
      return {
        finish: (run) => formatReport(run.files, run.counts, o.color) + rerunHint(run, o) + (run.coverage ? "\n" + formatCoverage(run.coverage, paint(o.color)) : ""),
        fail: (run) => `error: ${run.error}\n`,
      };
  }
}

/** One character per case while the run goes (`.` passed, `F` failed, `s` skipped), then the failures. */
function dotReporter(o: ReporterOptions): Reporter {
  const p = paint(o.color);
  let column = 0;
  return {
    onCase(r) {
      o.out.write(r.status === "passed" ? p.green(".") : r.status === "failed" ? p.red("F") : p.yellow("s"));
      if (++column % 80 === 0) o.out.write("\n");
    },
    finish(run) {
      const text = formatReport(run.files, run.counts, o.color) + rerunHint(run, o) + (run.coverage ? "\n" + formatCoverage(run.coverage, p) : "");
      return (column % 80 === 0 ? "" : "\n") + text;
    },
    fail: (run) => `error: ${run.error}\n`,
  };
}

function rerunHint(run: TestRun, o: ReporterOptions): string {
  const failed = run.files.flatMap((f) => f.cases.filter((c) => c.status === "failed"));
  if (failed.length === 0 || o.rerun === undefined) return "";
  const first = failed[0]!;
  return paint(o.color).dim(`rerun ${failed.length === 1 ? "it" : "one"}: ${o.rerun} ${first.file}:${first.line}`) + "\n";
}

/** `smartapp test --json` (docs/testing.md): the counts, every case with its place, and the coverage. */
export function jsonReport(run: TestRun): Record<string, unknown> {
  return {
    ok: run.error === undefined && run.counts.failed === 0,
    projectDir: run.projectDir,
    ...(run.error !== undefined ? { error: run.error } : {}),
    counts: run.counts,
    durationMs: Math.round(run.durationMs),
    files: run.files.map((f) => ({ file: f.file, cases: f.cases.length, ...(f.error ? { error: { ...f.error, location: `${f.file}:${f.error.line}:${f.error.col}` } } : {}), warnings: f.warnings })),
    cases: run.files.flatMap((f) => f.cases.map(jsonCase)),
    ...(run.coverage ? { coverage: run.coverage } : {}),
  };
}

function jsonCase(c: CaseResult): Record<string, unknown> {
  const { coverage: _walk, failure, durationMs, ...rest } = c;
  const out: Record<string, unknown> = { ...rest, location: `${c.file}:${c.line}`, durationMs: Math.round(durationMs * 1000) / 1000 };
  if (failure) {
    const diff = failureDiffs(failure.expected, failure.actual);
    out.failure = { location: `${failure.file}:${failure.line}`, ...failure, ...(Object.keys(diff).length ? { diff } : {}) };
  }
  return out;
}
