// Errors a person can act on: where (file:line:col), what was expected, and the offending line.
import type { SourcePos } from "../dsl/ast.js";

/** A mistake in a project file, with its position and line so the message can point at it (`format`). */
export class ProjectError extends Error {
  constructor(
    message: string,
    readonly pos?: SourcePos,
    readonly sourceLine?: string,
  ) {
    super(message);
    this.name = "ProjectError";
  }

  /** `file:line:col: message`, then the offending line and a caret under the column. */
  format(): string {
    if (!this.pos) return this.message;
    const head = `${this.pos.file}:${this.pos.line}:${this.pos.col}: ${this.message}`;
    if (this.sourceLine === undefined) return head;
    const caret = " ".repeat(Math.max(0, this.pos.col - 1)) + "^";
    return `${head}\n    ${this.sourceLine}\n    ${caret}`;
  }
}

/** Several project errors found in one load; `smartapp check` prints them all. */
export class ProjectErrors extends Error {
  constructor(readonly errors: ProjectError[]) {
    super(errors.map((e) => e.format()).join("\n"));
    this.name = "ProjectErrors";
  }
}

/** A finding of a project check: an error stops the load, a warning is only reported. */
export interface Diagnostic {
  level: "warning" | "error";
  message: string;
  pos?: SourcePos;
}
