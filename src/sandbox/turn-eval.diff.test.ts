// Differential test of the host-side turn-data evaluator (turn-eval.ts): generated scripts,
// conditions and templates over generated JSON state run in a host that evaluates turn data on the
// host and in one that runs everything in the isolate; both must end with the same state, the same
// value and the same error. A deterministic seed keeps every run the same.
import { afterAll, describe, expect, it, vi } from "vitest";
import type { LoadItem } from "../project/model.js";
import { createScriptHost } from "./host.js";
import { fakeServices, makeProject, pos } from "./testkit.js";
import { TurnEvaluator } from "./turn-eval.js";
import type { ScriptHost, TurnScope } from "./types.js";

/** mulberry32: a small deterministic generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

const KEYS = ["a", "b", "n", "s", "list", "o", "0", "1", "2", "length", "x", "toString", "valueOf", "count", "data", "query", "rawRequest", "value", "_Number"];
/** The names paths mostly take: those jsonObject gives. */
const COMMON_KEYS = ["n", "s", "list", "o", "count", "0", "1", "length", "a"];
const SIMPLE_KEYS = ["n", "s", "count", "o", "x"];
const SIMPLE_LITERALS = ['""', '"a"', '"0"', '" 12 "', "0", "1", "2.5", "0.1", "1e21", "true", "false", "null", "[]", "[1, \"a\"]", "{}", "{k: 1}"];
const STRINGS = ["", "a", "0", "12", " 3 ", "x y", "1e3", "-0", "abc", "true", "null", "0x1f", "\u00e9t\u00e9"];
const NUMBERS = [0, 1, -1, 2.5, 0.1, 0.2, 1e21, 1e-7, 123456789, -0.5, 3, 10, 9007199254740992];

function jsonValue(g: Gen, depth: number): unknown {
  const r = g.int(depth > 0 ? 10 : 7);
  if (r < 2) return g.pick(NUMBERS);
  if (r < 4) return g.pick(STRINGS);
  if (r === 4) return g.chance(0.5);
  if (r === 5) return null;
  if (r === 6) return g.pick(NUMBERS);
  if (r < 8) return Array.from({ length: g.int(4) }, () => jsonValue(g, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = g.int(4); i > 0; i--) o[g.pick(KEYS.filter((k) => k !== "length"))] = jsonValue(g, depth - 1);
  return o;
}

/** Turn data of a usual shape (so that paths often lead somewhere), with random values and now and then a random member. */
function jsonObject(g: Gen, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (g.chance(0.7)) o.n = g.pick([...NUMBERS, ...STRINGS, null, true]);
  if (g.chance(0.6)) o.s = g.pick(STRINGS);
  if (g.chance(0.6)) o.list = Array.from({ length: g.int(4) }, () => (depth > 0 && g.chance(0.3) ? jsonObject(g, depth - 1) : jsonValue(g, 0)));
  if (depth > 0 && g.chance(0.6)) o.o = jsonObject(g, depth - 1);
  if (g.chance(0.3)) o.count = g.pick(NUMBERS);
  if (g.chance(0.2)) o[g.pick(KEYS.filter((k) => k !== "length" && k !== "toString" && k !== "valueOf"))] = jsonValue(g, depth);
  if (g.chance(0.03)) o[String("toString")] = "own"; // an own conversion name: converting the object must not guess
  return o;
}

const READ_ROOTS = ["$session", "$session", "$session", "$client", "$temp", "$request", "$parseTree", "$response"];
const WRITE_ROOTS = ["$session", "$session", "$session", "$client", "$temp", "$request", "$parseTree"];
const BINARY = ["+", "+", "-", "*", "/", "%", "**", "==", "!=", "===", "!==", "<", "<=", ">", ">=", "&", "|", "^", "<<", ">>", ">>>", "in"];
const LITERALS = ['""', '"a"', '"0"', '" 12 "', '"1e3"', "0", "1", "2.5", "0.1", "1e21", "-0", "true", "false", "null", "undefined", "NaN", "Infinity", "[]", "[1, \"a\"]", "{}", "{k: 1}", "{a: {b: 2}}", "[[1, 2], [3]]", "010", "0x10"];

class CodeGen extends Gen {
  locals: string[] = [];
  /** Code of the usual shape (`$session.count = ($session.count || 0) + 1`): most of it runs on the host. */
  simple = false;

  key(): string {
    const k = this.simple ? this.pick(SIMPLE_KEYS) : this.chance(0.8) ? this.pick(COMMON_KEYS) : this.pick(KEYS);
    const r = this.int(4);
    if (/^\d+$/.test(k)) return r < 2 ? `[${k}]` : `["${k}"]`;
    return r === 0 ? `["${k}"]` : `.${k}`;
  }

  path(roots: readonly string[], optional: boolean): string {
    let p = this.locals.length && this.chance(0.2) ? this.pick(this.locals) : this.pick(roots);
    for (let i = this.simple ? 1 + this.int(2) : this.int(3); i > 0; i--) {
      const k = this.key();
      p += optional && this.chance(0.15) ? (k.startsWith(".") ? "?" + k : "?." + k) : k;
    }
    return p;
  }

  target(): string {
    if (this.locals.length && this.chance(0.2)) return this.pick(this.locals);
    let p = this.simple ? this.pick(["$session", "$client", "$temp"]) : this.pick(WRITE_ROOTS);
    for (let i = 1 + this.int(2); i > 0; i--) p += this.key();
    return p;
  }

  expr(depth: number): string {
    if (this.simple) {
      const r = this.int(depth > 0 ? 8 : 3);
      if (r === 0) return this.pick(SIMPLE_LITERALS);
      if (r <= 2) return this.path(["$session", "$client", "$temp"], false);
      if (r <= 4) return `(${this.expr(depth - 1)} || ${this.pick(SIMPLE_LITERALS)})`;
      if (r === 5) return `${this.expr(depth - 1)} ${this.pick(["+", "-", "*", "==", "===", ">", "<"])} ${this.expr(depth - 1)}`;
      if (r === 6) return `(${this.expr(depth - 1)} ? ${this.expr(depth - 1)} : ${this.expr(depth - 1)})`;
      return `${this.pick(["!", "typeof ", "-"])}${this.expr(depth - 1)}`;
    }
    const r = this.int(depth > 0 ? 14 : 3);
    if (r === 0) return this.pick(LITERALS);
    if (r <= 2) return this.path(READ_ROOTS, true);
    if (r <= 5) return `(${this.expr(depth - 1)} ${this.pick(BINARY)} ${this.expr(depth - 1)})`;
    if (r === 6) return `${this.pick(["!", "-", "+", "~", "typeof ", "void "])}${this.expr(depth - 1)}`;
    if (r === 7) return `(${this.expr(depth - 1)} ${this.pick(["&&", "||", "??"])} ${this.expr(depth - 1)})`;
    if (r === 8) return `(${this.expr(depth - 1)} ? ${this.expr(depth - 1)} : ${this.expr(depth - 1)})`;
    if (r === 9) return `[${this.expr(depth - 1)}, ${this.expr(depth - 1)}]`;
    if (r === 10) return `{a: ${this.expr(depth - 1)}, "b": ${this.expr(depth - 1)}}`;
    if (r === 11) return `(${this.target()} ${this.pick(["=", "+=", "||=", "??="])} ${this.expr(depth - 1)})`;
    if (r === 12) return `${this.target()}${this.pick(["++", "--"])}`;
    return this.path(READ_ROOTS, false);
  }

  statement(depth: number): string {
    const r = this.int(depth > 0 ? 12 : 10);
    if (r <= 2) return `${this.target()} = ${this.expr(2)};`;
    if (r === 3) return `${this.target()} ${this.pick(["+=", "-=", "*=", "||=", "&&=", "??=", "|="])} ${this.expr(1)};`;
    if (r === 4) return `${this.pick(["++", "--", ""])}${this.target()}${this.pick(["++", "--"])};`.replace(/^(\+\+|--)(.*)(\+\+|--);$/, "$1$2;");
    if (r === 5) return `delete ${this.target()};`;
    if (r === 6) {
      const name = `v${this.locals.length}`;
      const line = `var ${name} = ${this.expr(2)};`;
      this.locals.push(name);
      return line;
    }
    if (r === 7) return `${this.expr(2)};`;
    if (r === 8) return this.chance(0.1) ? "return;" : `${this.target()} = ${this.expr(1)};`;
    if (r === 9) return `${this.target()} = ${this.path(READ_ROOTS, false)};`;
    return `if (${this.expr(1)}) { ${this.statement(depth - 1)} } else { ${this.statement(depth - 1)} }`;
  }

  script(): string {
    this.locals = [];
    const out: string[] = [];
    for (let i = 1 + this.int(4); i > 0; i--) out.push(this.statement(1));
    return out.join("\n");
  }

  condition(): string {
    this.locals = [];
    return this.chance(0.15) ? `${this.statement(0)} ${this.expr(2)}` : this.expr(3);
  }

  template(): string {
    this.locals = [];
    let t = this.pick(["", "Hi ", "n="]);
    for (let i = 1 + this.int(3); i > 0; i--) t += `{{${this.expr(2)}}}${this.pick(["", " and ", "."])}`;
    return t;
  }
}

type Op = { kind: "script" | "test" | "render"; code: string };

/** What a case ran and ended with, in one host. */
interface Outcome {
  values: unknown[];
  error?: string;
  snapshot?: string;
  dump?: string;
}

// A function of the project (load code changes no prototype): it describes a state in the isolate
// the way JSON cannot (undefined members, NaN, -0, holes, key order) after host evaluations.
const DUMP: LoadItem = {
  kind: "script",
  es6: false,
  pos: pos(1, "src/dump.js"),
  code: `function __dump(v) {
  if (v === undefined) return "u";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v !== "object" || v === null) return JSON.stringify(v);
  var keys = Object.getOwnPropertyNames(v), out = [];
  for (var i = 0; i < keys.length; i++) out.push(keys[i] + ":" + __dump(v[keys[i]]));
  return (Array.isArray(v) ? "[" : "{") + out.join(",") + (Array.isArray(v) ? "]" : "}");
}`,
};

function runCase(host: ScriptHost, scope: TurnScope, extras: { temp: Record<string, unknown>; parseTree: unknown }, ops: Op[], dump: boolean): Outcome {
  const out: Outcome = { values: [] };
  host.beginTurn(structuredClone(scope));
  host.setContext("parseTree", structuredClone(extras.parseTree));
  for (const [k, v] of Object.entries(extras.temp)) host.setTemp(k, structuredClone(v));
  host.addReply({ type: "text", text: "first" });
  let line = 10;
  try {
    for (const op of ops) {
      if (op.kind === "script") host.runScript(op.code, { es6: false, pos: pos(line++) });
      else if (op.kind === "test") out.values.push(host.test(op.code, pos(line++)));
      else out.values.push(host.render(op.code, pos(line++)));
    }
    if (dump) host.runScript("$session.__dump = __dump([$session, $client, $temp]);", { es6: false, pos: pos(900) });
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  try {
    const snap = host.endTurn();
    out.snapshot = JSON.stringify(snap);
  } catch (e) {
    out.error = (out.error ?? "") + " / end: " + (e instanceof Error ? e.message : String(e));
  }
  return out;
}

/**
 * Load code that puts plain values where turn data inherits them: reads of those names that a value
 * does not own must go to the isolate (`$session.count || 0` is 5 there).
 */
const PROTOTYPE_VALUES: LoadItem = {
  kind: "script",
  es6: false,
  pos: pos(1, "src/protos.js"),
  code: `Object.prototype.count = 5; String.prototype.s = "on strings"; Array.prototype[1] = "hole"; Number.prototype.n = 7;`,
};

describe.each([
  { name: "a project with no load code", items: [DUMP], seeds: [1, 2, 3, 4], cases: 600, minHandled: 150 },
  { name: "load code that puts values on builtin prototypes", items: [DUMP, PROTOTYPE_VALUES], seeds: [5], cases: 400, minHandled: 50 }, // reads of `count`, `n`, `s` not owned go to the isolate
])("host evaluation of turn data, against the isolate: $name", ({ items, seeds, cases, minHandled }) => {
  const project = makeProject(items);
  const onHost = createScriptHost(project, fakeServices());
  const inIsolate = createScriptHost(project, fakeServices(), { turnDataOnHost: false });
  afterAll(() => {
    onHost.dispose();
    inIsolate.dispose();
  });
  const spies = [vi.spyOn(TurnEvaluator.prototype, "runScript"), vi.spyOn(TurnEvaluator.prototype, "test"), vi.spyOn(TurnEvaluator.prototype, "render")];
  const count = (): number => spies.reduce((n, s) => n + s.mock.results.filter((r) => r.type === "return" && (r.value as { done: boolean }).done).length, 0);

  function scopeOf(g: Gen): { scope: TurnScope; extras: { temp: Record<string, unknown>; parseTree: unknown } } {
    const scope = {
      request: { query: g.pick(STRINGS), channelType: "test", data: jsonObject(g, 1), ...(g.chance(0.3) ? { rawRequest: g.chance(0.5) ? null : { payload: { x: 1 } } } : {}) },
      session: jsonObject(g, 2),
      client: jsonObject(g, 2),
      contextPath: "/A",
    } as TurnScope;
    const tree = { tag: "root", text: "t", words: ["a"], value: g.pick(STRINGS), _Number: g.pick(NUMBERS), Number: [{ tag: "Number", value: 5, _Inner: 1 }] };
    return { scope, extras: { temp: jsonObject(g, 1), parseTree: tree } };
  }

  it.each(seeds)("agrees on generated scripts, conditions and templates (seed %i)", (seed) => {
    const g = new CodeGen(rng(seed * 7919));
    const before = count();
    for (let i = 0; i < cases; i++) {
      const { scope, extras } = scopeOf(g);
      const kinds: Op["kind"][] = ["script", "test", "render"];
      const ops: Op[] = Array.from({ length: 1 + g.int(3) }, () => {
        const kind = g.pick(kinds);
        g.simple = g.chance(0.6);
        return { kind, code: kind === "script" ? g.script() : kind === "test" ? g.condition() : g.template() };
      });
      const dump = i % 8 === 0; // enters the isolate after host evaluations: the state it sees must be the same
      const a = runCase(onHost, scope, extras, ops, dump);
      const b = runCase(inIsolate, scope, extras, ops, dump);
      const label = JSON.stringify({ scope, extras, ops });
      expect(a, label).toEqual(b);
    }
    // The comparison is not vacuous: a good part of what was generated ran on the host.
    expect(count() - before).toBeGreaterThan(minHandled);
  });
});
