// createScriptHost: one realm per loaded project with the platform modules and the project's
// load items evaluated once; then the ScriptHost calls the dialog engine makes every turn.
import type { SourcePos } from "../dsl/ast.js";
import type { HostServices, HttpRequest, Reply } from "../engine/types.js";
import type { Project } from "../project/model.js";
import type { ParseNode } from "../patterns/types.js";
import { BUILTIN_MODULES, LIBRARY_FILES, OPTIONAL_MODULES, platformScript } from "./platform.js";
import { Realm, type HostFn } from "./realm.js";
import { isTurnDataExpr, isTurnDataTemplate, moduleToFunctionBody, usesAwait, usesDynamicImport } from "./source.js";
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
    this.realm.call("loaded", [], { timed: false, check: true });
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
    this.realm.takeBaseline();
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

  // ---- CPU-limit policy (docs/sandbox.md, "CPU limit and its cost") ----
  // User code always runs under the vm timeout. Everything else touches only the turn's JSON data
  // and runs untimed while that is provably free of user code: no user code ran in this turn yet
  // (`dirty`) and no builtin was changed (`realm.polluted`, re-checked once per turn that ran user code).
  // Otherwise those calls are timed too. Ops nobody waits for are queued and ride along with the
  // next call (one runInContext instead of several).
  private dirty = false;
  private pendingRisky = false; // an op was queued while the turn was not clean
  private unchecked = false; // user code ran since the builtins were last checked

  private get clean(): boolean {
    return !this.strict && !this.dirty && !this.realm.polluted;
  }

  /** A call that may run user code: timed; the turn is no longer clean and the builtins need a check. */
  private user(op: string, args: unknown[], pos?: SourcePos, fn?: unknown): unknown {
    this.dirty = true;
    this.unchecked = true;
    this.pendingRisky = false;
    return this.realm.call(op, args, { timed: true, ...(pos ? { pos } : {}), ...(fn !== undefined ? { fn } : {}) });
  }

  /**
   * A bookkeeping call that reads or writes turn data; `safe` = it is free of user code in a clean
   * turn. Timed calls may run user code (getters…) too, so the builtins stay unchecked after them.
   */
  private book(op: string, args: unknown[], safe = true, pos?: SourcePos): unknown {
    const timed = !(safe && this.clean) || this.pendingRisky;
    this.pendingRisky = false;
    if (timed) this.unchecked = true;
    return this.realm.call(op, args, { timed, ...(pos ? { pos } : {}) });
  }

  /** A bookkeeping op without a result: queued for the next call. */
  private later(op: string, args: unknown[]): void {
    if (!this.clean) this.pendingRisky = true;
    this.realm.queue(op, args);
  }

  // ---- turn scope ----
  beginTurn(scope: TurnScope): void {
    this.dirty = false;
    if (this.unchecked) this.checkBuiltins();
    // A fresh turn from JSON: user code can run only through changed builtins.
    if (this.realm.polluted || this.strict) this.book("begin", [scope]);
    else this.later("begin", [scope]);
  }

  endTurn(): TurnSnapshot {
    if (!this.unchecked) return this.book("end", []) as TurnSnapshot;
    // The builtins are checked once per turn in which user code ran, inside the last (timed) call.
    this.unchecked = false;
    this.pendingRisky = false;
    return this.realm.call("end", [], { timed: true, check: true }) as TurnSnapshot;
  }

  /** Whether user code changed a builtin (the check itself runs no user code). */
  private checkBuiltins(): void {
    this.unchecked = false;
    this.realm.polluted = this.realm.call("integrity", [], { timed: false, flush: false }) !== true;
  }

  setContext(field: string, value: unknown): void {
    this.later("setCtx", [field, value ?? null]);
  }

  getContext(field: string): unknown {
    return this.book("getCtx", [field], field !== "injector");
  }

  getTemp(key: string): unknown {
    return this.book("getTemp", [key]);
  }

  setTemp(key: string, value: unknown): void {
    this.later("setTemp", [key, value ?? null]);
  }

  getRequestQuery(): string | undefined {
    return (this.book("query", []) as string | null | undefined) ?? undefined;
  }

  // ---- code ----
  runScript(code: string, opts: { es6: boolean; pos: SourcePos }): void {
    const { id, async } = this.compiled(code, opts.es6 || this.forceEs6, opts.pos);
    if (!async) {
      this.user("run", [id], opts.pos);
      return;
    }
    // Microtasks drain at the end of the timed call, so a promise settled by sync host calls completes within it.
    this.user("runAsync", [id], opts.pos);
    // The rejection value is user data (its getters run while it is described).
    const state = this.user("take", [], opts.pos);
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
      // Calling the compiled wrapper only creates the async function; timed like user code all the same.
      this.realm.call("reg", [id, true], { timed: true, pos, fn: outer });
      this.pendingRisky = false;
    } else {
      const fn = this.realm.compileFunction(code, pos.file, pos.line - 1, pos);
      this.realm.call("reg", [id, false], { timed: !this.clean || this.pendingRisky, pos, fn });
      this.pendingRisky = false;
    }
    const entry = { id, async };
    this.scriptIds.set(key, entry);
    return entry;
  }

  test(expr: string, pos: SourcePos): boolean {
    this.guardImport(expr, pos);
    if (!this.strict && isTurnDataExpr(expr)) return this.book("test", [expr], true, pos) === true;
    return this.user("test", [expr], pos) === true;
  }

  render(template: string, pos: SourcePos): string {
    if (!template.includes("{{")) return template;
    this.guardImport(template, pos);
    if (!this.strict && isTurnDataTemplate(template)) return String(this.book("render", [template], true, pos));
    return String(this.user("render", [template], pos));
  }

  runHandler(id: number): void {
    this.user("handler", [id]);
  }

  runConverter(converter: string, node: ParseNode): unknown {
    this.guardImport(converter);
    return this.user("convert", [converter, node]);
  }

  // ---- replies and transitions ----
  addReply(reply: Reply): void {
    this.later("addReply", [reply]);
  }

  stampReplies(state: string): void {
    this.later("stamp", [state]);
  }

  takeTransition(): { value: string; deferred: boolean } | null {
    // Reads only the core's private turn record ({value: string, deferred: boolean}) and serialises it
    // by hand: no user code, even after scripts changed builtins. Queued ops stay queued.
    if (this.strict) return (this.book("takeTransition", [], false) as { value: string; deferred: boolean } | null) ?? null;
    return (this.realm.call("takeTransitionRaw", [], { timed: false, flush: false }) as { value: string; deferred: boolean } | null) ?? null;
  }
}
