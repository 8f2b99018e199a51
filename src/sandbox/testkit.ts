// Helpers to build a script host around a hand-made project and recording fake services (tests).
import type { HostServices, HttpRequest, HttpResponse } from "../engine/types.js";
import type { LoadItem, Project } from "../project/model.js";
import type { SourcePos } from "../dsl/ast.js";
import { createScriptHost, type ScriptHostOptions } from "./host.js";
import type { ScriptHost, TurnScope } from "./types.js";

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
