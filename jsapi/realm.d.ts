// The script realm's globals as the platform code sees them (docs/sandbox.md): what the realm core
// (jsapi/_core.js) hands the $-API modules, and what they and jsapi/es6.js define for each other.
// Type-checking only (jsapi/tsconfig.json): nothing here is loaded into the realm.

/** The turn's data and scope, `$context` (a JSON copy of what the host sent, changed by scripts). */
interface TurnContext {
  request: any;
  response: any;
  session: any;
  client: any;
  temp: any;
  parseTree: any;
  injector: any;
  currentState: string;
  contextPath: string;
  contextHistory: any[];
  testContext: any;
  intent: any;
  entities: any[];
  nluResults: any;
  nBest: any[];
  exception: any;
  sessionId: any;
  [field: string]: any;
}

/** A turn as the core keeps it: the context and what the turn leaves for the host besides it. */
interface Turn {
  ctx: TurnContext;
  /** A `$reactions.transition`: taken by the host after the call (the `takeTransition` op). */
  transition: { value: string; deferred: boolean } | null;
  sessionOps: unknown[];
  mails: unknown[];
  httpCalls: number;
  newSession: unknown;
  async: { state: "pending" | "ok" | "err"; error?: unknown } | null;
}

/**
 * The object the realm core hands each $-API module (`__sa_module(function (host) {…})`,
 * src/sandbox/platform.ts): the modules' only way to the host, which answers with JSON copies.
 */
interface PlatformHost {
  /** A platform op of the host (payments, NLU…): its answer. */
  call(op: string, args?: unknown): any;
  /** An HTTP request through the host's destination policy: the response as data. */
  http(req: unknown): any;
  /** The host's clock in ms since the epoch (tests freeze it). */
  now(): number;
  random(max: number): number;
  log(level: string, message: unknown): void;
  env(name: unknown): any;
  secret(name: unknown): any;
  parseXml(text: unknown): any;
  context(): TurnContext;
  turn(): Turn;
  currentState(): string;
  /** A `{{ }}` template's text; with `scope`, its names are looked up there first. */
  render(template: unknown, scope?: object): string;
  evalExpr(src: string): any;
  resolvePath(base: unknown, rel: unknown): string;
  pushReply<R>(reply: R): R;
  /** Ends the turn's code with a new session (`$reactions.newSession`): never returns. */
  newSession(params?: unknown): never;
  bind(type: unknown, handler?: unknown, path?: unknown, name?: unknown): void;
  copy(value: unknown): any;
  stringify(value: unknown, cycleMark?: unknown, space?: string | number, dropNulls?: boolean): string | undefined;
  /** jsapi/es6.js: what an awaited block runs when it has nothing else to do; true if it ran something. */
  onIdle(fn: () => boolean): void;
  /** A non-enumerable, writable global of the context. */
  define<T>(name: string, value: T): void;
}

/** The $-API modules' parameter (src/sandbox/platform.ts). */
declare var host: PlatformHost;
/** jsapi/node/_runtime.js runs after the bundle's `defs[id] = [factory, deps]` (src/sandbox/modules.ts). */
declare var defs: Record<string, [(...args: unknown[]) => void, Record<string, string>]>;

// The core's scope variables (jsapi/_core.js scopeVar) and lazy libraries.
declare var $context: TurnContext;
declare var $request: any;
declare var $injector: any;
declare var $session: any;
declare var $client: any;
declare var $temp: any;
declare var $parseTree: any;
declare var $response: any;
declare var moment: any;
declare var _: any;

// Defined by the $-API modules (host.define) for scripts and for each other.
declare var $reactions: any;

// Defined by jsapi/es6.js for ES6 projects; jsapi/node/ uses them.
declare function atob(s: string): string;
declare function btoa(s: string): string;
declare var TextEncoder: { new (): { encode(s?: string): Uint8Array } };
declare var TextDecoder: { new (): { decode(buf?: ArrayBuffer | ArrayBufferView): string } };
declare var Buffer: any;

// A Node built-in of jsapi/node/ is the body of a CommonJS factory (src/sandbox/modules.ts).
declare var module: { exports: any };
