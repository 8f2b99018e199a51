// Runs one <test-case> through engine.process: fresh user state, its own clock, random queue and
// mocks; checks assertions in document order and stops at the first failure.
import { emptyUserState, type BotRequest, type Engine, type HostServices, type HttpRequest, type HttpResponse, type TurnResult, type UserState } from "../engine/types.js";
import { checkAssertion, unconsumedTexts, type StepOutcome } from "./assertions.js";
import { normaliseText } from "./match.js";
import { expectedIntentOf, intentIndex } from "./intent-cases.js";
import { MockHttp } from "./mocks.js";
import type { Project } from "../project/model.js";
import { callPaymentSync, isPaymentOp } from "../payments/host-ops.js";
import { isStep, type CaseCoverage, type CaseItem, type CaseResult, type Failure, type MockDef, type StepItem, type StepRef, type TestCase, type TestFile } from "./model.js";
import { PAY_DIALOG_FINISHED, payDialogEventData } from "../payments/pay-dialog-event.js";
import type { TurnExplanation } from "../engine/explain.js";
import { CaseYooKassa } from "./yookassa-case.js";
import { asChannel } from "../channels/emulated.js";
import { freshSeed } from "../sandbox/host.js";

/** How a case runs: what counts as a failure, how HTTP is answered, the environment and what to record. */
export interface CaseOptions {
  lenient?: boolean; // unconsumed text replies are not failures
  // An HTTP call without a mock answers as a failed request and the case goes on, as on the platform
  // (docs/testing.md, "HTTP mocks"); an integration case run offline fails on it unless unmockedOk.
  unmockedOk?: boolean; // integration cases run offline go on too
  unmockedFail?: boolean; // any call without a mock fails the step (stricter than the platform)
  integration?: boolean; // run integration="true" cases (needs realHttp)
  realHttp?: (req: HttpRequest) => HttpResponse; // synchronous real HTTP for integration cases
  env?: (name: string) => string | undefined; // `$env.get`: the project's declared variables
  paymentEnv?: Readonly<Record<string, string>>; // SMARTPAY_URL, SMARTSTORE_URL, SMARTPAY_TOKEN, SMARTPAY_TIMEOUT_MS for $payment
  strict?: boolean; // a script error the turn recovered from fails the case even when the checks passed
  coverage?: boolean; // record the states and transitions the case walked through
  channel?: string; // the channel of steps that name none (smartapp test --channel); default smartapp
  project?: Project; // to tell whether a case needs intent classification (intent-cases.ts)
}

/** Per-case host state: frozen clock, random queue, mocks, collected logs. */
export class CaseHost implements HostServices {
  nowMs: number | undefined; // undefined = the real clock
  randomQueue: number[] = [];
  logs: string[] = [];
  readonly mock: MockHttp;
  /** `$yookassa`: the case's own emulated shop, on the case's clock. */
  readonly yookassa = new CaseYooKassa(() => this.now());

  constructor(
    fileMocks: readonly MockDef[],
    private readonly realHttp?: (req: HttpRequest) => HttpResponse,
    private readonly envFn: (name: string) => string | undefined = () => undefined,
    private readonly paymentEnv: Readonly<Record<string, string>> = {},
  ) {
    this.mock = new MockHttp(fileMocks);
  }

  http(req: HttpRequest): HttpResponse {
    return this.realHttp ? this.realHttp(req) : this.mock.http(req);
  }
  call(op: string, args?: unknown): unknown {
    // $payment: the SmartPay request the server would send, answered by <mockData> like $http.
    if (isPaymentOp(op)) return callPaymentSync(op, args, { http: (req) => this.http(req), env: (n) => (Object.hasOwn(this.paymentEnv, n) ? this.paymentEnv[n] : undefined), secret: () => this.secret() });
    if (CaseYooKassa.handles(op)) return this.yookassa.call(op, args);
    throw new Error(`host operation ${op} is not available in XML tests`);
  }
  now(): number {
    return this.nowMs ?? Date.now();
  }
  seed(): number[] {
    return freshSeed(); // Math.random is not queued by <random>: as before, a real one
  }
  random(max: number): number {
    // <random> values in order, then 0 (spec §7.2); values past `max` wrap around.
    const v = this.randomQueue.length > 0 ? this.randomQueue.shift()! : 0;
    return max > 0 ? v % max : 0;
  }
  log(level: string, message: string): void {
    if (level === "warn" || level === "error") this.logs.push(`${level}: ${message}`);
  }
  env(name: string): string | undefined {
    return this.envFn(name);
  }
  secret(): string | undefined {
    return undefined;
  }
}

/**
 * The HostServices object handed to createEngine once per worker; it forwards to the case that is
 * running, so one engine (one project load) serves every case.
 */
export class SwitchingHost implements HostServices {
  current: HostServices = new CaseHost([]);
  http(req: HttpRequest): HttpResponse {
    return this.current.http(req);
  }
  call(op: string, args: unknown): unknown {
    return this.current.call(op, args);
  }
  now(): number {
    return this.current.now();
  }
  random(max: number): number {
    return this.current.random(max);
  }
  seed(): number[] {
    return this.current.seed();
  }
  log(level: "debug" | "info" | "warn" | "error", message: string): void {
    this.current.log(level, message);
  }
  env(name: string): string | undefined {
    return this.current.env(name);
  }
  secret(name: string): string | undefined {
    return this.current.secret(name);
  }
}

function buildRequest(step: StepItem, index: number, data: Record<string, unknown> | undefined, raw: unknown, channel: string | undefined, nowMs: number | undefined): BotRequest {
  let req: BotRequest;
  switch (step.kind) {
    case "q":
      req = { query: step.text };
      break;
    case "event":
      req = { event: step.name, ...(step.data ? { data: step.data } : {}) };
      break;
    case "request":
      req = structuredClone(step.request);
      break;
    case "timeout":
      req = { timeout: true };
      break;
    case "yookassa":
      throw new Error("a <yookassa> step is turned into its payment events by the case runner");
  }
  // <requestData> is the base; data the step itself carries wins field by field.
  if (data) req.data = { ...structuredClone(data), ...req.data };
  if (raw !== undefined && req.rawRequest === undefined) req.rawRequest = structuredClone(raw);
  // The pay dialog's return gets the webhook's eventData mapping (seed form eventData[0] included).
  if (req.event === PAY_DIALOG_FINISHED && req.data) req.data = { ...req.data, eventData: payDialogEventData(req.data.eventData) };
  // --channel: a <request> naming its own channelType keeps it, and the channel's shape then is the test's to give.
  if (channel && req.channelType === undefined) req = asChannel(req, channel, { user: "test-user", seq: index, nowMs });
  req.channelUserId ??= "test-user";
  req.questionId ??= String(index);
  return req;
}

function applySetup(item: CaseItem, state: UserState, host: CaseHost): UserState {
  switch (item.kind) {
    case "state":
      return { ...state, contextPath: item.path, session: { ...state.session, contextPath: item.path } };
    case "context":
      // Shallow merge: keys from the JSON replace same-named keys, the rest stays.
      return item.target === "session" ? { ...state, session: { ...state.session, ...structuredClone(item.value) } } : { ...state, client: { ...state.client, ...structuredClone(item.value) } };
    case "dateTime":
      host.nowMs = item.ms;
      return state;
    case "random":
      host.randomQueue = [...item.values];
      return state;
    case "mockData":
      host.mock.add(item.mock);
      return state;
  }
  return state;
}

function logsOf(host: CaseHost, last: StepOutcome | undefined): { logs?: string[] } {
  const logs = [...host.logs];
  // A script error the engine recovered from explains most surprising replies.
  if (last?.result.error) logs.push(`turn error (${last.result.error.kind}): ${last.result.error.message}`);
  return logs.length ? { logs } : {};
}

/**
 * Runs one case. `services` is the engine's SwitchingHost; the case installs its own CaseHost in it.
 * A case that fails at a step runs once more, deterministically (its own clock, random queue and
 * mocks), with that step explained: the failure then says which state won and why. Passing cases
 * pay nothing for it.
 */
export function runCase(engine: Engine, services: SwitchingHost, file: TestFile, tc: TestCase, opts: CaseOptions = {}): CaseResult {
  const result = runCaseOnce(engine, services, file, tc, opts);
  const f = result.failure;
  if (!f?.step || (tc.integration && opts.integration === true)) return result;
  const capture: { step: number; explanation?: TurnExplanation } = { step: f.step.index };
  try {
    const again = runCaseOnce(engine, services, file, tc, opts, capture);
    if (capture.explanation && again.failure?.line === f.line) f.explanation = capture.explanation;
  } catch {
    // only an explanation: the failure stands as it is
  }
  return result;
}

function runCaseOnce(engine: Engine, services: SwitchingHost, file: TestFile, tc: TestCase, opts: CaseOptions, explain?: { step: number; explanation?: TurnExplanation }): CaseResult {
  const started = performance.now();
  const base = { file: file.file, id: tc.id, line: tc.line };
  const walked = opts.coverage ? new Walk() : undefined;
  let release = () => {};
  let liveCalls = 0; // HTTP calls without a mock, answered as failed requests
  const liveUrls = new Set<string>(); // "METHOD host/path" of those calls, without the query: which service the case needs
  let intentTurns = 0; // turns an intent trigger decided
  // the first intent-only state an <a> of the case expects, reached or not (intent-cases.ts)
  const intentExpected = opts.project ? expectedIntentOf(intentIndex(opts.project), tc.steps) : undefined;
  const intentOf = (): Pick<CaseResult, "intent"> => (intentTurns > 0 || intentExpected ? { intent: { turns: intentTurns, ...(intentExpected ? { expected: intentExpected } : {}) } } : {});
  const done = (r: Pick<CaseResult, "status" | "reason" | "failure">): CaseResult => (release(), { ...base, ...r, durationMs: performance.now() - started, ...(walked ? { coverage: walked.result() } : {}), ...intentOf(), ...(liveCalls > 0 ? { unmockedCalls: liveCalls, unmockedUrls: [...liveUrls] } : {}) });
  // Without --integration an integration case still runs, offline, against its <mockData>: most
  // mock every call. A call it did not mock then fails the step, naming the live service it needs.
  const live = tc.integration && opts.integration === true;
  if (live && !opts.realHttp) return done({ status: "skipped", reason: "integration test: real HTTP is not available in this runner" });
  if (tc.errors.length > 0) {
    const e = tc.errors[0]!;
    return done({ status: "failed", failure: { file: file.file, line: e.line, message: e.message } });
  }

  const host = new CaseHost(file.mocks, live ? opts.realHttp : undefined, opts.env, opts.paymentEnv);
  release = () => host.yookassa.close();
  services.current = host;
  let state = emptyUserState();
  let pendingData: Record<string, unknown> | undefined;
  let pendingRaw: unknown;
  let last: StepOutcome | undefined;
  let lastRef: StepRef | undefined;
  let stepIndex = 0;
  const testContext = { testId: tc.id, file: file.file };

  const fail = (line: number, message: string, extra: Partial<Failure> = {}): CaseResult =>
    done({
      status: "failed",
      failure: {
        file: file.file,
        line,
        message,
        ...(lastRef ? { step: lastRef } : {}),
        ...(last ? { replies: last.result.replies } : {}),
        ...logsOf(host, last),
        ...extra,
      },
    });
  // --strict: the step's checks are done (next step or end of case); a script error still fails it.
  const scriptError = (): CaseResult | undefined => {
    const error = last?.result.error;
    if (!opts.strict || !error || !lastRef) return undefined;
    const where = error.pos ? `${error.pos.file}:${error.pos.line}:${error.pos.col}: ` : "";
    return fail(lastRef.line, `step ${lastRef.index} had a ${error.kind} error (--strict): ${where}${error.message}`, { actual: { error: error.message } });
  };
  const leftover = (): CaseResult | undefined => {
    const failed = scriptError();
    if (failed) return failed;
    if (opts.lenient || !last || !lastRef) return undefined;
    const rest = unconsumedTexts(last);
    if (rest.length === 0) return undefined;
    const texts = rest.map((r) => JSON.stringify(normaliseText(String(r.text ?? ""))));
    return fail(lastRef.line, `step ${lastRef.index} has ${rest.length} unchecked text ${rest.length === 1 ? "reply" : "replies"}: ${texts.join(", ")} (add <a> for each, or run with --lenient)`, {
      actual: { text: normaliseText(String(rest[0]!.text ?? "")), state: rest[0]!.state ?? null },
    });
  };

  for (const item of tc.steps) {
    if (isStep(item)) {
      const unchecked = leftover();
      if (unchecked) return unchecked;
      stepIndex++;
      lastRef = { index: stepIndex, element: item.source, line: item.line };
      last = undefined;
      host.logs = [];
      // A payment event is a turn of its own, as `serve` delivers it after the turn that caused it.
      const eventTurn = (e: { name: string; payload: Record<string, unknown> }): BotRequest => buildRequest({ ...item, kind: "event", name: e.name, data: { eventData: e.payload } }, stepIndex, undefined, undefined, opts.channel, host.now());
      let requests: BotRequest[];
      if (item.kind === "yookassa") {
        try {
          requests = host.yookassa.act(item.action, item.orderId).map(eventTurn);
        } catch (e) {
          return fail(item.line, `${item.source}: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        requests = [buildRequest(item, stepIndex, pendingData, pendingRaw, opts.channel, host.now())];
        // <requestData> applies to the next request only; <rawRequest> is the channel's raw request
        // and stays for the rest of the case until the next <rawRequest> (docs/testing.md).
        pendingData = undefined;
      }
      try {
        const explainThis = explain?.step === stepIndex;
        const replies: TurnResult["replies"] = [];
        for (let turn = 0; turn < requests.length && turn < 20; turn++) {
          const result = engine.process(requests[turn]!, state, { testContext: { ...testContext, step: stepIndex }, ...(explainThis && turn === 0 ? { explain: true } : {}) });
          if (explainThis && turn === 0) explain!.explanation = result.explanation;
          walked?.turn(state.contextPath ?? "/", result);
          const rule = result.nlu?.selected?.ruleType;
          if (rule === "intent" || rule === "intentGroup") intentTurns++;
          replies.push(...result.replies);
          last = { result: { ...result, replies: [...replies] }, cursor: 0 };
          state = result.state;
          // Events the turn's own $yookassa calls raised (a charge, a capture, a refund) follow as turns.
          requests.push(...host.yookassa.takeEvents().map(eventTurn));
        }
      } catch (e) {
        return fail(item.line, `the engine failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      const unmocked = host.mock.takeUnmocked();
      liveCalls += unmocked.length;
      for (const u of unmocked) liveUrls.add(u.replace(/^No mock for /, "").replace(/[?#].*$/, ""));
      const unmockedFails = opts.unmockedFail || (tc.integration && !opts.unmockedOk);
      if (unmocked.length > 0 && !live && unmockedFails) {
        const hint = tc.integration ? " (an integration test: it needs the live service; run with --integration)" : "";
        return fail(item.line, unmocked.join("; ") + hint, { actual: { unmockedCalls: unmocked.map((u) => u.replace(/^No mock for /, "")) } });
      }
    } else if (item.kind === "requestData") {
      pendingData = { ...pendingData, ...item.data };
    } else if (item.kind === "rawRequest") {
      pendingRaw = item.raw;
    } else if (item.kind === "a" || item.kind === "responseData" || item.kind === "timeoutReply" || item.kind === "newSession" || item.kind === "mail") {
      if (!last) return fail(item.line, lastRef?.element.startsWith("<yookassa") ? `${item.source}: ${lastRef.element} raised no payment event to answer (an abandoned link changes nothing until it expires)` : `${item.source} comes before any request step`);
      const f = checkAssertion(item, last);
      if (f) return fail(item.line, f.message, { ...(f.expected ? { expected: f.expected } : {}), ...(f.actual ? { actual: f.actual } : {}) });
    } else {
      state = applySetup(item, state, host);
    }
  }
  return leftover() ?? done({ status: "passed" });
}

/** The states and moves of one case, in first-seen order. */
class Walk {
  private readonly states = new Set<string>();
  private readonly moves = new Map<string, [string, string]>();

  /** One turn from context `from`: each state entered, each move between them, and where the context went. */
  turn(from: string, result: TurnResult): void {
    const executed = result.executed ?? [];
    let at = from;
    for (const s of executed) {
      this.states.add(s);
      this.move(at, s);
      at = s;
    }
    // A deferred transition (`go:`) moves the context without entering the state this turn.
    const next = result.state.contextPath;
    if (next && next !== at && next !== from) this.move(at, next);
  }

  private move(from: string, to: string): void {
    const key = `${from}\n${to}`;
    if (!this.moves.has(key)) this.moves.set(key, [from, to]);
  }

  result(): CaseCoverage {
    return { states: [...this.states], transitions: [...this.moves.values()] };
  }
}
