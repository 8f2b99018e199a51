// The host-side turn-data evaluator (turn-eval.ts): what it evaluates, everything it refuses (and
// that a refusal leaves nothing changed), and how the script host uses it (host.ts, TurnRecord).
import { describe, expect, it, vi } from "vitest";
import type { LoadItem } from "../project/model.js";
import { Realm } from "./realm.js";
import { createScriptHost, type ScriptHostOptions } from "./host.js";
import { fakeServices, makeProject, pos, scriptErrorOf } from "./testkit.js";
import { TurnEvaluator, type TurnRootName, type TurnRoots } from "./turn-eval.js";
import type { TurnScope } from "./types.js";

function rootsOf(data: Partial<Record<TurnRootName, Record<string, unknown>>>, budget = 1e9): TurnRoots {
  return { root: (name) => data[name], budget };
}

const evaluator = (objectNames: string[] = [], maxOutChars = 1_000_000) => new TurnEvaluator({ own: { object: objectNames }, maxOutChars });

/** Run `code` as a script on `session` (and a frozen request); the outcome and the session after it. */
function runOn(code: string, session: Record<string, unknown>, ev = evaluator()) {
  const program = ev.script(code);
  if (!program) return { compiled: false as const };
  const request = Object.freeze({ query: "q", data: Object.freeze({}) }) as unknown as Record<string, unknown>;
  const result = ev.runScript(program, rootsOf({ $session: session, $client: {}, $temp: {}, $request: request }));
  return { compiled: true as const, result, session };
}

function renderOn(template: string, session: Record<string, unknown>, ev = evaluator()): string | undefined {
  const t = ev.template(template);
  if (!t) return undefined;
  const r = ev.render(t, rootsOf({ $session: session }));
  return r.done ? r.value : undefined;
}

describe("the evaluator", () => {
  it("evaluates the session workload's script and template", () => {
    const session: Record<string, unknown> = {};
    expect(runOn("$session.count = ($session.count || 0) + 1;", session).result).toEqual({ done: true, value: undefined });
    expect(runOn("$session.count = ($session.count || 0) + 1;", session).result?.done).toBe(true);
    expect(session).toEqual({ count: 2 });
    expect(renderOn("Всего: {{$session.count || 0}}", session)).toBe("Всего: 2");
    expect(renderOn("Всего: {{$session.none || 0}}", session)).toBe("Всего: 0");
  });

  it("converts as V8 does: numbers, arrays, objects, null and undefined in templates", () => {
    const session = { list: [1, [2, null], {}], n: null, f: 0.1, s: "x", o: {} };
    expect(renderOn("{{$session.list}}|{{$session.n}}|{{$session.none}}|{{$session.f + 0.2}}|{{-0}}|{{1e21}}|{{$session.s + 1 + 2}}|{{1 + 2 + $session.s}}", session)).toBe(
      "1,2,,[object Object]|||0.30000000000000004|0|1e+21|x12|3x",
    );
    expect(renderOn("{{$session.list == '1,2,,[object Object]'}} {{$session.o + []}} {{typeof $session.n}} {{$session.s.length}} {{$session.s[0]}}", session)).toBe("true [object Object] object 1 x");
  });

  it("refuses names that lead to builtins, at compile time", () => {
    const ev = evaluator();
    for (const code of ['$session["__proto__"].x = 1;', "$session.__proto__ = {};", "$session.constructor = 1;", "$session.a.prototype = 1;", "$session.a = {__proto__: null};", '$session.a = {"constructor": 1};']) {
      expect(ev.script(code), code).toBeUndefined();
    }
  });

  it("refuses syntax outside its whitelist", () => {
    const ev = evaluator();
    for (const code of ["$session.f();", "for (;;) {}", "$session.a = function () {};", "$session.a = this;", "$session.a = /x/;", "$session.a = `x`;", "$context.x = 1;", "x = 1;", "$session = {};", "'use strict'; $session.a = 1;", "$session.a = 1n;", "$session.a = [...$session.b];", "$session[$session.k] = 1;", "delete $session?.a;", "delete $session.a?.b;"]) {
      expect(ev.script(code), code).toBeUndefined();
    }
  });

  it("refuses a read or write of a name a value would inherit, and leaves the data as it was", () => {
    for (const code of ["$session.x = $session.toString == 1;", "$session.x = $session.list.push == 1;", "$session.x = $session.s.big == 1;", "$session.hasOwnProperty = 1;", "$session.x = 'toString' in $session;"]) {
      const session = { list: [1], s: "a" };
      const run = runOn(code, session);
      expect(run.compiled && run.result.done, code).toBe(false);
      expect(session).toEqual({ list: [1], s: "a" });
    }
  });

  it("refuses a name platform or load code put on a prototype, unless the value owns it", () => {
    const ev = evaluator(["count"]); // Object.prototype.count = 5 in the project's load code
    const run = runOn("$session.count = ($session.count || 0) + 1;", {}, ev);
    expect(run.compiled && run.result.done).toBe(false);
    const owned = runOn("$session.count = ($session.count || 0) + 1;", { count: 1 }, ev);
    expect(owned.compiled && owned.result.done).toBe(true);
    expect(owned.session).toEqual({ count: 2 });
  });

  it("restores what it wrote (key order too) when it refuses after writing", () => {
    const session: Record<string, unknown> = { a: 1, b: { c: 1 }, list: [1, 2] };
    const run = runOn("delete $session.a; $session.b.c = 2; $session.list[2] = 3; $session.z = 1; $session.missing.x = 1;", session);
    expect(run.compiled && run.result).toEqual({ done: false, why: "a write to a primitive or nullish value" });
    expect(JSON.stringify(session)).toBe('{"a":1,"b":{"c":1},"list":[1,2]}');
  });

  it("undoes writes and deletes of one key in any order, and integer keys, exactly", () => {
    const session: Record<string, unknown> = { a: 1, 2: "two", b: 2, list: [1] };
    const run = runOn("$session.n = 1; delete $session.n; $session.n = 2; delete $session.a; $session.a = 3; $session[1] = 1; delete $session[2]; $session.list[1] = 2; $session.list[0] = 0; $session.missing.x = 1;", session);
    expect(run.compiled && run.result).toEqual({ done: false, why: "a write to a primitive or nullish value" });
    expect(JSON.stringify(session)).toBe('{"2":"two","a":1,"b":2,"list":[1]}');
    expect(Object.keys(session)).toEqual(["2", "a", "b", "list"]);
  });

  it("a write costs the same whatever the size of the object written to (no copy of its members)", () => {
    // white-box: what one evaluation reads of a 100,000-key $session to be able to undo 20 writes
    const session: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) session["k" + i] = i;
    const entries = vi.spyOn(Object, "entries");
    const keys = vi.spyOn(Object, "keys");
    try {
      const run = runOn(Array.from({ length: 20 }, (_, i) => `$session.c${i} = ($session.c${i} || 0) + 1;`).join(" "), session);
      expect(run.compiled && run.result.done).toBe(true);
      const listed = [...entries.mock.results, ...keys.mock.results].reduce((n, r) => n + ((r.value as unknown[] | undefined)?.length ?? 0), 0);
      expect(listed).toBeLessThan(1000); // it was 2,000,190: every member copied before each script's first write
    } finally {
      entries.mockRestore();
      keys.mockRestore();
    }
    expect(session.c19).toBe(1);
  });

  it("keeps in turn data only what a JSON copy gives back as it is", () => {
    for (const code of ["$session.a = undefined;", "$session.a = 0 / 0;", "$session.a = -0;", "$session.a = 1 / 0;", "$session.a = [undefined];", "$session.a = $session.o;", "var o = {}; $session.a = o; $session.b = o;", "$session.list[3] = 1;", "$session.list.length = 0;", "$session.list.x = 1;", "delete $session.list[0];"]) {
      const session = { o: {}, list: [1] };
      const run = runOn(code, session);
      expect(run.compiled && run.result.done, code).toBe(false);
      expect(session, code).toEqual({ o: {}, list: [1] });
    }
    const session: Record<string, unknown> = { list: [1] };
    expect(runOn("var o = {k: [1, 'a']}; $session.a = o; o.k[2] = null; $session.list[1] = 2;", session).result?.done).toBe(true);
    expect(JSON.stringify(session)).toBe('{"list":[1,2],"a":{"k":[1,"a",null]}}');
    // Read, change, write back to the same member: no new alias.
    expect(runOn("var b = $session.a || {k: []}; b.n = 1; $session.a = b;", session).result?.done).toBe(true);
    expect(session.a).toEqual({ k: [1, "a", null], n: 1 });
    expect(runOn("var b = $session.a; $session.c = b;", session).result?.done).toBe(false);
  });

  it("never writes into read-only roots and never reads the channel's raw message", () => {
    const ev = evaluator();
    const request: Record<string, unknown> = { data: Object.freeze({ x: 1 }) };
    Object.defineProperty(request, "rawRequest", { get: () => ({ secret: 1 }), enumerable: true });
    Object.freeze(request);
    for (const code of ["$request.data.x = 2;", "$request.y = 2;", "$session.r = $request.rawRequest == 1;", "delete $request.data.x;"]) {
      const session = {};
      const r = ev.runScript(ev.script(code)!, rootsOf({ $session: session, $request: request }));
      expect(r.done, code).toBe(false);
      expect(session).toEqual({});
    }
    expect(request).toEqual({ data: { x: 1 }, rawRequest: { secret: 1 } });
  });

  it("builds no string over the realm's output limit", () => {
    const ev = evaluator([], 10);
    const run = runOn("$session.s = 'aaaaaa' + 'bbbbbb';", {}, ev);
    expect(run.compiled && run.result.done).toBe(false);
    expect(run.session).toEqual({});
    expect(renderOn("{{'aaaaaa'}}{{'bbbbbb'}}", {}, ev)).toBeUndefined();
  });

  it("stops at the turn's budget: storing or comparing a long string many times goes to the isolate", () => {
    const ev = evaluator();
    const code = Array.from({ length: 10 }, (_, i) => `$session.k${i} = $request.query;`).join("\n");
    const request = Object.freeze({ query: "q".repeat(1000), data: Object.freeze({}) }) as unknown as Record<string, unknown>;
    const roots = rootsOf({ $session: {}, $request: request }, 5000);
    expect(ev.runScript(ev.script(code)!, roots)).toEqual({ done: false, why: "over the turn's budget for host evaluation" });
    expect(roots.root("$session")).toEqual({});
    const compare = rootsOf({ $session: {}, $request: request }, 5000);
    expect(ev.test(ev.expr("$request.query == $request.query && $request.query == $request.query && $request.query == $request.query")!, compare).done).toBe(false);
  });
});

// ---- through the script host ----

const scope = (session: Record<string, unknown> = {}): TurnScope => ({ request: { query: "q", data: {} }, session, client: { c: 1 }, contextPath: "/A" }) as TurnScope;

/** The same steps in a host that evaluates turn data on the host and in one that never does. */
function both(loadItems: LoadItem[], steps: (h: ReturnType<typeof createScriptHost>) => unknown, opts: ScriptHostOptions = {}) {
  const out = [true, false].map((onHost) => {
    const host = createScriptHost(makeProject(loadItems), fakeServices(), { ...opts, turnDataOnHost: onHost });
    try {
      return steps(host);
    } finally {
      host.dispose();
    }
  });
  return { onHost: out[0], inIsolate: out[1] };
}

const script = (code: string): LoadItem => ({ kind: "script", code, es6: false, pos: pos(1, "src/init.js") });

describe("turn data on the host, in the script host", () => {
  it("a turn-data script and template never enter the isolate, and end as the isolate would", () => {
    const steps = (h: ReturnType<typeof createScriptHost>) => {
      h.beginTurn(scope({ count: 2 }));
      h.runScript("$session.count = ($session.count || 0) + 1; $temp.t = 'x';", { es6: false, pos: pos(3) });
      const text = h.render("n={{$session.count}} {{$temp.t}}", pos(4));
      const ok = h.test("$session.count > 2", pos(5));
      return { text, ok, temp: h.getTemp("t"), snap: h.endTurn() };
    };
    const spy = vi.spyOn(Realm.prototype, "call");
    const { onHost } = both([], (h) => {
      spy.mockClear();
      const r = steps(h);
      return { r, calls: spy.mock.calls.length };
    });
    spy.mockRestore();
    const { inIsolate } = both([], steps);
    expect((onHost as { calls: number }).calls).toBe(0);
    expect((onHost as { r: unknown }).r).toEqual(inIsolate);
    expect(inIsolate).toMatchObject({ text: "n=3 x", ok: true, temp: "x" });
  });

  it("never changes the engine's objects: a dropped inline run leaves the stored state as it was", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    const session = { o: { n: 1 }, list: [1] };
    host.beginTurn(scope(session));
    host.runScript("$session.o.n = 2; $session.list[1] = 2; $session.x = 1;", { es6: false, pos: pos(3) });
    expect(session).toEqual({ o: { n: 1 }, list: [1] });
    expect(host.endTurn().session).toEqual({ o: { n: 2 }, list: [1, 2], x: 1 });
    host.dispose();
  });

  it("a turn that enters the isolate after host evaluations starts from the state they left", () => {
    const { onHost, inIsolate } = both([], (h) => {
      h.beginTurn(scope({ count: 1, keep: "k" }));
      h.setTemp("early", 1);
      h.runScript("$session.count++; $temp.early = 2; $client.c = 'changed';", { es6: false, pos: pos(3) });
      h.setTemp("late", 3);
      h.runScript("$session.seen = JSON.stringify([$session, $client, $temp, Object.keys($session)]);", { es6: false, pos: pos(4) });
      return h.endTurn();
    });
    expect(onHost).toEqual(inIsolate);
    expect((onHost as { session: { seen: string } }).session.seen).toBe('[{"count":2,"keep":"k"},{"c":"changed"},{"early":2,"late":3},["count","keep"]]');
  });

  it("load code that puts a value on Object.prototype or a getter on it: the same answers", () => {
    for (const load of ["Object.prototype.count = 5;", "Object.defineProperty(Object.prototype, 'count', { get: function () { return 7; }, configurable: true });", "Array.prototype[1] = 'inherited';", "String.prototype.tag = 'on every string';", "Number.prototype.count = 2;", "delete Array.prototype.join;", "delete Object.prototype.toString;"]) {
      const { onHost, inIsolate } = both([script(load)], (h) => {
        h.beginTurn(scope({ list: [0], s: "x", n: 1, o: {} }));
        h.runScript("$session.count = ($session.count || 0) + 1; $session.second = $session.list[1] || 'none'; $session.t = $session.s.tag || 'no'; $session.c = $session.n.count || 0;", { es6: false, pos: pos(3) });
        let text: string;
        try {
          text = h.render("{{$session.count}} {{$session.list[1]}} {{$session.list}} {{$session.o}}", pos(4));
        } catch (e) {
          text = `error: ${(e as Error).message}`;
        }
        return [text, h.endTurn().session];
      });
      expect(onHost, load).toEqual(inIsolate);
    }
  });

  it("$request as the isolate has it: data, a null raw message, a raw message read only in the isolate", () => {
    for (const rawRequest of [null, undefined, { payload: { x: 1 } }]) {
      const { onHost, inIsolate } = both([], (h) => {
        h.beginTurn({ ...scope({}), request: { query: "q", data: { d: 1 }, rawRequest } } as TurnScope);
        h.runScript("$session.raw = $request.rawRequest === null; $session.d = $request.data.d; $session.q = $request.query;", { es6: false, pos: pos(3) });
        return [h.render("{{$request.rawRequest}}|{{typeof $request.rawRequest}}", pos(4)), h.endTurn().session];
      });
      expect(onHost, String(rawRequest)).toEqual(inIsolate);
    }
  });

  it("an error after writes: the isolate's error and the state V8 leaves", () => {
    const { onHost, inIsolate } = both([], (h) => {
      h.beginTurn(scope({}));
      const err = scriptErrorOf(() => h.runScript("$session.a = 1; $session.b.c = 2;", { es6: false, pos: pos(3) }));
      return [err.message, err.pos, h.endTurn().session];
    });
    expect(onHost).toEqual(inIsolate);
    expect((onHost as unknown[])[2]).toEqual({ a: 1 });
  });

  it("a state grown over the output limit fails at the end of the turn as in the isolate", () => {
    const { onHost, inIsolate } = both(
      [],
      (h) => {
        h.beginTurn(scope({ s: "x".repeat(900) }));
        h.runScript("$session.t = $session.s + $session.s;", { es6: false, pos: pos(3) });
        return scriptErrorOf(() => h.endTurn()).message;
      },
      { maxOutChars: 2500 },
    );
    expect(onHost).toEqual(inIsolate);
    expect(onHost).toMatch(/larger than 2500 characters/);
  });
});
