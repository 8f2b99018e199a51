// `smartapp check`: every script body of the project is parsed (never run), so a JavaScript syntax
// error is reported at check time as file:line:col instead of as an ERROR 500 in a live turn.
// Bodies are compiled the way the script host compiles them (src/sandbox/host.ts): `script:` blocks
// as function bodies (`return` allowed), required .js files and `init:` blocks as scripts, ES6
// modules with the module graph's parser (src/project/es6.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import type { ReactionNode, SourcePos } from "../dsl/ast.js";
import { usesAwait } from "../sandbox/source.js";
import { ProjectError, ProjectErrors } from "../util/errors.js";
import type { Project } from "./model.js";

type Compile = "function" | "async" | "script";

/** One ProjectError per script body that does not parse, in project order. */
export function checkScriptSyntax(project: Project): ProjectError[] {
  const errors: ProjectError[] = [];
  const lines = new Map<string, string[] | null>();
  const check = (code: string, pos: SourcePos, how: Compile) => {
    const err = syntaxError(code, pos, how);
    if (err) errors.push(locate(err, code, pos, (file) => fileLines(project.dir, file, lines)));
  };
  for (const item of project.loadItems) {
    if (item.kind === "script") check(item.code, item.pos, "script");
  }
  // ES modules were parsed when the module graph was built (src/project/es6.ts).
  errors.push(...(project.es6?.syntaxErrors ?? []));
  const walk = (reactions: readonly ReactionNode[]) => {
    for (const r of reactions) {
      if (r.tag === "script" || r.tag === "scriptEs6") check(r.code, r.pos, r.tag === "scriptEs6" && usesAwait(r.code) ? "async" : "function");
      else if (r.tag === "if") for (const b of r.branches) walk(b.body);
      else if (r.tag === "random") walk(r.options);
    }
  };
  for (const state of project.states.values()) walk(state.reactions);
  return errors;
}

/** The SyntaxError of compiling `code`, or undefined when it parses. Nothing is run. */
function syntaxError(code: string, pos: SourcePos, how: Compile): SyntaxError | undefined {
  try {
    if (how === "script") new vm.Script(code, { filename: pos.file, lineOffset: pos.line - 1 });
    else if (how === "async") vm.compileFunction(`return async function () {\n${code}\n};`, [], { filename: pos.file, lineOffset: pos.line - 2 });
    else vm.compileFunction(code, [], { filename: pos.file, lineOffset: pos.line - 1 });
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxError) return e;
    throw e;
  }
}

/**
 * V8 puts the place in the stack: "file:line", the source line, a caret. The body had its common
 * indentation stripped, so the column is moved by what the file's line has in front of it.
 */
function locate(err: SyntaxError, code: string, pos: SourcePos, file: (f: string) => string[] | null): ProjectError {
  const stack = (err.stack ?? "").split("\n");
  const at = /:(\d+)$/.exec(stack[0] ?? "");
  const line = at ? Number(at[1]) : pos.line;
  const codeLine = code.split("\n")[line - pos.line] ?? stack[1] ?? "";
  const caret = (stack[2] ?? "").indexOf("^");
  const fileLine = file(pos.file)?.[line - 1];
  const indent = fileLine !== undefined && fileLine.endsWith(codeLine) ? fileLine.length - codeLine.length : 0;
  const col = Math.max(1, (caret >= 0 ? caret : 0) + indent + 1);
  return new ProjectError(`JavaScript syntax error: ${err.message}`, { file: pos.file, line, col }, fileLine ?? codeLine);
}

function fileLines(dir: string, file: string, cache: Map<string, string[] | null>): string[] | null {
  if (!cache.has(file)) {
    try {
      cache.set(file, readFileSync(path.join(dir, file), "utf8").split(/\r?\n/));
    } catch {
      cache.set(file, null); // a module's file outside the project: columns stay relative to the body
    }
  }
  return cache.get(file) ?? null;
}

/**
 * `test` and `serve` refuse a project whose scripts do not compile, as the cloud refuses to deploy
 * it ("the system builds the bot, checks the script syntax", docs/dsl.md "What `smartapp check`
 * reports"): the same errors `smartapp check` gives, instead of an ERROR 500 in the turn that
 * reaches the broken script.
 */
export function assertScriptsCompile(project: Project): void {
  const errors = checkScriptSyntax(project);
  if (errors.length) throw new ProjectErrors(errors);
}
