// `smartapp check`: load the project and compile every pattern, reporting all problems at once.
import { compileProjectPatterns } from "../patterns/index.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import { loadProject, type LoadOptions } from "./loader.js";
import type { Project } from "./model.js";
import { checkScriptSyntax } from "./script-syntax.js";
import { checkNlu, type NluSummary } from "../nlu/check.js";
import { unknownTargets, unreachableStates } from "./reachability.js";
import { writtenTransitions } from "./transitions.js";
import { readFileSync } from "node:fs";
import path from "node:path";

/** What `smartapp check` found in the project, counted for its summary line. */
export interface CheckSummary {
  files: number;
  states: number; // declared states, the root "/" not counted
  triggers: number;
  patterns: number; // named patterns
  dictionaries: number;
  testFiles: number;
  nlu?: NluSummary; // the CAILA export's size, when the project ships one
}

/** The outcome of `smartapp check`: ok when there are no errors (warnings do not fail it). */
export interface CheckResult {
  ok: boolean;
  summary: CheckSummary;
  errors: string[]; // formatted `file:line:col: message` + source line + caret
  warnings: string[];
  /** The same errors and warnings with their positions, for editors (`smartapp check --json`). */
  diagnostics: Diagnostic[];
}

function projectErrors(e: unknown): ProjectError[] {
  if (e instanceof ProjectErrors) return e.errors;
  if (e instanceof ProjectError) return [e];
  throw e;
}

function asDiagnostic(e: ProjectError): Diagnostic {
  return { level: "error", message: e.message, ...(e.pos ? { pos: e.pos } : {}) };
}

function formatDiagnostic(d: Diagnostic): string {
  return d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ${d.message}` : d.message;
}

/**
 * Loads the project and checks what loading alone does not (patterns, the NLU export, script syntax,
 * transition targets, unreachable states); project errors are returned, as text and as diagnostics, not thrown.
 */
export function checkProject(dir: string, opts: LoadOptions = {}): CheckResult {
  const summary: CheckSummary = { files: 0, states: 0, triggers: 0, patterns: 0, dictionaries: 0, testFiles: 0 };
  let project: Project;
  try {
    project = loadProject(dir, opts);
  } catch (e) {
    const failed = projectErrors(e);
    return { ok: false, summary, errors: failed.map((x) => x.format()), warnings: [], diagnostics: failed.map(asDiagnostic) };
  }
  Object.assign(summary, {
    files: project.files.length,
    states: project.states.size - 1,
    triggers: project.triggers.length,
    patterns: project.namedPatterns.size,
    dictionaries: project.dictionaries.size,
    testFiles: project.testFiles.length,
  });
  const found: Diagnostic[] = [...project.diagnostics];
  const nlu = checkNlu(project);
  if (nlu.summary.file) summary.nlu = nlu.summary;
  found.push(...nlu.warnings);
  let failed: ProjectError[] = [];
  try {
    const set = compileProjectPatterns(project, { entities: nlu.entities });
    found.push(...(set.diagnostics ?? []));
  } catch (e) {
    failed = projectErrors(e);
  }
  failed.push(...checkScriptSyntax(project));
  const written = writtenTransitions(project, projectLines(project.dir));
  found.push(...unknownTargets(project, undefined, written), ...unreachableStates(project, written));
  const warnings = found.map(formatDiagnostic);
  const errors = failed.map((x) => x.format());
  return { ok: errors.length === 0, summary, errors, warnings, diagnostics: [...failed.map(asDiagnostic), ...found] };
}

/** Lines of the project's files, read once each (script columns count from the file's line start). */
function projectLines(dir: string): (file: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file, line) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, readFileSync(path.join(dir, file), "utf8").split(/\r?\n/));
      } catch {
        cache.set(file, undefined); // a module's file outside the project
      }
    }
    return cache.get(file)?.[line - 1];
  };
}
