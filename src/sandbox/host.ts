// createScriptHost: one isolate per loaded project; a context with the platform modules and the
// project's load items serves turns until one runs user code, then a fresh one takes over
// (docs/sandbox.md, "Per-turn state"). The ScriptHost calls the dialog engine makes every turn.
import { randomBytes } from "node:crypto";
import type { SourcePos } from "../dsl/ast.js";
import type { HostServices, HttpRequest, Reply } from "../engine/types.js";
import type { Project } from "../project/model.js";
import type { ParseNode } from "../patterns/types.js";
import type ivm from "isolated-vm";
import { BUILTIN_MODULES, OPTIONAL_MODULES } from "./platform.js";
import { DEFAULT_MAX_OUT_CHARS, Realm, ScriptIsolate, type HostFn } from "./realm.js";
import { TurnDataRules, usesAwait, type ContextNames } from "./source.js";
import { rewriteJavaExpression, rewriteJavaIdioms, rewriteJavaTemplate } from "./java-idioms.js";
import { parseXml } from "./xml.js";
import { ES6_MODULE, es6Items, usesEs6 } from "./modules-plan.js";
import { ContextModules } from "./modules.js";
import { TurnEvaluator, type TurnCode, type TurnRootName, type TurnRoots } from "./turn-eval.js";
import { jsonClone } from "../util/json-clone.js";
import { ScriptError, type BoundHandler, type ScriptHost, type TurnScope, type TurnSnapshot } from "./types.js";

export interface ScriptHostOptions {
  /** CPU limit per script call in ms, time blocked in host calls not counted (default 1000). */
  cpuMs?: number;
  /** Memory limit of the project's isolate in MB, ArrayBuffers included (default 128). */
  memoryMb?: number;
  /** Longest JSON string a context hands out, in characters (default DEFAULT_MAX_OUT_CHARS, src/sandbox/realm.ts). */
  maxOutChars?: number;
  /** CPU limit of evaluating the project's ES6 modules when a context is built (default 10 s). */
  moduleLoadMs?: number;
  /**
   * Called before a call that runs user code (which retires the context); may throw to refuse it.
   * The main thread's inline engine uses it to hand such turns to a worker (src/runtime/inline.ts).
   */
  beforeUserCode?: () => void;
  /**
   * Evaluate turn-data code on the host while a turn has not entered the isolate (default true;
   * docs/sandbox.md, "Turn data on the host"). False: every script, condition and template runs in
   * the isolate, as the differential tests compare.
   */
  turnDataOnHost?: boolean;
}

const HTTP_TIMEOUT_CAP_MS = 25_000;
/** A context build starts a new isolate when the heap of the current one is over this part of the limit. */
const RECYCLE_HEAP_FRACTION = 0.5;
/** Timers an awaited scriptEs6 block may fire before it is given up as never settling. */
const MAX_TIMER_STEPS = 1000;

/** Context fields whose values enter the isolate only when code reads them (ScriptHost.entryOf). */
const LAZY_CTX: ReadonlySet<string> = new Set(["nluResults", "nBest"]);

/** The host side of the realm's host calls. Never throws: errors travel back as {e}. */
function makeHostFn(services: HostServices): HostFn {
  const ops: Record<string, (a: any) => unknown> = {
    http: (req: HttpRequest) => services.http(normaliseHttp(req)),
    call: (a: { op: string; args: unknown }) => services.call(String(a.op), a.args),
    now: () => services.now(),
    random: (max: number) => services.random(Math.max(1, Math.floor(Number(max) || 1))),
    // The seed of the realm's Math.random: a turn's from the services (which may replay it); load code's fresh.
    seed: (inTurn: boolean) => (inTurn === true ? services.seed() : freshSeed()),
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

/** 128 bits for the realm's Math.random, as four unsigned 32-bit words (HostServices.seed). */
export function freshSeed(): number[] {
  const bytes = randomBytes(16);
  return [0, 4, 8, 12].map((at) => bytes.readUInt32LE(at));
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

/** A script of the project compiled in the current isolate; registered lazily in each context. */
interface CompiledScript {
  id: number;
  async: boolean;
  /** Only turn-data statements (isTurnDataScript): running it does not retire the context. */
  turnData: boolean;
  script: ivm.Script;
}

class RealmScriptHost implements ScriptHost {
  readonly handlers: readonly BoundHandler[];
  private readonly hostFn: HostFn;
  private readonly cpuMs: number;
  private readonly memoryMb: number;
  private readonly maxOutChars: number | undefined;
  private readonly moduleLoadMs: number | undefined;
  private readonly beforeUserCode: (() => void) | undefined;
  private readonly forceEs6: boolean;
  /** The project uses the ES6 runtime: its contexts get jsapi/es6.js (fetch, timers, atob…). */
  private readonly es6: boolean;
  private readonly userFiles = new Set<string>();
  private iso: ScriptIsolate;
  private realm: Realm;
  /** A fresh context built off the hot path, waiting for the next turn that needs one. */
  private spare: Realm | undefined;
  private prewarm: NodeJS.Immediate | undefined;
  /** User code ran in the current context: it serves no further turn. */
  private used = false;
  /** The isolate was disposed (memory limit) during this turn: the next call rebuilds it. */
  private lost = false;
  /**
   * This turn's bookkeeping ops, replayed into a new isolate after a memory kill: JSON `["op",…args]`
   * once sent, else the `[op,…args]` values, or a function that builds them (serialised, and built,
   * only if the turn enters the isolate: a turn that never does pays no JSON for its request, NLU
   * results and replies).
   */
  private turnOps: (string | unknown[] | (() => unknown[]))[] = [];
  /**
   * The turn's record kept on the host while no call of this turn needed the context: a turn of
   * patterns and plain `a:` texts never enters the isolate (docs/sandbox.md, "Per-turn state").
   * The first call that does sends the queued ops in front of it, and the record is dropped.
   */
  private record: TurnRecord | undefined;
  private readonly compiledScripts = new Map<string, CompiledScript>();
  private nextScriptId = 0;
  /** Which code is turn data, with the names this project's contexts inherit (read once, after load). */
  private readonly turnData: TurnDataRules;
  /**
   * Evaluates turn-data code on the host while the turn has not entered the isolate (docs/sandbox.md,
   * "Turn data on the host"); undefined when load code changed a conversion (then nothing is turn data).
   */
  private readonly evaluator: TurnEvaluator | undefined;
  /** Turn-data scripts the evaluator takes, per `es6` flag and source (null: the isolate runs it). */
  private readonly hostScripts = new Map<string, TurnCode | null>();

  constructor(
    private readonly project: Project,
    private readonly services: HostServices,
    opts: ScriptHostOptions,
  ) {
    const hostFn = makeHostFn(services);
    this.hostFn = (op, json) => (op === "turnValue" ? this.turnValue(json) : hostFn(op, json));
    this.cpuMs = opts.cpuMs ?? 1000;
    this.memoryMb = opts.memoryMb ?? 128;
    this.maxOutChars = opts.maxOutChars;
    this.moduleLoadMs = opts.moduleLoadMs;
    this.beforeUserCode = opts.beforeUserCode;
    this.forceEs6 = project.config?.scriptRuntime?.forceEs6 === true;
    this.es6 = this.forceEs6 || usesEs6(project);
    this.iso = new ScriptIsolate(this.memoryMb);
    try {
      this.realm = this.newRealm();
      this.handlers = this.realm.call("handlers", []) as BoundHandler[];
      const names = this.realm.call("turnDataNames", []) as ContextNames;
      this.turnData = new TurnDataRules(names);
      this.evaluator = names.conversions || opts.turnDataOnHost === false ? undefined : new TurnEvaluator({ own: names.own ?? {}, inherited: [...(names.shared ?? []), ...(names.loaded ?? [])], maxOutChars: this.maxOutChars ?? DEFAULT_MAX_OUT_CHARS });
    } catch (e) {
      this.iso.dispose();
      throw e;
    }
  }

  // ---- contexts ----

  /**
   * A context with the platform and the project's load items evaluated (compiled code is reused).
   * A build in an isolate that already served contexts starts a new isolate first when the heap is
   * over half the limit (retired contexts V8 has not freed), and once more when the build itself hit
   * the limit; a build that fails leaves the host's state as it was, so the next turn tries again.
   */
  private newRealm(): Realm {
    if (this.iso.contexts > 0 && this.iso.heapAbove(RECYCLE_HEAP_FRACTION)) this.iso.dispose();
    try {
      return this.buildRealm();
    } catch (e) {
      if (!(e instanceof ScriptError && e.limit === "memory") || this.iso.contexts <= 1) throw e;
      this.iso.dispose();
      return this.buildRealm();
    }
  }

  private buildRealm(): Realm {
    if (!this.iso.alive) {
      const { usedLibraries, readData } = this.iso;
      this.iso = new ScriptIsolate(this.memoryMb);
      for (const name of usedLibraries) this.iso.usedLibraries.add(name);
      for (const name of readData) this.iso.readData.add(name);
      this.compiledScripts.clear();
    }
    const realm = new Realm(this.iso, this.hostFn, this.cpuMs, this.userFiles, this.maxOutChars);
    try {
      this.loadPlatform(realm);
      this.loadProject(realm);
      if (this.iso.readData.size) realm.call("readData", [[...this.iso.readData]]);
      realm.call("loaded", []);
    } catch (e) {
      realm.release();
      throw e;
    }
    return realm;
  }

  private loadPlatform(realm: Realm): void {
    realm.call("injector", [this.project.injector ?? {}]);
    const modules = [...BUILTIN_MODULES];
    for (const entry of this.project.preload ?? []) {
      const base = entry.split("/").pop() ?? "";
      const mod = OPTIONAL_MODULES[base];
      if (mod && !modules.includes(mod)) modules.push(mod);
    }
    if (this.es6) modules.push(ES6_MODULE);
    for (const mod of modules) realm.runScript(this.iso.platform(mod), { file: mod, line: 1, col: 1 });
    realm.runScript(this.iso.platform("seal"));
    for (const name of this.iso.usedLibraries) realm.call("library", [name]);
  }

  private loadProject(realm: Realm): void {
    // ES modules are evaluated in one step each, in require order among the other load items.
    const plan = es6Items(this.project);
    const modules = plan ? new ContextModules(realm, this.iso, plan.graph, this.userFiles, this.moduleLoadMs) : undefined;
    this.project.loadItems.forEach((item, i) => {
      this.userFiles.add(item.pos.file);
      if (item.kind === "data") {
        const text = this.iso.sharedText(i, () => this.dataJson(i, item.data));
        realm.call("lazyData", [item.varName], { pos: item.pos, fn: text });
      } else if (item.kind === "script") {
        realm.runScript(this.iso.compile(`load:${i}`, this.loadCode(i, item), item.pos.file, item.pos.line - 1, item.pos, this.userFiles), item.pos);
      } else {
        modules!.load(plan!.items[i]!);
      }
    });
    modules?.done();
  }

  /** JSON of data load item `i`, serialised once per host (a new isolate copies it in again). */
  private readonly dataJsons = new Map<number, string>();
  private dataJson(i: number, data: unknown): string {
    let json = this.dataJsons.get(i);
    if (json === undefined) {
      json = JSON.stringify(data ?? null);
      this.dataJsons.set(i, json);
    }
    return json;
  }

  private hasData: boolean | undefined;

  /** Before a context is retired: the data globals its turns parsed are parsed up front from now on. */
  private noteDataRead(): void {
    this.hasData ??= this.project.loadItems.some((item) => item.kind === "data");
    if (!this.hasData || this.lost || !this.iso.alive || this.realm.iso !== this.iso) return;
    let names: unknown;
    try {
      names = this.realm.call("dataRead", []);
    } catch {
      return; // a context a turn broke (a CPU or memory limit): nothing to learn from it
    }
    if (typeof names === "string") for (const name of names.split("\n")) if (name) this.iso.readData.add(name);
  }

  /** Rewritten source of load item `i` (parsed once per host, not once per context). */
  private readonly loadCodes = new Map<number, string>();
  private loadCode(i: number, item: { code: string; es6: boolean }): string {
    let code = this.loadCodes.get(i);
    if (code === undefined) {
      code = item.es6 || this.forceEs6 ? item.code : rewriteJavaIdioms(item.code);
      this.loadCodes.set(i, code);
    }
    return code;
  }

  /** Expressions and templates with their Java-string calls rewritten (docs/dsl.md). */
  private readonly javaRewrites = new Map<string, string>();
  private javaRewrite(kind: "expr" | "template", src: string, rewrite: (s: string) => string): string {
    const key = kind + "\n" + src;
    let out = this.javaRewrites.get(key);
    if (out === undefined) {
      out = rewrite(src);
      if (this.javaRewrites.size > 5000) this.javaRewrites.clear();
      this.javaRewrites.set(key, out);
    }
    return out;
  }

  /** The context for the next call: after a memory kill, a new isolate with this turn's ops replayed. */
  private current(): Realm {
    if (this.lost) {
      this.spare = undefined; // it lived in the disposed isolate
      this.realm = this.newRealm(); // throws with `lost` still set: the next call tries again
      this.lost = false;
      this.sendTurnOps();
    } else if (this.record) {
      // What host evaluations changed goes in after the queued ops, as the state they left.
      this.turnOps.push(...this.record.replayOps());
      this.record = undefined;
      this.sendTurnOps();
    }
    return this.realm;
  }

  private call(op: string, args: unknown[], pos?: SourcePos, compiled?: CompiledScript): unknown {
    const realm = this.current();
    try {
      if (compiled) this.register(realm, compiled, pos);
      return realm.call(op, args, pos ? { pos } : {});
    } catch (e) {
      if (e instanceof ScriptError && e.limit === "memory") this.lost = true;
      throw e;
    }
  }

  /** Register a compiled script in this context (once per context). */
  private register(realm: Realm, compiled: CompiledScript, pos?: SourcePos): void {
    if (realm.registered.has(compiled.id)) return;
    const fn = realm.functionOf(compiled.script, pos);
    try {
      realm.call("reg", [compiled.id], { ...(pos ? { pos } : {}), fn });
    } finally {
      // The context holds the function now; a live host reference would keep it, and so the whole
      // context, from being collected once the context is retired.
      if (this.iso.alive) fn.release();
    }
    realm.registered.add(compiled.id);
  }

  /** A call that runs user code: the context is retired at the end of the turn. */
  private user(op: string, args: unknown[], pos?: SourcePos, compiled?: CompiledScript): unknown {
    this.beforeUserCode?.();
    this.used = true;
    return this.call(op, args, pos, compiled);
  }

  /**
   * An op without a result: queued for the next call (and kept for a replay). While the turn has
   * not entered the isolate it is kept as values: the engine hands over values it no longer
   * changes (ScriptHost), and they cross into the isolate only as JSON, when and if it is sent.
   */
  private later(op: [op: string, ...args: unknown[]]): void {
    if (this.record) {
      this.turnOps.push(op);
      return;
    }
    const entry = this.entryOf(op);
    // After a memory kill, current() replays turnOps into the new context: this entry goes after.
    const realm = this.current();
    this.turnOps.push(entry);
    realm.queueJson(entry);
  }

  /**
   * A queued op as JSON. The NLU results are held back (most code that enters the isolate never reads
   * them, and they were a third of the first call's ops): the op carries an index into `lazyValues`,
   * and the core fetches that value's JSON when code reads the member (jsapi/_core.js lazyCtx).
   */
  private entryOf(op: unknown[]): string {
    if (op[0] === "setCtx" && LAZY_CTX.has(op[1] as string) && op[2] !== null && typeof op[2] === "object") {
      return `["setCtx",${JSON.stringify(op[1])},0,${this.lazyValues.push(op[2]) - 1}]`;
    }
    return JSON.stringify(op);
  }

  private sendTurnOps(): void {
    for (let i = 0; i < this.turnOps.length; i++) {
      const op = this.turnOps[i]!;
      const entry = typeof op === "string" ? op : typeof op === "function" ? JSON.stringify(op()) : this.entryOf(op);
      this.turnOps[i] = entry;
      this.realm.queueJson(entry);
    }
  }

  /** Build the next fresh context once the current turn's reply is on its way. */
  private schedulePrewarm(): void {
    if (this.prewarm || this.spare) return;
    this.prewarm = setImmediate(() => {
      this.prewarm = undefined;
      if (this.spare || this.lost || !this.iso.alive) return;
      try {
        this.spare = this.newRealm();
      } catch {
        // The next turn builds its context itself and reports the error there.
      }
    });
    this.prewarm.unref();
  }

  /** The isolate's CPU clock when the last turn ended (pre-warming adds a few ms after it). */
  private cpuAtEnd = 0n;

  /**
   * Code that ran in the isolate between turns for longer than one call may (isolated-vm runs no
   * callbacks outside calls today; this keeps it that way): drop the isolate, which stops it.
   */
  dispose(): void {
    if (this.prewarm) clearImmediate(this.prewarm);
    this.prewarm = undefined;
    this.spare = undefined;
    this.iso.dispose();
  }

  private checkIdleCpu(): void {
    if (!this.iso.alive || this.cpuAtEnd === 0n) return;
    if (this.iso.isolate.cpuTime - this.cpuAtEnd <= BigInt(this.cpuMs) * 1_000_000n) return;
    this.services.log("warn", "the script isolate was busy between turns: replaced");
    this.iso.dispose();
    this.lost = true;
    this.used = true;
  }

  /** This turn's `$request.rawRequest`, sent into the isolate only when read (jsapi/_core.js lazyMember). */
  private rawRequest: unknown;

  /** This turn's held-back setCtx values (entryOf), by the index their op carries. */
  private lazyValues: unknown[] = [];

  /** The core asks for a member of the request, or a context value, it was not sent: JSON `{v}`, as every host call answers. */
  private turnValue(json: string): string {
    const name = JSON.parse(json) as unknown;
    if (typeof name === "number") {
      if (!Number.isInteger(name) || name < 0 || name >= this.lazyValues.length) return JSON.stringify({ e: `unknown turn value ${name}` });
      return JSON.stringify({ v: this.lazyValues[name] }) ?? "{}";
    }
    if (name !== "rawRequest") return JSON.stringify({ e: `unknown turn value ${String(name)}` });
    return JSON.stringify({ v: this.rawRequest }) ?? "{}";
  }

  // ---- turn scope ----
  beginTurn(scope: TurnScope): void {
    this.checkIdleCpu();
    if (this.used) {
      // The previous turn ran user code: nothing it left behind may reach this turn.
      this.noteDataRead();
      this.realm.release();
      const spare = this.spare;
      this.spare = undefined;
      // If the build throws (the project's load hit a limit), `used` stays set and the next turn
      // builds again: the released context is never called ("Reference has been released").
      this.realm = spare && spare.iso === this.iso && this.iso.alive ? spare : this.newRealm();
      this.used = false;
      this.lost = false;
    }
    // `begin` is serialised only if the turn enters the isolate, and without the channel's whole
    // message ($request.rawRequest, most of its size): the core fetches that when code reads it.
    const raw = scope.request?.rawRequest;
    this.rawRequest = raw;
    this.lazyValues = [];
    this.turnOps = [raw === undefined || raw === null ? ["begin", scope] : () => ["begin", { ...scope, request: { ...scope.request, rawRequest: 0 } }, ["rawRequest"]]];
    this.record = new TurnRecord(scope, this.maxOutChars ?? DEFAULT_MAX_OUT_CHARS);
  }

  endTurn(): TurnSnapshot {
    let snapshot = this.record?.snapshot(this.maxOutChars ?? DEFAULT_MAX_OUT_CHARS);
    // Over the limit (host evaluations grew the state): the isolate's `end` reports it as it would have.
    if (snapshot === undefined) snapshot = this.call("end", []) as TurnSnapshot;
    this.record = undefined;
    if (this.used) this.schedulePrewarm();
    this.cpuAtEnd = this.iso.isolate.cpuTime;
    return snapshot;
  }

  setContext(field: string, value: unknown): void {
    this.later(["setCtx", field, value ?? null]);
    this.record?.setContext(field, value ?? null);
  }

  getContext(field: string): unknown {
    const known = this.record?.context(field);
    if (known) return known.value;
    return this.call("getCtx", [field]);
  }

  getTemp(key: string): unknown {
    if (this.record) return this.record.temp(key);
    return this.call("getTemp", [key]);
  }

  setTemp(key: string, value: unknown): void {
    this.later(["setTemp", key, value ?? null]);
    this.record?.setTemp(key, value ?? null);
  }

  getRequestQuery(): string | undefined {
    if (this.record) return this.record.query();
    return (this.call("query", []) as string | null | undefined) ?? undefined;
  }

  // ---- code ----
  runScript(code: string, opts: { es6: boolean; pos: SourcePos }): void {
    if (this.record && !this.lost) {
      const program = this.hostScript(code, opts.es6 || this.forceEs6);
      if (program && this.evaluator!.runScript(program, this.record).done) return;
    }
    this.current(); // after a memory kill earlier in this turn, compile in the new isolate
    const compiled = this.compiled(code, opts.es6 || this.forceEs6, opts.pos);
    if (compiled.turnData) {
      this.call("run", [compiled.id], opts.pos, compiled);
      return;
    }
    if (!compiled.async) {
      this.user("run", [compiled.id], opts.pos, compiled);
      return;
    }
    // Microtasks drain at the end of the call, so a promise settled by sync host calls completes within it.
    this.user("runAsync", [compiled.id], opts.pos, compiled);
    // Each "pending" ran one due timer (jsapi/es6.js); its promise jobs drain at the end of that call.
    let state = this.user("take", [], opts.pos);
    for (let i = 0; state === "pending" && i < MAX_TIMER_STEPS; i++) state = this.user("take", [], opts.pos);
    if (state === "pending" || state === "stalled") this.services.log("warn", `${opts.pos.file}:${opts.pos.line}: scriptEs6 awaits a promise that did not settle within the turn`);
  }

  /** The evaluator's program for a turn-data script whose source the isolate would run unchanged, if it takes it. */
  private hostScript(code: string, es6: boolean): TurnCode | undefined {
    if (!this.evaluator) return undefined;
    const key = (es6 ? "1" : "0") + code;
    let program = this.hostScripts.get(key);
    if (program === undefined) {
      const taken = !(es6 && usesAwait(code)) && this.turnData.script(code) && (es6 || rewriteJavaIdioms(code) === code);
      program = (taken && this.evaluator.script(code)) || null;
      if (this.hostScripts.size >= 1000) this.hostScripts.clear(); // a bound, not a cache policy
      this.hostScripts.set(key, program);
    }
    return program ?? undefined;
  }

  private compiled(code: string, es6: boolean, pos: SourcePos): CompiledScript {
    const key = `${pos.file}:${pos.line}:${pos.col}:${es6 ? 1 : 0}\n${code}`;
    const known = this.compiledScripts.get(key);
    if (known) return known;
    this.userFiles.add(pos.file);
    const async = es6 && usesAwait(code);
    const body = es6 ? code : rewriteJavaIdioms(code);
    const wrapped = `(${async ? "async " : ""}function () {\n${body}\n})`;
    const entry = { id: this.nextScriptId++, async, turnData: !async && this.turnData.script(code), script: this.iso.compile(key, wrapped, pos.file, pos.line - 2, pos, this.userFiles) };
    this.compiledScripts.set(key, entry);
    return entry;
  }

  test(source: string, pos: SourcePos): boolean {
    const expr = this.javaRewrite("expr", source, rewriteJavaExpression);
    // A turn-data expression reads and writes only this turn's JSON objects: not user code that
    // could leave anything behind for the next turn (docs/sandbox.md, "Per-turn state").
    if (this.turnData.expr(expr)) {
      const program = this.record && !this.lost ? this.evaluator?.expr(expr) : undefined;
      const result = program && this.evaluator!.test(program, this.record!);
      if (result?.done) return result.value;
      return this.call("test", [expr], pos) === true;
    }
    return this.user("test", [expr], pos) === true;
  }

  render(template: string, pos: SourcePos): string {
    if (!template.includes("{{")) return template;
    template = this.javaRewrite("template", template, rewriteJavaTemplate);
    if (this.turnData.template(template)) {
      const parsed = this.record && !this.lost ? this.evaluator?.template(template) : undefined;
      const result = parsed && this.evaluator!.render(parsed, this.record!);
      if (result?.done) return result.value;
      return String(this.call("render", [template], pos));
    }
    return String(this.user("render", [template], pos));
  }

  runHandler(id: number): void {
    this.user("handler", [id]);
  }

  runConverter(converter: string, node: ParseNode): unknown {
    return this.user("convert", [this.javaRewrite("expr", converter, rewriteJavaExpression), node]);
  }

  // ---- replies and transitions ----
  addReply(reply: Reply): void {
    this.later(["addReply", reply]);
    this.record?.addReply(reply);
  }

  stampReplies(state: string): void {
    this.later(["stamp", state]);
    this.record?.stamp(state);
  }

  takeTransition(): { value: string; deferred: boolean } | null {
    if (this.record) return null; // only code in the isolate requests transitions
    // The last call's result says whether one waits (after a memory kill, the new context is asked).
    if (!this.lost && !this.realm.transitionPending) return null;
    return (this.call("takeTransition", []) as { value: string; deferred: boolean } | null) ?? null;
  }
}

/**
 * What the realm core (jsapi/_core.js: freshTurn, setCtx, getTemp, pushReply, stamp, snapshot) would
 * hold for a turn that has not entered the isolate yet. Values are kept as the engine gave them and
 * read back as JSON copies, as they would come out of the isolate (the snapshot is one JSON copy of
 * the whole record). It is also the TurnRoots of host evaluations: a root they use becomes this
 * record's own JSON copy (never the engine's objects: an inline run that is dropped must leave the
 * stored state as it was), and a turn that enters the isolate later sends that state in.
 */
/** Bits of TurnRecord.owned. */
const OWNED = { session: 1, client: 2, temp: 4 } as const;

class TurnRecord implements TurnRoots {
  /** TurnRoots: characters host evaluations of this turn may still store or build (they count down). */
  budget: number;
  /** setCtx values, as given: own members of a plain object (a Map and its growth cost more than the turn's few fields). */
  private readonly ctx: Record<string, unknown> = {};
  /** $temp: setTemp values as given, or this record's JSON copies once a host evaluation used it. */
  private temps: Record<string, unknown> = {};
  /** $session and $client: the engine's objects, or this record's JSON copies once a host evaluation used them. */
  private session: Record<string, unknown>;
  private client: Record<string, unknown>;
  /** Which of $session, $client and $temp are this record's own copies (a host evaluation may have changed them): OWNED bits. */
  private owned = 0;
  /** Deeply frozen JSON copies of the read-only roots, until what they copy changes (made at the first: most turns read none). */
  private views: Map<TurnRootName, Record<string, unknown>> | undefined;
  /** Shallow copies of the replies (the record stamps their `state`, never the engine's objects). */
  private readonly replies: Record<string, unknown>[] = [];

  constructor(
    private readonly scope: TurnScope,
    maxOutChars: number,
  ) {
    this.budget = 2 * maxOutChars;
    this.session = scope.session || {};
    this.client = scope.client || {};
  }

  /** A context field this record knows (set this turn, or the turn's start values), else undefined. */
  context(field: string): { value: unknown } | undefined {
    if (Object.hasOwn(this.ctx, field)) return { value: jsonClone(this.ctx[field]) };
    if (field === "currentState" || field === "contextPath") return { value: this.scope.contextPath || "/" };
    return undefined;
  }

  setContext(field: string, value: unknown): void {
    if (field === "__proto__") Object.defineProperty(this.ctx, field, { value, writable: true, enumerable: true, configurable: true });
    else this.ctx[field] = value;
    this.views?.delete("$parseTree");
  }

  temp(key: string): unknown {
    return Object.hasOwn(this.temps, key) ? jsonClone(this.temps[key]) : undefined;
  }

  setTemp(key: string, value: unknown): void {
    Object.defineProperty(this.temps, key, { value: this.owned & OWNED.temp ? jsonClone(value) : value, writable: true, enumerable: true, configurable: true });
  }

  query(): string | undefined {
    const q = (this.scope.request as { query?: unknown } | undefined)?.query;
    return q === undefined || q === null ? undefined : String(q);
  }

  private currentState(): string {
    return (this.context("currentState")?.value as string) || (this.context("contextPath")?.value as string) || "/";
  }

  addReply(given: Reply): void {
    this.views?.delete("$response");
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
      this.replies.push(jsonClone(given) as Record<string, unknown>);
      return;
    }
    const reply: Record<string, unknown> = { ...given };
    // As the JSON copy would: a `state: undefined` member is no member, so a stamp goes last.
    if (reply.state === undefined) delete reply.state;
    if (!reply.state) reply.state = this.currentState();
    this.replies.push(reply);
  }

  stamp(state: string): void {
    this.views?.delete("$response");
    for (const r of this.replies) if (r !== null && typeof r === "object" && !r.state) r.state = state;
  }

  /** TurnRoots: the object the isolate would hold for `name` at this point of the turn. */
  root(name: TurnRootName): Record<string, unknown> | undefined {
    switch (name) {
      case "$session":
        return (this.session = this.own("session", this.session));
      case "$client":
        return (this.client = this.own("client", this.client));
      case "$temp":
        return (this.temps = this.own("temp", this.temps));
    }
    let view = this.views?.get(name);
    if (view === undefined) {
      view = this.view(name);
      if (view === undefined) return undefined;
      (this.views ??= new Map()).set(name, deepFreeze(view));
    }
    return view;
  }

  /** `value`, made this record's own JSON copy the first time a host evaluation uses it. */
  private own(root: "session" | "client" | "temp", value: Record<string, unknown>): Record<string, unknown> {
    if (this.owned & OWNED[root]) return value;
    const copy = jsonClone(value);
    this.owned |= OWNED[root]; // only once the copy exists: a copy that throws leaves the engine's object unmarked, and unused
    return copy !== null && typeof copy === "object" ? (copy as Record<string, unknown>) : {};
  }

  private view(name: "$request" | "$parseTree" | "$response"): Record<string, unknown> | undefined {
    if (name === "$response") return { replies: jsonClone(this.replies) };
    if (name === "$parseTree") {
      const tree = Object.hasOwn(this.ctx, "parseTree") ? jsonClone(this.ctx.parseTree) : {};
      return tree !== null && typeof tree === "object" && !Array.isArray(tree) ? (tree as Record<string, unknown>) : undefined;
    }
    // The core fetches the channel's message when code reads it (jsapi/_core.js lazyMember): a read
    // of it here meets an accessor, which the evaluator refuses.
    const { rawRequest, ...rest } = this.scope.request ?? {};
    const request = jsonClone(rest) as Record<string, unknown>;
    if (request.data === null || typeof request.data !== "object") request.data = {};
    if (rawRequest === null) request.rawRequest = null; // sent as it is (beginTurn)
    else if (rawRequest !== undefined) Object.defineProperty(request, "rawRequest", { get: () => undefined, enumerable: true });
    return request;
  }

  /** The setCtx ops that bring a context to the state host evaluations left (after the queued ops). */
  replayOps(): unknown[][] {
    const ops: unknown[][] = [];
    if (this.owned & OWNED.session) ops.push(["setCtx", "session", this.session]);
    if (this.owned & OWNED.client) ops.push(["setCtx", "client", this.client]);
    if (this.owned & OWNED.temp) ops.push(["setCtx", "temp", this.temps]);
    return ops;
  }

  /** The turn's snapshot, or undefined when host evaluations made it larger than the realm hands out. */
  snapshot(maxOutChars: number): TurnSnapshot | undefined {
    const whole = { session: this.session, client: this.client, response: { replies: this.replies }, temp: this.temps, sessionOps: [], mails: [] };
    // Only host evaluations can have grown the record past what the isolate would hand out: the text
    // is built for its length only then (a turn of patterns and `a:` texts owns nothing).
    if (this.owned !== 0 && JSON.stringify(whole).length > maxOutChars) return undefined;
    return jsonClone(whole) as TurnSnapshot;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

