// `smartapp check`: load the project and compile every pattern, reporting all problems at once.
import { compileProjectPatterns } from "../patterns/index.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import { loadProject, type LoadOptions } from "./loader.js";
import type { Project } from "./model.js";
import { checkNlu, type NluSummary } from "../nlu/check.js";

export interface CheckSummary {
  files: number;
  states: number; // declared states, the root "/" not counted
  triggers: number;
  patterns: number; // named patterns
  dictionaries: number;
  testFiles: number;
  nlu?: NluSummary; // the CAILA export's size, when the project ships one
}

export interface CheckResult {
  ok: boolean;
  summary: CheckSummary;
  errors: string[]; // formatted `file:line:col: message` + source line + caret
  warnings: string[];
}

function formatErrors(e: unknown): string[] {
  if (e instanceof ProjectErrors) return e.errors.map((x) => x.format());
  if (e instanceof ProjectError) return [e.format()];
  throw e;
}

function formatDiagnostic(d: Diagnostic): string {
  return d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.message}` : d.message;
}

export function checkProject(dir: string, opts: LoadOptions = {}): CheckResult {
  const summary: CheckSummary = { files: 0, states: 0, triggers: 0, patterns: 0, dictionaries: 0, testFiles: 0 };
  let project: Project;
  try {
    project = loadProject(dir, opts);
  } catch (e) {
    return { ok: false, summary, errors: formatErrors(e), warnings: [] };
  }
  Object.assign(summary, {
    files: project.files.length,
    states: project.states.size - 1,
    triggers: project.triggers.length,
    patterns: project.namedPatterns.size,
    dictionaries: project.dictionaries.size,
    testFiles: project.testFiles.length,
  });
  const warnings = project.diagnostics.map(formatDiagnostic);
  const nlu = checkNlu(project);
  if (nlu.summary.file) summary.nlu = nlu.summary;
  warnings.push(...nlu.warnings.map(formatDiagnostic));
  let errors: string[] = [];
  try {
    const set = compileProjectPatterns(project, { entities: nlu.entities });
    warnings.push(...(set.diagnostics ?? []).map(formatDiagnostic));
  } catch (e) {
    errors = formatErrors(e);
  }
  return { ok: errors.length === 0, summary, errors, warnings };
}
