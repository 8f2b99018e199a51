// Turning what the realm reports about an uncaught exception into a ScriptError with a source position.
import type { SourcePos } from "../dsl/ast.js";
import { ScriptError } from "./types.js";

/** The realm's description of a thrown value (jsapi/_core.js `describe`). */
export interface ThrownDescription {
  name?: string;
  message?: string;
  stack?: string;
  fields?: Record<string, unknown>; // own enumerable fields of an Error (kept for logs)
  thrown?: unknown; // JSON copy of a thrown non-Error value
}

const LOCATION_RE = /^(.*):(\d+):(\d+)$/;

/** `    at fn (file:1:2)` or `    at file:1:2` → its location text. */
function frameLocation(line: string): string | undefined {
  const m = /^\s+at\s+(.*?)\s*$/.exec(line);
  if (!m) return undefined;
  const rest = m[1];
  if (!rest.endsWith(")")) return rest;
  const open = rest.lastIndexOf("(");
  return open < 0 ? undefined : rest.slice(open + 1, -1);
}

/** The first stack frame that points into one of the project's files. */
export function userFrame(stack: string | undefined, userFiles: ReadonlySet<string>): SourcePos | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const loc = frameLocation(line);
    const m = loc === undefined ? null : LOCATION_RE.exec(loc);
    if (m && userFiles.has(m[1])) return { file: m[1], line: Number(m[2]), col: Number(m[3]) };
  }
  return undefined;
}

/** isolated-vm ends the message of a compile error with ` [file:line:col]`. */
const COMPILE_POS_RE = / \[(.*):(\d+):(\d+)\]$/;

export function toScriptError(d: ThrownDescription, fallback: SourcePos | undefined, userFiles: ReadonlySet<string>): ScriptError {
  let message = d.message ?? "uncaught exception";
  let pos = userFrame(d.stack, userFiles);
  const at = COMPILE_POS_RE.exec(message);
  if (at) {
    message = message.slice(0, at.index);
    if (!pos && userFiles.has(at[1])) pos = { file: at[1], line: Number(at[2]), col: Number(at[3]) };
  }
  pos ??= fallback;
  if (d.thrown === undefined && d.name && d.name !== "Error") message = `${d.name}: ${message}`;
  return new ScriptError(message, pos, d.thrown);
}

export function memoryError(pos: SourcePos | undefined): ScriptError {
  return new ScriptError("Script memory limit exceeded", pos, undefined, "memory");
}

export function cpuError(ms: number, pos: SourcePos | undefined): ScriptError {
  return new ScriptError(`Script execution timed out after ${ms} ms`, pos, undefined, "cpu");
}
