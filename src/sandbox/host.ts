// createScriptHost: one realm per loaded project with the platform modules and the project's
// load items evaluated once; then the ScriptHost calls the dialog engine makes every turn.
import type { SourcePos } from "../dsl/ast.js";
import type { HostServices, HttpRequest, Reply } from "../engine/types.js";
import type { Project } from "../project/model.js";
import type { ParseNode } from "../patterns/types.js";
import { BUILTIN_MODULES, LIBRARY_FILES, OPTIONAL_MODULES, platformScript } from "./platform.js";
import { Realm, type HostFn } from "./realm.js";
import { isTrivialExpr, isTrivialTemplate, moduleToFunctionBody, usesAwait, usesDynamicImport } from "./source.js";
import { parseXml } from "./xml.js";
import { ScriptError, type BoundHandler, type ScriptHost, type TurnScope, type TurnSnapshot } from "./types.js";

export interface ScriptHostOptions {
  /** CPU limit per script call in ms (default 1000). */
  cpuMs?: number;
  /** Run every call under the vm timeout, also trivial conditions/templates and bookkeeping (slower). */
  strictCpu?: boolean;
}

const HTTP_TIMEOUT_CAP_MS = 25_000;
const LOAD_POS = (file: string): SourcePos => ({ file, line: 1, col: 1 });

/** The host side of the realm's host calls. Never throws: errors travel back as {e}. */
function makeHostFn(services: HostServices): HostFn {
  const ops: Record<string, (a: any) => unknown> = {
    http: (req: HttpRequest) => services.http(normaliseHttp(req)),
    call: (a: { op: string; args: unknown }) => services.call(String(a.op), a.args),
    now: () => services.now(),
    random: (max: number) => services.random(Math.max(1, Math.floor(Number(max) || 1))),
    log: (a: { level: string; message: string }) => {
      const level = ["debug", "info", "warn", "error"].includes(a.level) ? (a.level as "info") : "info";
      services.log(level, String(a.message));
    },
    env: (name: string) => services.env(name),
    secret: (name: string) => services.secret(name),
    parseXml: (text: string) => parseXml(text),
  };
  return (op, json) => {
    try {
      const fn = ops[op];
      if (!fn) return JSON.stringify({ e: `unknown host call ${op}` });
      const v = fn(JSON.parse(json));
      return JSON.stringify({ v }) ?? "{}";
    } catch (e) {
      return JSON.stringify({ e: e instanceof Error ? e.message : String(e) });
    }
  };
}

function normaliseHttp(req: HttpRequest): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k] = String(v);
  const timeoutMs = Math.min(HTTP_TIMEOUT_CAP_MS, Math.max(1, Number(req.timeoutMs) || HTTP_TIMEOUT_CAP_MS));
  const out: HttpRequest = { method: String(req.method || "GET").toUpperCase(), url: String(req.url), headers, timeoutMs };
  if (req.body !== undefined && req.body !== null) out.body = String(req.body);
  if (req.dataType) out.dataType = req.dataType;
  return out;
}

export function createScriptHost(project: Project, services: HostServices, opts: ScriptHostOptions = {}): ScriptHost {
  return new RealmScriptHost(project, services, opts);
}

class RealmScriptHost implements ScriptHost {
  handlers: readonly BoundHandler[] = [];
  private readonly realm: Realm;
  private readonly strict: boolean;
  private readonly forceEs6: boolean;
  private readonly scriptIds = new Map<string, { id: number; async: boolean }>();
  private nextScriptId = 0;

  constructor(
    project: Project,
    private readonly services: HostServices,
    opts: ScriptHostOptions,
  ) {
    this.realm = new Realm(makeHostFn(services), opts.cpuMs ?? 1000);
    this.strict = opts.strictCpu === true;
    this.forceEs6 = project.config?.scriptRuntime?.forceEs6 === true;
    this.loadPlatform(project);
    this.loadProject(project);
    this.realm.call("loaded", [], { timed: false });
    this.handlers = this.realm.call("handlers", [], { timed: false }) as BoundHandler[];
  }

  private loadPlatform(project: Project): void {
    for (const lib of LIBRARY_FILES) this.realm.runScript(platformScript(lib), { timed: false });
    this.realm.runScript(platformScript("moment-reset"), { timed: false });
    this.realm.call("injector", [project.injector ?? {}], { timed: false });
    const modules = [...BUILTIN_MODULES];
    for (const entry of project.preload ?? []) {
      const base = entry.split("/").pop() ?? "";
      const mod = OPTIONAL_MODULES[base];
      if (mod && !modules.includes(mod)) modules.push(mod);
    }
    for (const mod of modules) this.realm.runScript(platformScript(mod), { timed: false, pos: LOAD_POS(mod) });
    this.realm.runScript(platformScript("seal"), { timed: false });
  }

  private loadProject(project: Project): void {
    for (const item of project.loadItems) {
      this.realm.userFiles.add(item.pos.file);
      if (item.kind === "data") {
        this.realm.call("data", [item.varName, item.data], { timed: false, pos: item.pos });
      } else if (item.kind === "script") {
        this.guardImport(item.code, item.pos);
        const script = this.realm.compileScript(item.code, item.pos.file, item.pos.line - 1, item.pos);
        this.realm.runScript(script, { timed: true, pos: item.pos });
      } else {
        this.guardImport(item.code, item.pos);
        const fn = this.realm.compileFunction(moduleToFunctionBody(item.code), item.pos.file, item.pos.line - 2, item.pos);
        this.realm.call("module", [item.name ?? null], { timed: true, pos: item.pos, fn });
      }
    }
  }

  private guardImport(code: string, pos?: SourcePos): void {
    if (usesDynamicImport(code)) throw new ScriptError("import() is not available in scripts", pos);
  }

  // ---- turn scope ----
  beginTurn(scope: TurnScope): void {
    this.realm.call("begin", [scope], { timed: false });
  }

  endTurn(): TurnSnapshot {
    return this.realm.call("end", [], { timed: true }) as TurnSnapshot;
  }

  setContext(field: string, value: unknown): void {
    this.realm.call("setCtx", [field, value ?? null], { timed: false });
  }

  getContext(field: string): unknown {
    return this.realm.call("getCtx", [field], { timed: this.strict });
  }

  getTemp(key: string): unknown {
    return this.realm.call("getTemp", [key], { timed: this.strict });
  }

  setTemp(key: string, value: unknown): void {
    this.realm.call("setTemp", [key, value ?? null], { timed: false });
  }

  getRequestQuery(): string | undefined {
    return (this.realm.call("query", [], { timed: this.strict }) as string | null | undefined) ?? undefined;
  }

  // ---- code ----
  runScript(code: string, opts: { es6: boolean; pos: SourcePos }): void {
    const { id, async } = this.compiled(code, opts.es6 || this.forceEs6, opts.pos);
    if (!async) {
      this.realm.call("run", [id], { timed: true, pos: opts.pos });
      return;
    }
    // Microtasks drain at the end of the timed call, so a promise settled by sync host calls completes within it.
    this.realm.call("runAsync", [id], { timed: true, pos: opts.pos });
    const state = this.realm.call("take", [], { timed: false, pos: opts.pos });
    if (state === "pending") this.services.log("warn", `${opts.pos.file}:${opts.pos.line}: scriptEs6 awaits a promise that did not settle within the turn`);
  }

  private compiled(code: string, es6: boolean, pos: SourcePos): { id: number; async: boolean } {
    const key = `${pos.file}:${pos.line}:${pos.col}:${es6 ? 1 : 0}\n${code}`;
    const known = this.scriptIds.get(key);
    if (known) return known;
    this.guardImport(code, pos);
    this.realm.userFiles.add(pos.file);
    const async = es6 && usesAwait(code);
    const id = this.nextScriptId++;
    if (async) {
      const outer = this.realm.compileFunction(`return async function () {\n${code}\n};`, pos.file, pos.line - 2, pos);
      this.realm.call("reg", [id, true], { timed: true, pos, fn: outer });
    } else {
      const fn = this.realm.compileFunction(code, pos.file, pos.line - 1, pos);
      this.realm.call("reg", [id, false], { timed: false, pos, fn });
    }
    const entry = { id, async };
    this.scriptIds.set(key, entry);
    return entry;
  }

  test(expr: string, pos: SourcePos): boolean {
    this.guardImport(expr, pos);
    return this.realm.call("test", [expr], { timed: this.strict || !isTrivialExpr(expr), pos }) === true;
  }

  render(template: string, pos: SourcePos): string {
    if (!template.includes("{{")) return template;
    this.guardImport(template, pos);
    return String(this.realm.call("render", [template], { timed: this.strict || !isTrivialTemplate(template), pos }));
  }

  runHandler(id: number): void {
    this.realm.call("handler", [id], { timed: true });
  }

  runConverter(converter: string, node: ParseNode): unknown {
    this.guardImport(converter);
    return this.realm.call("convert", [converter, node], { timed: true });
  }

  // ---- replies and transitions ----
  addReply(reply: Reply): void {
    this.realm.call("addReply", [reply], { timed: false });
  }

  stampReplies(state: string): void {
    this.realm.call("stamp", [state], { timed: this.strict });
  }

  takeTransition(): { value: string; deferred: boolean } | null {
    return (this.realm.call("takeTransition", [], { timed: false }) as { value: string; deferred: boolean } | null) ?? null;
  }
}
