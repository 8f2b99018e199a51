// `smartapp check`: every error of a project, or a one-screen summary; `--json` for editors.
import path from "node:path";
import { checkProject, type CheckResult } from "../project/check.js";

/** Options of `smartapp check`. */
export interface CheckCliOptions {
  modules: string[];
  json?: boolean;
}

/** `smartapp check`: loads the project and prints its errors and warnings (or JSON); the exit code. */
export function check(dir: string, opts: CheckCliOptions): number {
  const report = checkProject(dir, { modules: opts.modules });
  if (opts.json) {
    process.stdout.write(JSON.stringify(checkJson(dir, report), null, 2) + "\n");
    return report.ok ? 0 : 1;
  }
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!report.ok) {
    for (const e of report.errors) process.stderr.write(`${e}\n`);
    process.stderr.write(`${report.errors.length} error(s)\n`);
    return 1;
  }
  const s = report.summary;
  process.stdout.write(
    `ok: ${s.files} files, ${s.states} states, ${s.triggers} triggers, ${s.patterns} named patterns, ` +
      `${s.dictionaries} dictionaries, ${s.testFiles} test files` +
      (s.nlu ? `; NLU ${s.nlu.file}: ${s.nlu.intents} intents, ${s.nlu.phrases} phrases, ${s.nlu.patterns} patterns, ${s.nlu.entities} entities` : "") +
      "\n",
  );
  return 0;
}

/** One diagnostic as an editor wants it: a file path relative to `projectDir`, 1-based line and column. */
export interface JsonDiagnostic {
  severity: "error" | "warning";
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

/** The machine-readable form of a check (docs/editors.md). */
export function checkJson(dir: string, report: CheckResult): { ok: boolean; projectDir: string; summary: CheckResult["summary"]; diagnostics: JsonDiagnostic[] } {
  const diagnostics = report.diagnostics.map((d): JsonDiagnostic => ({
    severity: d.level,
    message: d.message,
    ...(d.pos ? { file: d.pos.file, line: d.pos.line, col: d.pos.col } : {}),
  }));
  return { ok: report.ok, projectDir: path.resolve(dir), summary: report.summary, diagnostics };
}
