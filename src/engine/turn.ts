// One request from start to finish (spec dsl.md §4.9 "Full pipeline"): dispatch, preProcess,
// execution, postProcess, the error path, context update (§4.7), sessions (§5.13).
import type { SourcePos } from "../dsl/ast.js";
import { NewSessionSignal, ScriptError, type TurnScope, type TurnSnapshot } from "../sandbox/types.js";
import type { BotRequest, Reply, TurnErrorKind, TurnResult, TurnRunOptions, UserState } from "./types.js";
import { DialogError, TurnAbandoned } from "./errors.js";
import { onErrorText } from "./on-error.js";
import { Executor, type Trace } from "./execute.js";
import { Dispatcher, type DispatchEnv } from "./dispatch.js";
import { handlersFor, type HandlerType } from "./handlers.js";
import { normaliseContextPath, requireState, resolveStatePath } from "./paths.js";
import { collectButtonTransitions } from "./buttons.js";
import { normaliseTimeoutReplies } from "./timeouts.js";
import { TurnExplainer } from "./explain.js";
import type { LogTap } from "./log-tap.js";

/** The docs stop after more than five postProcess transitions [D]. */
export const MAX_POST_PROCESS_TRANSITIONS = 5;

export interface EngineEnv extends DispatchEnv {
  newSessionId(): string;
  /** Where the explained turn collects logs (engine and scripts) while it runs. */
  logTap?: LogTap;
}

type TurnError = NonNullable<TurnResult["error"]>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

class Turn {
  readonly trace: Trace;
  readonly executor: Executor;
  error?: TurnError;
  nlu?: TurnResult["nlu"];
  readonly explain?: TurnExplainer;

  constructor(
    private readonly env: EngineEnv,
    private readonly request: BotRequest,
    readonly state: UserState,
    readonly context: string,
    explain = false,
  ) {
    this.trace = { executed: [], current: context };
    if (explain) this.explain = new TurnExplainer(request, context, () => this.trace.current);
    this.executor = new Executor(env, this.trace, this.explain);
  }

  run(failWith?: TurnRunOptions["failWith"]): void {
    const dispatcher = new Dispatcher(this.env, this.executor, this.request, this.state, this.context, this.explain);
    if (failWith) return this.replayFailure(dispatcher, failWith);
    let target: string | null;
    try {
      target = dispatcher.selectTarget();
    } catch (e) {
      this.fail(e);
      return;
    } finally {
      this.nlu = dispatcher.recognised;
    }
    if (target === null) return;
    try {
      const start = this.preProcess(target);
      if (this.explain) this.explain.data.target = start;
      this.executor.execute(start);
    } catch (e) {
      if (!this.fail(e)) return;
    }
    this.postProcessSafely();
  }

  /**
   * The first run of this turn died with its worker (its effects went with it). Find the state the
   * request goes to again, so handlers bound to that path apply, and fail there without running it.
   * After a CPU kill the matching may itself have been the runaway: trigger regexps flagged
   * catastrophic at load (src/patterns/regex-safety.ts) are left out of the second match.
   */
  private replayFailure(dispatcher: Dispatcher, failWith: NonNullable<TurnRunOptions["failWith"]>): void {
    try {
      const target = dispatcher.selectTarget({ afterCpuKill: failWith.limit === "cpu" });
      if (target !== null) {
        this.trace.current = target;
        this.env.host.setContext("currentState", target);
      }
    } catch {
      // selection itself failed: report the limit at the dialog context
    }
    if (this.fail(new ScriptError(failWith.message, undefined, undefined, failWith.limit))) this.postProcessSafely();
  }

  private postProcessSafely(): void {
    try {
      this.postProcess();
    } catch (e) {
      this.fail(e);
    }
  }

  /** preProcess handlers of the target; they may redirect with a transition or $temp.targetState. */
  private preProcess(target: string): string {
    const { host, project } = this.env;
    this.trace.current = target;
    host.setContext("currentState", target);
    let redirect: string | null = null;
    for (const h of handlersFor(host, "preProcess", target)) {
      this.explain?.runs("preProcess");
      host.runHandler(h.id);
      host.stampReplies(target);
      redirect = this.executor.takeTransition(target) ?? redirect;
    }
    if (redirect !== null) return redirect;
    const temp = host.getTemp("targetState");
    if (typeof temp === "string" && temp.trim() !== "") {
      const path = resolveStatePath(this.context, temp);
      if (path !== target) {
        const to = requireState(project, "/", path).path;
        this.explain?.transition("preProcess $temp.targetState", target, to);
        return to;
      }
    }
    return target;
  }

  /** postProcess for the state where processing ended; an immediate transition runs another state (≤ 5). */
  private postProcess(): void {
    const { host } = this.env;
    for (let transitions = 0; ; transitions++) {
      const final = this.trace.current;
      let next: string | null = null;
      for (const h of handlersFor(host, "postProcess", final)) {
        this.explain?.runs("postProcess");
        host.runHandler(h.id);
        host.stampReplies(final);
        next = this.executor.takeTransition(final) ?? next;
      }
      if (next === null) return;
      if (transitions >= MAX_POST_PROCESS_TRANSITIONS) {
        throw new DialogError(`Infinite loop was detected for state ${next} in postProcess transition`);
      }
      this.executor.execute(next);
    }
  }

  /**
   * The error path. Returns true when postProcess may still run (a script error handled by
   * onScriptError); NewSessionSignal is not an error and passes through.
   */
  private fail(e: unknown): boolean {
    if (e instanceof NewSessionSignal || e instanceof TurnAbandoned) throw e;
    const { host } = this.env;
    host.takeTransition(); // a transition requested by the failed code does not happen
    const where = this.trace.current;
    let kind: TurnErrorKind;
    let pos: SourcePos | undefined;
    const exception: Record<string, unknown> = {};
    if (e instanceof ScriptError) {
      kind = e.limit ? "limit" : "script";
      pos = e.pos;
      if (isObject(e.thrown)) Object.assign(exception, e.thrown);
      else if (e.thrown !== undefined) exception.thrown = e.thrown;
    } else {
      kind = e instanceof DialogError ? "dialog" : "internal";
    }
    const message = e instanceof Error ? e.message : String(e);
    exception.message = message;
    if (e instanceof DialogError) exception.type = "DialogException";
    this.error ??= { kind, message, ...(pos ? { pos } : {}) };
    this.env.services.log("error", `${pos ? `${pos.file}:${pos.line}: ` : ""}${message}`);
    host.setContext("exception", exception);
    const explained = this.explain?.error(kind, message, pos, where);

    const specific: HandlerType | null = e instanceof ScriptError ? "onScriptError" : e instanceof DialogError ? "onDialogError" : null;
    if (specific) {
      const hs = handlersFor(host, specific, where);
      if (hs.length > 0) {
        if (explained) explained.handledBy = specific;
        this.runErrorHandlers(hs.map((h) => h.id), where, specific);
        return specific === "onScriptError";
      }
    }
    const any = handlersFor(host, "onAnyError", where);
    if (explained) explained.handledBy = any.length > 0 ? "onAnyError" : this.env.project.config.messages?.onError ? "messages.onError" : "nothing (no handler, no messages.onError)";
    if (any.length > 0) this.runErrorHandlers(any.map((h) => h.id), where, "onAnyError");
    else this.defaultErrorMessage();
    return false;
  }

  /** Error handlers may answer and transition; a failure inside them is logged, not handled again. */
  private runErrorHandlers(ids: number[], where: string, type: HandlerType): void {
    const { host, services } = this.env;
    try {
      let next: string | null = null;
      for (const id of ids) {
        this.explain?.runs(type);
        host.runHandler(id);
        host.stampReplies(where);
        next = this.executor.takeTransition(where) ?? next;
      }
      if (next !== null) this.executor.execute(next);
    } catch (e) {
      if (e instanceof NewSessionSignal || e instanceof TurnAbandoned) throw e;
      services.log("error", `error handler failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private defaultErrorMessage(): void {
    const text = onErrorText(this.env.project.config, this.request.language, this.env.services.random);
    if (text !== undefined) this.env.host.addReply({ type: "text", text, state: this.trace.current });
  }
}

const CHANNEL_FIELDS = ["channelType", "channelUserId", "botId", "questionId", "language", "rawRequest", "userFrom"] as const;

export function runTurn(
  env: EngineEnv,
  request: BotRequest,
  state: UserState,
  testContext: Record<string, unknown> | undefined,
  depth = 0,
  failWith?: TurnRunOptions["failWith"],
  explain = false,
): TurnResult {
  const { host, project, services } = env;
  const context = normaliseContextPath(state.contextPath ?? (state.session?.contextPath as string | undefined));
  const sessionId = state.sessionId ?? env.newSessionId();
  // Fields assigned after the spread land where a literal's conditional spread would put them (an
  // existing key keeps its place), without the throwaway objects (docs/benchmarks.md).
  const scopeRequest: BotRequest & { data: Record<string, unknown> } = {
    ...request,
    data: isObject(request.data) ? { ...request.data } : {},
    channelType: request.channelType ?? "smartapp",
  };
  const language = request.language ?? project.config.language;
  if (language) scopeRequest.language = language;
  const scope: TurnScope = {
    request: scopeRequest,
    session: { ...(state.session ?? {}), contextPath: context },
    client: { ...(state.client ?? {}) },
    contextPath: context,
    sessionId,
  };
  if (testContext) scope.testContext = testContext;
  host.beginTurn(scope);
  host.setContext("contextHistory", state.contextHistory ?? []);
  const turn = new Turn(env, scopeRequest, state, context, explain);
  if (turn.explain && env.logTap) env.logTap.sink = (level, message, source) => turn.explain!.log(level, message, source);
  let signal: NewSessionSignal | undefined;
  try {
    turn.run(failWith);
  } catch (e) {
    if (!(e instanceof NewSessionSignal)) {
      host.endTurn();
      throw e;
    }
    signal = e;
  } finally {
    if (env.logTap) env.logTap.sink = undefined;
  }
  const snap = host.endTurn();

  if (signal) return restartInNewSession(env, scopeRequest, snap, turn, signal, testContext, depth);

  const replies: Reply[] = snap.response.replies ?? [];
  const last = turn.trace.executed.at(-1);
  const timeout = normaliseTimeoutReplies(replies, last ?? context, (m) => services.log("warn", m));
  // §4.7: a deferred transition wins; a noContext state keeps the previous context.
  let contextPath = turn.trace.nextContext ?? (last && !project.states.get(last)?.noContext ? last : context);
  let session = snap.session;
  let newSessionId: string | undefined = sessionId;
  let endSession = snap.response.endSession === true;
  for (const op of snap.sessionOps) {
    endSession = true;
    // startSession: this exchange already belongs to a new session; stopSession: the next request starts one.
    newSessionId = op === "startSession" ? env.newSessionId() : undefined;
  }
  if (turn.trace.deferredNewSession) {
    endSession = true;
    session = {};
    contextPath = "/";
    newSessionId = undefined;
  }
  // The snapshot's objects are this turn's own copies (JSON out of the record or the isolate): they
  // are completed in place rather than spread again.
  if (!isObject(session)) session = { ...(session as object) }; // an array from the isolate: spread as before
  session.contextPath = contextPath;

  const depthLimit = historyDepth(project.config.nlp?.contextHistoryDepth);
  const newState: UserState = {
    session,
    client: snap.client,
    contextPath,
    contextHistory: historyAfter(state.contextHistory, context, depthLimit),
  };
  if (newSessionId !== undefined) newState.sessionId = newSessionId;
  const buttons = collectButtonTransitions(replies);
  if (buttons) newState.lastButtons = buttons;
  if (timeout) newState.pendingTimeout = { ...timeout, setAt: services.now() };
  if (turn.trace.pendingInput && !endSession) newState.pendingInput = turn.trace.pendingInput;

  const response = snap.response;
  response.replies = replies;
  const result: TurnResult = {
    replies,
    response,
    state: newState,
    endSession,
    mails: snap.mails,
  };
  if (turn.trace.executed.length > 0) {
    result.classifiedState = turn.trace.executed[0];
    result.finalState = last;
    // The trace is the turn's own; only the explanation (built below) keeps a reference to it.
    result.executed = turn.explain ? [...turn.trace.executed] : turn.trace.executed;
  }
  if (timeout) result.timeout = timeout;
  if (turn.trace.deferredNewSession) result.newSession = turn.trace.deferredNewSession;
  if (turn.error) result.error = turn.error;
  if (turn.nlu) result.nlu = turn.nlu;
  if (turn.explain) {
    result.explanation = turn.explain.finish({
      contextAfter: contextPath,
      executed: turn.trace.executed,
      replies,
      session: [state.session, newState.session],
      client: [state.client, newState.client],
    });
  }
  return result;
}

/**
 * `nlp.contextHistoryDepth` as a count of contexts: a whole number, at least 1 (the default). The
 * config schema lets 0 and negatives through, and a config built in code may hold a fraction.
 */
function historyDepth(value: unknown): number {
  const n = Math.trunc(Number(value ?? 1));
  return n >= 1 ? n : 1;
}

/** The last `depth` (a whole number ≥ 1) contexts after this turn's: `[...history, context].slice(-depth)` in one array. */
function historyAfter(history: readonly string[] | undefined, context: string, depth: number): string[] {
  const before = history ?? [];
  const out: string[] = [];
  for (let i = Math.max(0, before.length + 1 - depth); i < before.length; i++) out.push(before[i]!);
  out.push(context);
  return out;
}

/**
 * $reactions.newSession / `newSession:` (§5.5, §5.13) [I]: replies made so far are kept; the new
 * session starts with an empty $session (or the given one) at `/` and processes `message` as a text
 * request (or the given `request`); without either, the root state `/` is executed.
 */
function restartInNewSession(
  env: EngineEnv,
  request: BotRequest,
  snap: TurnSnapshot,
  turn: Turn,
  signal: NewSessionSignal,
  testContext: Record<string, unknown> | undefined,
  depth: number,
): TurnResult {
  const p = signal.params;
  const carried: BotRequest = {};
  for (const k of CHANNEL_FIELDS) if (request[k] !== undefined) (carried as Record<string, unknown>)[k] = request[k];
  const next: BotRequest = isObject(p.request)
    ? { ...carried, ...(p.request as BotRequest) }
    : { ...carried, ...(typeof p.message === "string" ? { query: p.message } : { targetState: "/" }), data: isObject(p.data) ? p.data : {} };
  const fresh: UserState = {
    session: isObject(p.session) ? p.session : {},
    client: isObject(p.client) ? p.client : snap.client,
    contextPath: "/",
    sessionId: env.newSessionId(),
  };
  const before = snap.response.replies ?? [];
  const newSession = { ...(p.message !== undefined ? { message: p.message } : {}), ...(p.data !== undefined ? { data: p.data } : {}) };
  if (depth > 0) {
    // A new session asked for while starting a new session: stop instead of looping.
    return {
      replies: before,
      response: { ...snap.response, replies: before },
      state: fresh,
      endSession: true,
      newSession,
      mails: snap.mails,
      error: { kind: "dialog", message: "newSession was requested again while starting a new session" },
    };
  }
  const inner = runTurn(env, next, fresh, testContext, depth + 1, undefined, turn.explain !== undefined);
  const replies = [...before, ...inner.replies];
  const result: TurnResult = {
    ...inner,
    replies,
    response: { ...inner.response, replies },
    endSession: true,
    newSession,
    mails: [...snap.mails, ...inner.mails],
  };
  const first = turn.trace.executed[0];
  if (first) result.classifiedState = first;
  result.executed = [...turn.trace.executed, ...(inner.executed ?? [])];
  const error = turn.error ?? inner.error;
  if (error) result.error = error;
  if (turn.explain) {
    result.explanation = turn.explain.finish({
      contextAfter: inner.state.contextPath,
      executed: turn.trace.executed,
      replies: before,
      session: [turn.state.session, snap.session],
      client: [turn.state.client, snap.client],
    });
    turn.explain.because("the turn asked for a new session: see newSession for the turn that ran in it");
    if (inner.explanation) result.explanation.newSession = inner.explanation;
  }
  return result;
}
