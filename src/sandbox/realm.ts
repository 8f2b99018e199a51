// The script boundary: one V8 isolate per project (its own heap, memory limit and CPU clock; see
// docs/sandbox.md) and the contexts created in it. The host talks to a context only through strings:
// a JSON batch in, a JSON result out, through the dispatcher the realm core returns; the context
// calls back through ONE host function `(op, json) => json`.
import ivm from "isolated-vm";
import type { SourcePos } from "../dsl/ast.js";
import { NewSessionSignal, ScriptError } from "./types.js";
import { cpuError, memoryError, toScriptError, type ThrownDescription } from "./errors.js";
import { LAZY_LIBRARIES, platformSource } from "./platform.js";

/** The single host function a context's core captures: (op, JSON args) → JSON {v} | {e}. Must not throw. */
export type HostFn = (op: string, json: string) => string;

interface CallResult {
  v?: unknown;
  /** A transition is waiting in the turn after this call. */
  t?: 1;
  err?: ThrownDescription;
  ns?: NewSessionSignal["params"];
}

// isolated-vm's own messages for the two limits.
const TIMEOUT_MESSAGE = "Script execution timed out.";
const MEMORY_RE = /memory limit|Isolate.* is disposed/;

/**
 * One isolate: compiled code is cached here (a compiled script runs in any context of its isolate).
 * When a script exceeds the memory limit, isolated-vm disposes the whole isolate: `alive` turns
 * false and the owner builds a new one.
 */
export class ScriptIsolate {
  readonly isolate: ivm.Isolate;
  private readonly scripts = new Map<string, ivm.Script>();
  /** Lazy libraries some context of this isolate used: new contexts load them up front, off the hot path. */
  readonly usedLibraries = new Set<string>();
  /** Data globals (lazy, see `sharedText`) some context parsed: new contexts parse them at build time. */
  readonly readData = new Set<string>();

  /** Contexts created in this isolate so far. */
  contexts = 0;

  constructor(readonly memoryMb: number) {
    this.isolate = new ivm.Isolate({ memoryLimit: memoryMb });
  }

  get alive(): boolean {
    return !this.isolate.isDisposed;
  }

  /**
   * The heap holds more than `fraction` of the memory limit. V8 keeps retired contexts alive long
   * after they are released (measured: a context whose load code did `o.f = function () {}` stays
   * until the isolate dies, whatever the GC), so a project with large data fills its isolate in a
   * few dozen fresh contexts; the host then starts a new isolate (docs/sandbox.md, "Memory limit").
   */
  heapAbove(fraction: number): boolean {
    if (!this.alive) return false;
    const h = this.isolate.getHeapStatisticsSync();
    return h.used_heap_size + h.externally_allocated_size > fraction * this.memoryMb * 1024 * 1024;
  }

  /** Compile (once per key) a script of this isolate. Throws ScriptError on a syntax error. */
  compile(key: string, code: string, filename: string, lineOffset: number, pos?: SourcePos, userFiles?: ReadonlySet<string>): ivm.Script {
    let script = this.scripts.get(key);
    if (script) return script;
    try {
      script = this.isolate.compileScriptSync(code, { filename, lineOffset });
    } catch (e) {
      throw failure(e, 0, pos, userFiles ?? new Set());
    }
    this.scripts.set(key, script);
    return script;
  }

  /** Data load items as strings in this isolate's heap, by load item index (see `sharedText`). */
  private readonly texts = new Map<number, ivm.Reference<string>>();
  private textHolder: ivm.Context | undefined;

  /**
   * The string `text()` returns, copied into this isolate once and handed to every context by
   * reference: a context gets the same immutable string, never a copy. The strings are made in a
   * context of their own, so a reference keeps no project context alive.
   */
  sharedText(key: number, text: () => string): ivm.Reference<string> {
    let ref = this.texts.get(key);
    if (ref) return ref;
    this.textHolder ??= this.isolate.createContextSync();
    const identity = this.compile("text:identity", "(function (s) { return s; })", "<data>", 0).runSync(this.textHolder, { reference: true }) as ivm.Reference;
    try {
      ref = identity.applySync(undefined, [text()], { result: { reference: true } }) as ivm.Reference<string>;
    } finally {
      identity.release();
    }
    this.texts.set(key, ref);
    return ref;
  }

  platform(name: string): ivm.Script {
    const src = platformSource(name);
    return this.compile(`platform:${name}`, src.code, src.filename, src.lineOffset);
  }

  dispose(): void {
    if (this.alive) this.isolate.dispose();
  }
}

/**
 * Longest JSON string a context hands out (a call's result, a host call's argument), in characters
 * (docs/security.md, "Limits"). Such a string is copied into the worker's heap, parsed, cloned to the
 * main thread and written out, all outside the isolate's memory limit: one 100 MB answer took the
 * server to 2.5 GB. The core (jsapi/_core.js) checks it before the string leaves the isolate.
 */
export const DEFAULT_MAX_OUT_CHARS = 8 * 1024 * 1024;

/** One context of a ScriptIsolate with the realm core loaded: the only way in is `call`. */
export class Realm {
  readonly context: ivm.Context;
  private readonly dispatch: ivm.Reference<(input: string, fn?: unknown) => string>;
  /** Ids of the host's compiled scripts already registered in this context. */
  readonly registered = new Set<number>();
  /** Ops queued with `queue()`: JSON entries `,[op,…args]`, sent in front of the next call. */
  private pending = "";
  /**
   * After the last call, the turn may hold a transition ($reactions.transition): false only when
   * the core said it holds none, so the host skips a call that would answer null.
   */
  transitionPending = false;

  constructor(
    readonly iso: ScriptIsolate,
    hostFn: HostFn,
    readonly cpuMs: number,
    /** Files of the project: stack frames in them become ScriptError.pos. */
    readonly userFiles: ReadonlySet<string>,
    maxOutChars = DEFAULT_MAX_OUT_CHARS,
  ) {
    this.context = iso.isolate.createContextSync();
    iso.contexts++;
    const channel: HostFn = (op, json) => (op === "lib" ? this.loadLibrary(json) : hostFn(op, json));
    try {
      const start = iso.platform("jsapi/_core.js").runSync(this.context, { reference: true, timeout: cpuMs }) as ivm.Reference;
      this.dispatch = start.applySync(undefined, [new ivm.Callback(channel), maxOutChars], { result: { reference: true }, timeout: cpuMs }) as ivm.Reference<
        (input: string, fn?: unknown) => string
      >;
      start.release();
    } catch (e) {
      throw failure(e, cpuMs, undefined, userFiles);
    }
  }

  /** The core's lazy global `name` was read: evaluate its library files in this context (re-entrant call). */
  private loadLibrary(json: string): string {
    const name = JSON.parse(json) as string;
    const files = LAZY_LIBRARIES[name];
    if (!files) return JSON.stringify({ e: `unknown library ${json}` });
    try {
      for (const file of files) this.iso.platform(file).runSync(this.context, { timeout: this.cpuMs });
      this.iso.usedLibraries.add(name);
      return "{}";
    } catch (e) {
      return JSON.stringify({ e: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Queue an op whose result nobody waits for (setCtx, addReply…): it runs in front of the next call. */
  queue(op: string, args: unknown[]): void {
    this.pending += "," + JSON.stringify([op, ...args]);
  }

  /** `queue` with the entry already serialised (`["op",…args]`). */
  queueJson(entry: string): void {
    this.pending += "," + entry;
  }

  /** Run one dispatcher op (after the queued ones) under the CPU limit; returns its value. Throws ScriptError or NewSessionSignal. */
  call(op: string, args: unknown[], opts: { pos?: SourcePos; fn?: ivm.Reference } = {}): unknown {
    const input = `[${this.pending.slice(1)}${this.pending ? "," : ""}${JSON.stringify([op, ...args])}]`;
    this.pending = "";
    this.transitionPending = true; // unknown until a result says otherwise
    let out: unknown;
    try {
      out = this.dispatch.applySync(undefined, opts.fn ? [input, opts.fn.derefInto()] : [input], { timeout: this.cpuMs });
    } catch (e) {
      throw failure(e, this.cpuMs, opts.pos, this.userFiles);
    }
    if (typeof out !== "string") throw new ScriptError("internal: the realm returned no result", opts.pos);
    const msg = JSON.parse(out) as CallResult;
    if (!msg.err && !msg.ns) this.transitionPending = msg.t === 1;
    if (msg.err) throw toScriptError(msg.err, opts.pos, this.userFiles);
    if (msg.ns) throw new NewSessionSignal(msg.ns);
    return msg.v;
  }

  /** Run a compiled script at the context's global scope (platform modules, load-time files, init: blocks). */
  runScript(script: ivm.Script, pos?: SourcePos): void {
    try {
      script.runSync(this.context, { timeout: this.cpuMs });
    } catch (e) {
      throw failure(e, this.cpuMs, pos, this.userFiles);
    }
  }

  /** Evaluate a compiled `(function … {})` expression in this context: a reference to the function, for `call(…, {fn})`. */
  functionOf(script: ivm.Script, pos?: SourcePos): ivm.Reference {
    try {
      return script.runSync(this.context, { reference: true, timeout: this.cpuMs }) as ivm.Reference;
    } catch (e) {
      throw failure(e, this.cpuMs, pos, this.userFiles);
    }
  }

  private released = false;

  /** Drop the host's handles on this context (idempotent; nothing to do once its isolate is gone). */
  release(): void {
    if (this.released || !this.iso.alive) return; // disposed with its isolate
    this.released = true;
    this.dispatch.release();
    this.context.release();
  }
}

/**
 * What isolated-vm threw out of a call: its timeout, the isolate's disposal on the memory limit, or
 * a copy (made by isolated-vm in the host's heap) of an error that escaped the context (syntax
 * errors, load-time scripts). A thrown primitive arrives as it is.
 */
export function failure(e: unknown, cpuMs: number, pos: SourcePos | undefined, userFiles: ReadonlySet<string>): ScriptError {
  if (e instanceof Error) {
    if (e.message === TIMEOUT_MESSAGE) return cpuError(cpuMs, pos);
    if (MEMORY_RE.test(e.message)) return memoryError(pos);
    return toScriptError({ name: e.name, message: e.message, stack: e.stack }, pos, userFiles);
  }
  if (typeof e === "string") return toScriptError({ message: e, thrown: e }, pos, userFiles);
  return toScriptError({ message: "uncaught exception", thrown: e }, pos, userFiles);
}
