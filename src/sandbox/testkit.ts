// Helpers to build a script host around a hand-made project and recording fake services (tests).
import type { HostServices, HttpRequest, HttpResponse } from "../engine/types.js";
import type { LoadItem, Project } from "../project/model.js";
import type { SourcePos } from "../dsl/ast.js";
import { createScriptHost, type ScriptHostOptions } from "./host.js";
import { ScriptError, type ScriptHost, type TurnScope } from "./types.js";

export const pos = (line = 1, file = "main.sc"): SourcePos => ({ file, line, col: 1 });

export function makeProject(loadItems: LoadItem[] = [], extra: Partial<Project> = {}): Project {
  return {
    dir: "/project",
    srcDir: "/project/src",
    config: { entryPoint: ["main.sc"] },
    diagnostics: [],
    states: new Map(),
    triggers: [],
    namedPatterns: new Map(),
    dictionaries: new Map(),
    loadItems,
    injector: {},
    preload: [],
    files: [],
    testFiles: [],
    ...extra,
  };
}

export interface FakeServices extends HostServices {
  requests: HttpRequest[];
  calls: { op: string; args: unknown }[];
  logs: { level: string; message: string }[];
  time: number;
  randoms: number[];
  respond: (req: HttpRequest) => HttpResponse;
}

export function fakeServices(over: Partial<FakeServices> = {}): FakeServices {
  const s: FakeServices = {
    requests: [],
    calls: [],
    logs: [],
    time: Date.UTC(2024, 0, 15, 9, 30, 0),
    randoms: [],
    respond: () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: "{}" }),
    http(req) {
      s.requests.push(req);
      return s.respond(req);
    },
    call(op, args) {
      s.calls.push({ op, args });
      return { op, echo: args };
    },
    now: () => s.time,
    random: (max) => (s.randoms.length ? s.randoms.shift()! : max - 1),
    seed: () => [1, 2, 3, 4],
    log(level, message) {
      s.logs.push({ level, message });
    },
    env: (name) => (name === "HOME_URL" ? "https://home" : undefined),
    secret: (name) => (name === "token" ? "s3cret" : undefined),
    ...over,
  };
  return s;
}

/** A host with a turn already begun at state `/Start`. */
export function hostWith(
  loadItems: LoadItem[] = [],
  opts: { project?: Partial<Project>; services?: FakeServices; scope?: Partial<TurnScope>; host?: ScriptHostOptions } = {},
): { host: ScriptHost; services: FakeServices; run: (code: string, es6?: boolean) => void } {
  const services = opts.services ?? fakeServices();
  const host = createScriptHost(makeProject(loadItems, opts.project), services, opts.host);
  host.beginTurn({ request: { query: "hello", data: {} }, session: {}, client: {}, contextPath: "/", ...opts.scope } as TurnScope);
  host.setContext("currentState", "/Start");
  let line = 100;
  const run = (code: string, es6 = false) => host.runScript(code, { es6, pos: pos(line++) });
  return { host, services, run };
}

/** The scope of a turn by `user`: a client secret of their own, so a leak into another user's turn shows. */
export function userScope(user: string, session: Record<string, unknown> = {}): TurnScope {
  return { request: { query: "q", channelUserId: user, data: {} }, session, client: { secret: `secret-of-${user}` }, contextPath: "/" } as TurnScope;
}

let scriptLine = 1;
/** A position on a line no script of this test file used before: each script is compiled as its own. */
export const nextPos = (): SourcePos => pos(scriptLine++);

/** One turn of `user` at state `/Start` that runs `code` and returns the session it ends with. */
export function scriptTurn(host: ScriptHost, user: string, code: string): Record<string, unknown> {
  host.beginTurn(userScope(user));
  host.setContext("currentState", "/Start");
  host.runScript(code, { es6: false, pos: nextPos() });
  return host.endTurn().session;
}

/** The ScriptError `fn` throws; when it throws something else that is rethrown, and returning fails. */
export function scriptErrorOf(fn: () => unknown): ScriptError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScriptError) return e;
    throw e;
  }
  throw new Error("expected a ScriptError");
}
