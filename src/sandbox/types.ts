// The script host contract between the dialog engine (src/engine) and the sandbox (src/sandbox).
// One ScriptHost per loaded project per thread; it owns one isolated JS realm with the $-API.
// Values that cross into the realm are copied as JSON: no host object is ever reachable from scripts.
import type { SourcePos } from "../dsl/ast.js";
import type { ParseNode } from "../patterns/types.js";
import type { BotRequest, Reply } from "../engine/types.js";

/** A handler registered with bind()/$jsapi.bind() while the project loaded. */
export interface BoundHandler {
  id: number;
  type: "preMatch" | "selectNLUResult" | "preProcess" | "postProcess" | "onScriptError" | "onAnyError" | "onDialogError" | string;
  path: string; // default "/"
  name?: string;
}

/** A JS error raised by scenario code, with the position in the .sc/.js file when known. */
export class ScriptError extends Error {
  constructor(
    message: string,
    readonly pos?: SourcePos,
    readonly thrown?: unknown, // JSON copy of a thrown non-Error value (throw {httpStatus: 500})
    readonly limit?: "cpu" | "memory", // the script hit a sandbox limit
  ) {
    super(message);
    this.name = "ScriptError";
  }
}

/** Thrown out of a script call when the script asked for a new session ($reactions.newSession). */
export class NewSessionSignal extends Error {
  constructor(readonly params: { message?: string; data?: unknown; session?: unknown; client?: unknown; request?: unknown }) {
    super("newSession");
    this.name = "NewSessionSignal";
  }
}

export interface TurnScope {
  request: BotRequest & { data: Record<string, unknown> }; // becomes $request
  session: Record<string, unknown>; // $session
  client: Record<string, unknown>; // $client
  contextPath: string; // $context.contextPath
  sessionId?: string;
  testContext?: Record<string, unknown>; // defined only in XML tests
}

/** What the realm holds at the end of a turn, copied out as JSON. */
export interface TurnSnapshot {
  session: Record<string, unknown>;
  client: Record<string, unknown>;
  response: Record<string, unknown> & { replies: Reply[] };
  temp: Record<string, unknown>;
  sessionOps: ("startSession" | "stopSession")[]; // $jsapi.startSession/stopSession calls, in order
  mails: Record<string, unknown>[];
}

export interface ScriptHost {
  /** Frees the isolate now (a worker about to exit), rather than at its thread's teardown. */
  dispose(): void;
  /** Handlers registered by bind() during load, in registration order. */
  readonly handlers: readonly BoundHandler[];

  beginTurn(scope: TurnScope): void;
  endTurn(): TurnSnapshot;

  /** $context fields the engine maintains: currentState, parseTree, nluResults, intent, entities, exception, nBest… (JSON values). */
  setContext(field: string, value: unknown): void;
  getContext(field: string): unknown; // JSON copy
  /** $temp.<key> as a JSON copy (targetState is the one the engine reads). */
  getTemp(key: string): unknown;
  setTemp(key: string, value: unknown): void;
  /** $request.query after preMatch handlers (needs nlp.modifyRequestInPreMatch). */
  getRequestQuery(): string | undefined;

  /** Run a script: block (function-body semantics: `return;` allowed, vars local). Throws ScriptError / NewSessionSignal. */
  runScript(code: string, opts: { es6: boolean; pos: SourcePos }): void;
  /** if:/elseif: condition (statement-list semantics: `$session.a += 1;` is allowed). */
  test(expr: string, pos: SourcePos): boolean;
  /** Replace {{ expr }} with String(value) ('' for null/undefined). Text without {{ is returned as is, fast. */
  render(template: string, pos: SourcePos): string;
  /** Call a bound handler with $context. Throws ScriptError / NewSessionSignal. */
  runHandler(id: number): void;
  /** Run a pattern converter; returns the node's new value (JSON). */
  runConverter(converter: string, node: ParseNode): unknown;

  /** Append to $response.replies (the reply is stamped with state = current state). */
  addReply(reply: Reply): void;
  /** Stamp state on replies pushed by scripts without one. */
  stampReplies(state: string): void;
  /** The transition $reactions.transition asked for since the last call, if any (and forget it). */
  takeTransition(): { value: string; deferred: boolean } | null;
}
