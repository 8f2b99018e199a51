// One node:vm realm and the only ways the host talks to it: strings through the `__sa_in` slot and
// one pre-compiled `__sa_dispatch()` script, run with or without the vm timeout.
import vm from "node:vm";
import { types } from "node:util";
import type { SourcePos } from "../dsl/ast.js";
import { NewSessionSignal, ScriptError } from "./types.js";
import { cpuError, toScriptError, type ThrownDescription } from "./errors.js";
import { platformScript } from "./platform.js";

/** The single host function the realm core captures: (op, JSON args) → JSON {v} | {e}. Must not throw. */
export type HostFn = (op: string, json: string) => string;

interface RealmGlobal {
  __sa_in: string;
  __sa_fn: unknown;
  __sa_hostfn?: HostFn;
}

interface CallResult {
  v?: unknown;
  err?: ThrownDescription;
  ns?: NewSessionSignal["params"];
  p?: 1; // a builtin was changed (answer to `check`)
}

const DISPATCH = new vm.Script("__sa_dispatch()", { filename: "<platform>/dispatch" });

// Node ≥ 20.18 can create a realm whose global is an ordinary object (no interceptors to a host object).
const DONT_CONTEXTIFY = (vm as unknown as { constants?: { DONT_CONTEXTIFY?: symbol } }).constants?.DONT_CONTEXTIFY;

export interface CallOptions {
  timed: boolean;
  pos?: SourcePos;
  fn?: unknown; // a realm value handed to the op through the `__sa_fn` slot
  /** Re-check the builtins' integrity at the end of the call (after user code); updates `polluted`. */
  check?: boolean;
  /** false: leave queued ops queued (the op reads only the realm core's private turn record). */
  flush?: boolean;
}

export class Realm {
  readonly context: vm.Context;
  private readonly global: RealmGlobal;
  /** Files of the project that scripts were compiled from: stack frames in them become ScriptError.pos. */
  readonly userFiles = new Set<string>();
  /**
   * A builtin prototype, namespace or standard global was changed by user code (last check), so
   * implicit user code (getters, valueOf, toJSON…) may run in any call. Until the baseline is taken
   * (after the platform modules) nothing is user code.
   */
  polluted = false;
  /** Ops queued with `queue()`: JSON entries `,[op,…args]`, sent in front of the next call. */
  private pending = "";

  constructor(
    hostFn: HostFn,
    readonly cpuMs: number,
  ) {
    const options: vm.CreateContextOptions = { microtaskMode: "afterEvaluate", codeGeneration: { strings: true, wasm: false } };
    this.context = DONT_CONTEXTIFY
      ? vm.createContext(DONT_CONTEXTIFY as unknown as vm.Context, options)
      : vm.createContext(Object.create(null) as vm.Context, options);
    this.global = (DONT_CONTEXTIFY ? this.context : vm.runInContext("globalThis", this.context)) as RealmGlobal;
    this.global.__sa_hostfn = hostFn;
    this.runScript(platformScript("jsapi/_core.js"), { timed: false });
  }

  /**
   * Queue an op whose result nobody waits for (setCtx, addReply…): it runs in front of the next
   * call, inside that call's runInContext (and its timeout). The args are serialised now.
   */
  queue(op: string, args: unknown[]): void {
    this.pending += "," + JSON.stringify([op, ...args]);
  }

  get hasPending(): boolean {
    return this.pending !== "";
  }

  /** Run one dispatcher op (after the queued ones); returns its value. Throws ScriptError or NewSessionSignal. */
  call(op: string, args: unknown[], opts: CallOptions): unknown {
    const entry = JSON.stringify([op, ...args]);
    const flush = opts.flush !== false;
    this.global.__sa_in = `[${opts.check ? 1 : 0}${flush ? this.pending : ""},${entry}]`;
    if (flush) this.pending = "";
    if (opts.fn !== undefined) this.global.__sa_fn = opts.fn;
    let out: unknown;
    try {
      out = DISPATCH.runInContext(this.context, opts.timed ? { timeout: this.cpuMs } : undefined);
    } catch (e) {
      throw this.failure(e, opts.pos, opts.check === true);
    }
    return this.result(out, opts.pos, opts.check === true);
  }

  /** Take the builtins' integrity baseline (after the platform modules, before project code). */
  takeBaseline(): void {
    this.call("baseline", [], { timed: false });
  }

  /** Run a compiled script at the realm's global scope (load-time files, init: blocks, platform modules). */
  runScript(script: vm.Script, opts: { timed: boolean; pos?: SourcePos }): void {
    try {
      script.runInContext(this.context, opts.timed ? { timeout: this.cpuMs } : undefined);
    } catch (e) {
      throw this.failure(e, opts.pos);
    }
  }

  /** Compile a function body in the realm (`return` allowed, `var` local). Throws ScriptError on a syntax error. */
  compileFunction(code: string, filename: string, lineOffset: number, pos?: SourcePos): unknown {
    try {
      return vm.compileFunction(code, [], { parsingContext: this.context, filename, lineOffset });
    } catch (e) {
      throw this.failure(e, pos);
    }
  }

  compileScript(code: string, filename: string, lineOffset: number, pos?: SourcePos): vm.Script {
    try {
      return new vm.Script(code, { filename, lineOffset });
    } catch (e) {
      throw this.failure(e, pos);
    }
  }

  private result(out: unknown, pos: SourcePos | undefined, check: boolean): unknown {
    if (typeof out !== "string") throw new ScriptError("internal: the realm returned no result", pos);
    const msg = JSON.parse(out) as CallResult;
    if (check) this.polluted = msg.p === 1;
    if (msg.err) throw toScriptError(msg.err, pos, this.userFiles);
    if (msg.ns) throw new NewSessionSignal(msg.ns);
    return msg.v;
  }

  /**
   * Something escaped runInContext: the vm timeout, or a value thrown by code that runs outside the
   * dispatcher (load scripts, syntax errors). The value may be a realm object with user getters, so
   * it is only handed back to the realm, which describes it under the timeout.
   */
  private failure(e: unknown, pos: SourcePos | undefined, check = false): Error {
    if (isTimeout(e)) {
      // The check at the end of the call did not run: do it now (it runs no user code).
      if (check) this.polluted = this.call("integrity", [], { timed: false, flush: false }) !== true;
      return cpuError(this.cpuMs, pos);
    }
    // A host-realm error (a syntax error from compiling on the host side) is safe to read here.
    if (!types.isProxy(e) && e instanceof Error) {
      return toScriptError({ name: e.name, message: e.message, stack: e.stack }, pos, this.userFiles);
    }
    try {
      const described = this.call("describe", [], { timed: true, pos, fn: e, check }) as CallResult;
      if (described?.ns) return new NewSessionSignal(described.ns);
      if (described?.err) return toScriptError(described.err, pos, this.userFiles);
    } catch (inner) {
      if (inner instanceof ScriptError) return inner;
    }
    return new ScriptError("uncaught exception", pos);
  }
}

function isTimeout(e: unknown): boolean {
  if (e === null || typeof e !== "object" || types.isProxy(e)) return false;
  const d = Object.getOwnPropertyDescriptor(e, "code");
  return d !== undefined && "value" in d && d.value === "ERR_SCRIPT_EXECUTION_TIMEOUT";
}
