// `smartapp test [dir]`: load the project, parse its XML tests, run the cases (in parallel on worker
// threads for larger suites), print the report, optionally write JUnit XML.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { createTestEngine, describeLoadError, loadTestProject } from "./engine-host.js";
import { declaredVariables, scriptEnvironment } from "../runtime/script-env.js";
import type { CaseResult, FileResult, Problem, TestFile } from "./model.js";
import { TestWorkerPool } from "./pool.js";
import { loadIntentClassifier } from "../nlu/index.js";
import { junitXml } from "./report.js";
import { computeCoverage, type CoverageReport } from "./coverage.js";
import { createReporter, type ReporterName, type TestRun } from "./reporters.js";
import { casesAt, relativeToProject, type CaseLocation } from "./select.js";
import { selectTests } from "../project/loader.js";
import { assertScriptsCompile } from "../project/script-syntax.js";
import { runCase } from "./run-case.js";
import type { Task } from "./worker.js";
import { parseTestFile } from "./xml.js";

/** Options of a test run (`smartapp test`): which cases, how strict, where they run and how the run is shown. */
export interface RunTestsOptions {
  all?: boolean; // every test/**/*.xml, whatever tests.include / tests.exclude select
  grep?: string; // regular expression (or plain text if it is not one) matched against case id and file path
  integration?: boolean;
  lenient?: boolean;
  unmockedOk?: boolean; // integration cases run offline also go on past an HTTP call without a mock
  unmockedFail?: boolean; // any HTTP call without a mock fails the step (the platform answers it as a failed request)
  junit?: string; // path of the JUnit XML report
  reporter?: ReporterName; // how the run is shown on `out` (default: "default")
  only?: CaseLocation[]; // run only these files / the cases at these lines (`test/a.xml:12`); files relative to the project or the current folder
  strict?: boolean; // a script error fails the case even when its checks passed
  channel?: string; // $request.channelType of steps whose <request> names none (src/channels/emulated.ts); default smartapp
  coverage?: boolean | string; // collect state and transition coverage; a string: also write it there as JSON
  rerun?: string; // the command a failed case is rerun with, for the hint under the report (`smartapp test my-bot`)
  workers?: number; // worker threads; 0 = run in this thread; default: all cores (in-thread for small suites)
  modules?: string[];
  allowHttp?: string[]; // `--allow-http` patterns for integration cases' real $http
  envDeclared?: string[]; // `--env` entries, beside chatbot.yaml injector.variables
  environment?: Readonly<Record<string, string>>; // where declared variables take their values (the CLI's config)
  secrets?: Readonly<Record<string, string>>; // never given to $env (the CLI's config)
  paymentEnv?: Record<string, string>; // SMARTPAY_URL, SMARTSTORE_URL, SMARTPAY_TOKEN, SMARTPAY_TIMEOUT_MS for $payment (the CLI's config)
  color?: boolean; // default: out is a TTY
  progress?: boolean; // default: stderr is a TTY
  out?: NodeJS.WritableStream; // default: process.stdout
}

/** The outcome of a test run: counts, per-file results, coverage, or why nothing ran. */
export interface RunTestsResult {
  passed: number;
  failed: number;
  skipped: number;
  files: FileResult[];
  durationMs: number;
  coverage?: CoverageReport;
  error?: string; // the project failed to load, or nothing was selected
}

// Below this many cases per core a worker's start-up (its own project load) costs more than it saves.
const CASES_PER_WORKER = 150;

function matcher(grep: string | undefined): (s: string) => boolean {
  if (!grep) return () => true;
  try {
    const re = new RegExp(grep);
    return (s) => re.test(s);
  } catch {
    return (s) => s.includes(grep);
  }
}

/** Progress on stderr for long runs, TTY only: `[########------------]  120/3000 tests  4%`. */
export function progressMeter(enabled: boolean, estimate: number, err: NodeJS.WritableStream = process.stderr): { tick(): void; setTotal(n: number): void; done(): void } {
  if (!enabled || estimate < 50) return { tick() {}, setTotal() {}, done() {} };
  let n = 0;
  let last = 0;
  let total = estimate; // a first guess until every file is parsed
  const WIDTH = 24;
  return {
    setTotal(t) {
      total = t;
    },
    tick() {
      n++;
      const now = Date.now();
      if (now - last < 100 && n < total) return;
      last = now;
      const part = total > 0 ? Math.min(1, n / total) : 1;
      const filled = Math.round(part * WIDTH);
      err.write(`\r  [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${n}/${total} tests ${Math.floor(part * 100)}%`);
    },
    done() {
      if (last > 0) err.write("\r\x1b[K");
    },
  };
}

/**
 * `smartapp test`: selects the project's XML cases, runs them (on worker threads when there are many),
 * writes the report to `out` and returns the results; a project that does not load, or nothing to run, is `error`.
 */
export async function runTests(dir: string, opts: RunTestsOptions = {}): Promise<RunTestsResult> {
  const started = performance.now();
  const out = opts.out ?? process.stdout;
  const color = opts.color ?? Boolean((out as { isTTY?: boolean }).isTTY);
  const absDir = path.resolve(dir);
  const modules = opts.modules ?? [];
  const reporter = createReporter(opts.reporter ?? "default", { color, out, ...(opts.rerun !== undefined ? { rerun: opts.rerun } : {}) });
  const stop = (error: string): RunTestsResult => {
    const run: TestRun = { projectDir: absDir, files: [], counts: { passed: 0, failed: 1, skipped: 0 }, durationMs: performance.now() - started, error };
    out.write(reporter.fail(run));
    return { ...run.counts, files: [], durationMs: run.durationMs, error };
  };

  let project;
  try {
    project = await loadTestProject(absDir, modules);
    assertScriptsCompile(project);
    // Train the intent classifier once here, so the workers all read it from the disk cache.
    loadIntentClassifier(absDir);
    if (opts.all) project = { ...project, testFiles: selectTests(project.dir, project.config, { all: true }) };
  } catch (e) {
    return stop(`cannot load the project in ${absDir}:\n${describeLoadError(e)}`);
  }

  // `test/a.xml:12` arguments: only those files, and in them only the cases at those lines. A file
  // named on the command line runs even when tests.include / exclude leave it out: it was asked for.
  const only = opts.only?.map((l) => ({ ...l, file: relativeToProject(absDir, l.file) }));
  let testFiles = only?.length ? selectTests(project.dir, project.config, { all: true }) : project.testFiles;

  // Nothing to run is an error, never "0 passed, 0 failed": a wrong include glob or --grep must not pass CI.
  if (testFiles.length === 0) {
    const tests = project.config.tests;
    const globs = [
      tests?.include?.length ? `tests.include ${JSON.stringify(tests.include)}` : "",
      tests?.exclude?.length ? `tests.exclude ${JSON.stringify(tests.exclude)}` : "",
    ].filter(Boolean);
    // Files the globs left out are named, so "no files" is not mistaken for an empty test/ folder.
    const leftOut = only?.length ? [] : selectTests(project.dir, project.config, { all: true });
    if (leftOut.length > 0) {
      const names = leftOut.map((f) => f.split(path.sep).join("/"));
      return stop(
        `no XML test files selected by ${globs.join(" and ")} in ${absDir}; left out: ${names.join(", ")} (run them with --all, or name one: smartapp test ${dir} ${names[0]})`,
      );
    }
    const matched = globs.length && !only?.length ? ` matched by ${globs.join(" and ")}` : "";
    return stop(`no XML test files under test/${matched} in ${absDir}`);
  }

  if (only?.length) {
    const known = new Set(testFiles.map((f) => f.split(path.sep).join("/")));
    const missing = only.filter((l) => !known.has(l.file)).map((l) => l.file);
    if (missing.length > 0) return stop(`${[...new Set(missing)].join(", ")}: not among the project's test files (${[...known].join(", ")})`);
    testFiles = testFiles.filter((f) => only.some((l) => l.file === f.split(path.sep).join("/")));
  }

  // Read every selected file first: the rough case count decides between threads and workers.
  const sources: { file: string; source?: string; error?: string }[] = testFiles.map((rel) => {
    const file = rel.split(path.sep).join("/");
    try {
      return { file, source: readFileSync(path.join(project.dir, rel), "utf8") };
    } catch (e) {
      return { file, error: `cannot read: ${(e as Error).message}` };
    }
  });
  const estimate = sources.reduce((n, s) => n + (s.source?.match(/<test-case[\s>/]/g)?.length ?? 0), 0);
  const caseOpts = { lenient: Boolean(opts.lenient), unmockedOk: Boolean(opts.unmockedOk), unmockedFail: Boolean(opts.unmockedFail), integration: Boolean(opts.integration), strict: Boolean(opts.strict), coverage: Boolean(opts.coverage), ...(opts.channel ? { channel: opts.channel } : {}) };
  const declared = [...declaredVariables(project.config.injector), ...(opts.envDeclared ?? [])];
  const env = scriptEnvironment(declared, opts.environment ?? {}, opts.secrets).values;
  // Real HTTP must be synchronous for the script, which only a worker (blocking on the bridge) can do.
  const needRealHttp = caseOpts.integration && sources.some((s) => s.source?.includes("integration"));
  const wanted = Math.min(availableParallelism(), Math.ceil(estimate / CASES_PER_WORKER));
  const workers = estimate === 0 ? 0 : (opts.workers ?? (needRealHttp ? Math.max(1, wanted) : wanted >= 2 ? wanted : 0));

  // The dot reporter is its own progress indicator.
  const meter = progressMeter((opts.progress ?? Boolean(process.stderr.isTTY)) && opts.reporter !== "dot", estimate);
  const results: CaseResult[] = [];
  const onResult = (key: number, r: CaseResult) => {
    results[key] = r;
    meter.tick();
    reporter.onCase?.(r);
  };
  // Workers start (each loading the project) while this thread parses; cases go out file by file.
  const pool = workers > 0 ? new TestWorkerPool({ workers, init: { dir: absDir, modules, env, paymentEnv: opts.paymentEnv ?? {}, ...caseOpts }, realHttp: needRealHttp, allowHttp: opts.allowHttp, onResult }) : undefined;

  // Keep only the cases --grep selects (a file path match selects all). Malformed files always stay:
  // they cannot tell whether they hold a selected case.
  const match = matcher(opts.grep);
  const parsed: TestFile[] = [];
  const tasks: Task[] = [];
  for (const s of sources) {
    const tf: TestFile = s.source === undefined ? { file: s.file, integration: false, mocks: [], cases: [], warnings: [], error: { line: 1, col: 1, message: s.error! } } : parseTestFile(s.file, s.source);
    tf.warnings.push(...unknownStateWarnings(tf, project.states));
    if (only?.length) {
      const here = only.filter((l) => l.file === tf.file);
      if (!here.some((l) => l.line === undefined)) {
        const picked = new Set(here.flatMap((l) => casesAt(tf.cases, l.line)));
        tf.cases = tf.cases.filter((c) => picked.has(c));
      }
    }
    if (opts.grep && !match(tf.file)) {
      tf.cases = tf.cases.filter((c) => match(c.id));
      if (tf.cases.length === 0 && !tf.error) continue;
    }
    const fileIndex = parsed.push(tf) - 1;
    const fileTasks = tf.cases.map((tc, i) => ({ key: tasks.length + i, fileIndex, tc }));
    tasks.push(...fileTasks);
    if (pool && fileTasks.length > 0) {
      pool.addFile(fileIndex, tf);
      pool.addTasks(fileTasks);
      await new Promise((r) => setImmediate(r)); // let the pool hand out work between files
    }
  }
  meter.setTotal(tasks.length);
  if (tasks.length === 0 && !parsed.some((f) => f.error)) {
    await pool?.close().catch(() => undefined);
    meter.done();
    const where = only?.some((l) => l.line !== undefined) ? `no test case at ${only.map((l) => `${l.file}${l.line !== undefined ? `:${l.line}` : ""}`).join(", ")}` : undefined;
    return stop(where ?? (opts.grep ? `--grep ${JSON.stringify(opts.grep)} matched no test case` : `the selected test files hold no <test-case>: ${parsed.map((f) => f.file).join(", ")}`));
  }

  let poolError: string | undefined;
  if (pool) {
    try {
      await pool.close();
    } catch (e) {
      poolError = (e as Error).message;
    }
  } else if (tasks.length > 0) {
    try {
      const te = createTestEngine(project);
      for (const t of tasks) onResult(t.key, runCase(te.engine, te.host, parsed[t.fileIndex]!, t.tc, { ...caseOpts, project: te.project, env: (n) => (Object.hasOwn(env, n) ? env[n] : undefined), paymentEnv: opts.paymentEnv }));
    } catch (e) {
      poolError = describeLoadError(e);
    }
  }
  meter.done();
  if (poolError !== undefined) return stop(`cannot start the project in ${absDir}:\n${poolError}`);

  const files: FileResult[] = parsed.map((f) => ({ file: f.file, warnings: f.warnings, cases: [], ...(f.error ? { error: f.error } : {}) }));
  for (const t of tasks) files[t.fileIndex]!.cases.push(results[t.key]!);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    if (f.error) counts.failed++;
    for (const c of f.cases) counts[c.status]++;
  }
  const coverage = opts.coverage ? computeCoverage(project, files.flatMap((f) => f.cases)) : undefined;
  if (coverage) for (const f of files) for (const c of f.cases) delete c.coverage; // counted: the report holds it now
  const durationMs = performance.now() - started;
  out.write(reporter.finish({ projectDir: absDir, files, counts, durationMs, ...(coverage ? { coverage } : {}) }));
  if (opts.junit) writeFile(opts.junit, junitXml(files, durationMs));
  if (coverage && typeof opts.coverage === "string") writeFile(opts.coverage, JSON.stringify(coverage, null, 2) + "\n");
  return { ...counts, files, durationMs, ...(coverage ? { coverage } : {}) };
}

/**
 * A state a test names (`<state>`, `<a state>`, `<timeoutReply targetState>`) that the project does
 * not have: the case will fail there, and the usual cause is a test written for another version of
 * the scenario, so it is said once per state and file, at its first use.
 */
function unknownStateWarnings(tf: TestFile, states: ReadonlyMap<string, unknown>): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  const check = (written: string | undefined, where: string, at: { line: number; col: number }) => {
    if (written === undefined || !written.trim()) return;
    const name = written.trim();
    const statePath = (name.startsWith("/") ? name : "/" + name).replace(/(.)\/+$/, "$1");
    if (states.has(statePath) || seen.has(statePath)) return;
    seen.add(statePath);
    out.push({ line: at.line, col: at.col, message: `${where} names ${statePath}, which the loaded project does not have (its file is not required from the entry point, or the test is for another version)` });
  };
  for (const tc of tf.cases) {
    for (const item of tc.steps) {
      if (item.kind === "state") check(item.path, "<state>", item);
      else if (item.kind === "a") check(item.state, "<a state>", item);
      else if (item.kind === "timeoutReply") check(item.targetState, "<timeoutReply targetState>", item);
    }
  }
  return out;
}

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
