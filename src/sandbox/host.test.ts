import { describe, expect, it, vi } from "vitest";
import { Realm } from "./realm.js";
import { NewSessionSignal, ScriptError } from "./types.js";
import { createScriptHost } from "./host.js";
import { fakeServices, hostWith, makeProject, pos, scriptTurn } from "./testkit.js";

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("turns that need no call", () => {
  it("never enter the isolate, and end with the snapshot the isolate would give", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    const scope = () => ({ request: { query: "q", data: {} } as never, session: { n: 1, d: { x: [1, null] } }, client: { c: "k" }, contextPath: "/A" });
    const steps = (materialize: boolean) => {
      host.beginTurn(scope());
      host.setContext("contextHistory", ["/A"]);
      expect(host.getTemp("targetState")).toBeUndefined();
      expect(host.getRequestQuery()).toBe("q");
      host.addReply({ type: "text", text: "before" });
      host.setContext("currentState", "/B");
      if (materialize) expect(host.getContext("entities")).toEqual([]); // not kept on the host: enters the isolate
      host.setTemp("k", { a: 1, u: undefined });
      expect(host.getTemp("k")).toEqual({ a: 1 });
      expect(host.getContext("currentState")).toBe("/B");
      host.addReply({ type: "text", text: "hi", skip: undefined } as never);
      host.addReply({ type: "text", text: "stamped", state: "/Other" });
      expect(host.takeTransition()).toBeNull();
      host.stampReplies("/B");
      return host.endTurn();
    };
    const spy = vi.spyOn(Realm.prototype, "call");
    const onHost = steps(false);
    expect(spy).not.toHaveBeenCalled();
    const inIsolate = steps(true);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect(onHost).toEqual(inIsolate);
    expect(onHost.response.replies.map((r) => [r.text, r.state])).toEqual([["before", "/A"], ["hi", "/B"], ["stamped", "/Other"]]);
  });

  it("serialise nothing the turn hands over, and answer exactly what the isolate would (key order too)", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    let serialised = 0;
    const counted = { toJSON: () => (serialised++, { big: "nlu" }) };
    const steps = (materialize: boolean) => {
      host.beginTurn({ request: { query: "q", data: {}, rawRequest: counted } as never, session: {}, client: {}, contextPath: "/A" });
      host.setContext("nluResults", counted);
      host.addReply({ type: "text", state: undefined, text: "u" } as never);
      host.addReply({ type: "text", state: "", text: "e" } as never);
      host.addReply({ type: "text", text: "n", state: null } as never);
      if (materialize) host.getContext("entities");
      host.setTemp("t", { n: 1 });
      host.stampReplies("/B");
      return host.endTurn();
    };
    const onHost = steps(false);
    expect(serialised).toBe(0);
    const inIsolate = steps(true);
    expect(serialised).toBe(0); // nluResults and rawRequest wait for a read
    expect(JSON.stringify(onHost)).toBe(JSON.stringify(inIsolate));
  });
});

describe("$context.nluResults and $context.nBest", () => {
  const nlu = () => ({ patterns: [{ clazz: "/A", score: 1, parseTree: { tag: "root", words: ["q"] } }], intents: [], examples: [], selected: { clazz: "/A", score: 1 } });
  const turn = (host: ReturnType<typeof createScriptHost>, results: unknown, nBest: unknown) => {
    host.beginTurn({ request: { query: "q", data: {} } as never, session: {}, client: {}, contextPath: "/" });
    host.setContext("nluResults", results);
    host.setContext("nBest", nBest);
  };

  it("enter the isolate only when code reads them, as the same JSON copy in the same place among the keys", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    let serialised = 0;
    const counted = () => ({ toJSON: () => (serialised++, nlu()) });
    turn(host, counted(), [{ toJSON: () => (serialised++, { clazz: "/A" }) }]);
    host.runScript("$session.n = new Date(1).getTime();", { es6: false, pos: pos(1) }); // user code: enters the isolate
    expect(host.endTurn().session).toEqual({ n: 1 });
    expect(serialised).toBe(0);
    turn(host, counted(), [{ clazz: "/A" }]);
    host.runScript(
      "$session.keys = Object.keys($context).join(); $session.clazz = $context.nluResults.selected.clazz; $context.nluResults.selected.clazz = '/B'; $session.again = $context.nluResults.selected.clazz; $session.tree = JSON.stringify($context.nluResults.patterns[0].parseTree); $session.best = $context.nBest;",
      { es6: false, pos: pos(2) },
    );
    const session = host.endTurn().session;
    expect(serialised).toBe(1);
    expect(session).toEqual({ keys: expect.stringContaining("entities,nluResults,nBest,exception"), clazz: "/A", again: "/B", tree: '{"tag":"root","words":["q"]}', best: [{ clazz: "/A" }] });
  });

  it("are what the engine reads back after a handler changed them", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    turn(host, nlu(), []);
    host.runScript("$context.nluResults.selected = { clazz: '/C', score: 0.5 };", { es6: false, pos: pos(3) });
    expect(host.getContext("nluResults")).toEqual({ ...nlu(), selected: { clazz: "/C", score: 0.5 } });
    host.endTurn();
    turn(host, nlu(), []);
    host.runScript("$session.n = new Date(1).getTime();", { es6: false, pos: pos(4) });
    expect(host.getContext("nluResults")).toEqual(nlu());
    expect(host.getContext("nBest")).toEqual([]);
    host.endTurn();
  });

  it("are assigned at once where a script made the member an accessor (its setter runs, as before)", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    host.beginTurn({ request: { query: "q", data: {} } as never, session: {}, client: {}, contextPath: "/" });
    host.runScript("Object.defineProperty($context, 'nluResults', { set: function (v) { $session.seen = v.selected.clazz; }, get: function () { return 'mine'; }, configurable: true });", { es6: false, pos: pos(5) });
    host.setContext("nluResults", nlu());
    host.runScript("$session.read = $context.nluResults;", { es6: false, pos: pos(6) });
    expect(host.endTurn().session).toEqual({ seen: "/A", read: "mine" });
  });

  it("are one copy for the turn even where a script froze $context before reading them", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    turn(host, nlu(), []);
    host.runScript("Object.freeze($context); $context.nluResults.selected.clazz = '/F'; $session.c = $context.nluResults.selected.clazz; $session.same = $context.nluResults === $context.nluResults;", { es6: false, pos: pos(9) });
    expect(host.endTurn().session).toEqual({ c: "/F", same: true });
  });

  it("of one turn are never what another turn reads", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    turn(host, nlu(), [{ clazz: "/first" }]);
    host.runScript("globalThis.kept = $context;", { es6: false, pos: pos(7) });
    host.endTurn();
    turn(host, nlu(), [{ clazz: "/second" }]);
    host.runScript("$session.old = typeof kept === 'undefined' ? 'gone' : JSON.stringify(kept.nBest); $session.now = $context.nBest[0].clazz;", { es6: false, pos: pos(8) });
    expect(host.endTurn().session).toEqual({ old: "gone", now: "/second" });
  });
});

describe("values leaving the isolate", () => {
  it("keep dropping cycles (only the cyclic member goes) and shared objects stay whole", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    const session = scriptTurn(host, "u", "var s = { n: 1 }; s.self = s; $session.cyc = s; $session.a = { k: 1 }; $session.b = $session.a; $session.ok = [1, 'б'];");
    expect(session).toEqual({ cyc: { n: 1 }, a: { k: 1 }, b: { k: 1 }, ok: [1, "б"] });
  });
});

describe("$request.rawRequest", () => {
  const raw = () => ({ messageId: 7, uuid: { sub: "s-1" }, payload: { message: { original_text: "привет" } } });
  const begin = (host: ReturnType<typeof createScriptHost>, rawRequest: unknown) =>
    host.beginTurn({ request: { query: "q", data: {}, rawRequest, language: "ru" } as never, session: {}, client: {}, contextPath: "/" });

  it("enters the isolate only when code reads it, as a JSON copy in its place among the keys", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    let serialised = 0;
    begin(host, { toJSON: () => (serialised++, raw()) });
    host.runScript("$session.n = 1;", { es6: false, pos: pos(1) });
    expect(host.endTurn().session).toEqual({ n: 1 });
    expect(serialised).toBe(0);
    begin(host, { toJSON: () => (serialised++, raw()) });
    host.runScript("$session.keys = Object.keys($request); $session.sub = $request.rawRequest.uuid.sub; $request.rawRequest.uuid.sub = 'x'; $session.again = $request.rawRequest.uuid.sub; $session.text = JSON.stringify($request.rawRequest.payload);", { es6: false, pos: pos(2) });
    expect(host.endTurn().session).toEqual({ keys: ["query", "data", "rawRequest", "language"], sub: "s-1", again: "x", text: '{"message":{"original_text":"привет"}}' });
    expect(serialised).toBe(1);
  });

  it("can be replaced before it is read, and is whole in a copy of $request", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    begin(host, raw());
    host.runScript("$request.rawRequest = { mine: true }; $session.r = $request.rawRequest;", { es6: false, pos: pos(3) });
    expect(host.endTurn().session).toEqual({ r: { mine: true } });
    begin(host, raw());
    host.runScript("$session.req = $request;", { es6: false, pos: pos(4) });
    expect((host.endTurn().session.req as Record<string, unknown>).rawRequest).toEqual(raw());
  });

  it("is one copy for the turn even where a script froze $request before reading it", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    begin(host, raw());
    host.runScript("Object.freeze($request); $request.rawRequest.uuid.sub = 'x'; $session.sub = $request.rawRequest.uuid.sub;", { es6: false, pos: pos(7) });
    expect(host.endTurn().session).toEqual({ sub: "x" });
  });

  it("of one turn is never what another turn reads", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    begin(host, { uuid: { sub: "first" } });
    host.runScript("globalThis.kept = $request;", { es6: false, pos: pos(5) });
    host.endTurn();
    begin(host, { uuid: { sub: "second" } });
    host.runScript("$session.old = typeof kept === 'undefined' ? 'gone' : JSON.stringify(kept.rawRequest); $session.now = $request.rawRequest.uuid.sub;", { es6: false, pos: pos(6) });
    expect(host.endTurn().session).toEqual({ old: "gone", now: "second" });
  });
});

describe("request scope", () => {
  it("rebinds $session/$client/$temp/$response and the engine sees it at endTurn", () => {
    const { host, run } = hostWith([], { scope: { session: { old: true }, client: { c: 1 } } });
    run("$session = {a: 1}; $client.name = 'Ann'; $temp = {case: 'x'}; $response.bargeIn = true;");
    expect(host.getTemp("case")).toBe("x");
    run("$context.session.b = 2;");
    const snap = host.endTurn();
    expect(snap.session).toEqual({ a: 1, b: 2 });
    expect(snap.client).toEqual({ c: 1, name: "Ann" });
    expect(snap.temp).toEqual({ case: "x" });
    expect(snap.response).toEqual({ replies: [], bargeIn: true });
  });

  it("starts every turn with fresh $temp/$response and an object $request.data", () => {
    const { host, run } = hostWith();
    run("$temp.x = 1; $response.replies.push({type: 'text', text: 'a'});");
    host.endTurn();
    host.beginTurn({ request: { query: "q" } as never, session: {}, client: {}, contextPath: "/A" });
    run("$session.seen = [JSON.stringify($temp), $response.replies.length, typeof $request.data, $context.contextPath, $context.currentState];");
    expect(host.endTurn().session.seen).toEqual(["{}", 0, "object", "/A", "/A"]);
  });

  it("exposes engine-maintained $context fields and $parseTree both ways", () => {
    const { host, run } = hostWith([], { scope: { testContext: { t: 1 }, sessionId: "s1" } });
    host.setContext("parseTree", { tag: "root", pattern: "", text: "x", words: ["x"], _Number: 5 });
    host.setContext("intent", { path: "/hello", slots: {} });
    run("$session.n = $parseTree._Number + 1; $session.i = $context.intent.path; $session.sid = $context.sessionId; $session.t = $context.testContext.t; $parseTree = {value: 9};");
    expect(host.getContext("parseTree")).toEqual({ value: 9 });
    expect(host.endTurn().session).toEqual({ n: 6, i: "/hello", sid: "s1", t: 1 });
  });

  it("reads $request.query as rewritten by a script", () => {
    const { host, run } = hostWith();
    run("$request.query = 'rewritten';");
    expect(host.getRequestQuery()).toBe("rewritten");
  });

  it("sets and reads $temp keys from the engine", () => {
    const { host, run } = hostWith();
    host.setTemp("targetState", "/X");
    run("$session.ts = $temp.targetState; $temp.targetState = '/Y';");
    expect(host.getTemp("targetState")).toBe("/Y");
    expect(host.getTemp("missing")).toBeUndefined();
  });
});

describe("scripts, conditions, templates", () => {
  it("gives scripts function-body semantics: return; allowed, var local", () => {
    const { host, run } = hostWith();
    run("var local = 1; $session.a = 1; return; $session.b = 2;");
    expect(host.test("typeof local === 'undefined'", pos())).toBe(true);
    expect(host.endTurn().session).toEqual({ a: 1 });
  });

  it("evaluates conditions as statement lists with the last value", () => {
    const { host, run } = hostWith();
    run("$session.zd = 10;");
    expect(host.test("$session.zd += 40;", pos())).toBe(true);
    expect(host.test("var q = 1; q > 2", pos())).toBe(false);
    expect(host.test("$session.zd === 50", pos())).toBe(true);
    expect(host.test("$session.missing", pos())).toBe(false);
  });

  it("renders templates with String(value), empty for null/undefined", () => {
    const { host, run } = hostWith();
    run("$session.name = 'Ann'; $session.n = 0; $session.o = {a: {b: 1}};");
    const plain = "no braces here";
    expect(host.render(plain, pos())).toBe(plain);
    expect(host.render("Hi {{ $session.name }}! {{$request.unknownField}}|{{ null }}|{{ $session.n }}", pos())).toBe("Hi Ann! ||0");
    expect(host.render("{{ JSON.stringify({x: {y: 2}}) }}", pos())).toBe('{"x":{"y":2}}');
    expect(host.render("{{ $session.o }}", pos())).toBe("[object Object]");
    expect(host.render("{{ toPrettyString($session.o.a) }}", pos())).toBe('{\n  "b": 1\n}');
  });

  it("compiles a script once per code and position", () => {
    const { host, run } = hostWith();
    for (let i = 0; i < 3; i++) host.runScript("$session.k = ($session.k || 0) + 1;", { es6: false, pos: pos(7) });
    run("$session.k += 10;");
    expect(host.endTurn().session.k).toBe(13);
  });

  it("runs scriptEs6 with await; a promise settled by host calls completes within the call", () => {
    const services = fakeServices({ respond: () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: '{"v":7}' }) });
    const { host, run } = hostWith([], { services });
    run("const r = await new Promise((res) => res($http.get('https://a/b'))); $session.v = r.data?.v ?? -1; const w = await Promise.resolve(2); $session.w = w ** 3;", true);
    run("const x = await $http.get('https://a/b'); $session.x = x.data.v;", true);
    expect(host.endTurn().session).toEqual({ v: 7, w: 8, x: 7 });
  });

  it("reports a rejected await as a ScriptError", () => {
    const { run } = hostWith();
    const err = catchErr(() => run("await Promise.resolve(); throw new Error('late');", true)) as ScriptError;
    expect(err).toBeInstanceOf(ScriptError);
    expect(err.message).toBe("late");
  });

  it("makes every script ES6 with forceEs6", () => {
    const { host } = hostWith([], { project: { config: { entryPoint: [], scriptRuntime: { forceEs6: true } } } });
    host.runScript("$session.v = await Promise.resolve(3);", { es6: false, pos: pos(1) });
    expect(host.endTurn().session.v).toBe(3);
  });
});

describe("errors and limits", () => {
  it("maps errors to the .sc line and keeps thrown objects", () => {
    const { host } = hostWith();
    const err = catchErr(() => host.runScript("var a = 1;\nnull.x;", { es6: false, pos: { file: "main.sc", line: 40, col: 9 } })) as ScriptError;
    expect(err).toBeInstanceOf(ScriptError);
    expect(err.message).toMatch(/^TypeError: Cannot read properties of null/);
    expect(err.pos).toMatchObject({ file: "main.sc", line: 41 });
    const thrown = catchErr(() => host.runScript("throw {httpStatus: 500, message: 'down'};", { es6: false, pos: pos(3) })) as ScriptError;
    expect(thrown.thrown).toEqual({ httpStatus: 500, message: "down" });
    expect(thrown.message).toBe("down");
    expect((catchErr(() => host.runScript("throw 'plain';", { es6: false, pos: pos(4) })) as ScriptError).thrown).toBe("plain");
  });

  it("points at the frame inside a required .js file", () => {
    const lib = { kind: "script" as const, code: "// helpers\nfunction boom() {\n  return undefined.x;\n}", es6: false, pos: { file: "src/lib.js", line: 1, col: 1 } };
    const { host } = hostWith([lib]);
    const err = catchErr(() => host.runScript("boom();", { es6: false, pos: pos(9) })) as ScriptError;
    expect(err.pos).toMatchObject({ file: "src/lib.js", line: 3 });
  });

  it("stops an infinite loop with limit cpu and the next call works", () => {
    const { host, run } = hostWith([], { host: { cpuMs: 100 } });
    const err = catchErr(() => run("while (true) {}")) as ScriptError;
    expect(err).toBeInstanceOf(ScriptError);
    expect(err.limit).toBe("cpu");
    expect(err.pos).toMatchObject({ file: "main.sc" });
    expect((catchErr(() => host.test("(function () { for (;;) {} })()", pos())) as ScriptError).limit).toBe("cpu");
    expect((catchErr(() => host.render("{{ (function () { for (;;) {} })() }}", pos())) as ScriptError).limit).toBe("cpu");
    run("$session.after = 1;");
    expect(host.endTurn().session.after).toBe(1);
  });

  it("stays usable after allocation failures and stack overflows", () => {
    const { host, run } = hostWith();
    expect((catchErr(() => run("new Array(Math.pow(2, 32));")) as ScriptError).message).toMatch(/RangeError/);
    expect((catchErr(() => run("'x'.repeat(Math.pow(2, 30)).repeat(8);")) as ScriptError).message).toMatch(/RangeError/);
    expect((catchErr(() => run("(function f() { f(); })();")) as ScriptError).message).toMatch(/Maximum call stack/);
    run("$session.ok = [1, 2].map(function (x) { return x * 2; });");
    expect(host.endTurn().session.ok).toEqual([2, 4]);
  });

  it("fails the load on a script error, with position", () => {
    const bad = { kind: "script" as const, code: "var x = 1;\nundefinedFn();", es6: false, pos: { file: "src/init.js", line: 1, col: 1 } };
    const err = catchErr(() => createScriptHost(makeProject([bad]), fakeServices())) as ScriptError;
    expect(err).toBeInstanceOf(ScriptError);
    expect(err.pos).toMatchObject({ file: "src/init.js", line: 2 });
    const loop = { kind: "script" as const, code: "for(;;){}", es6: false, pos: pos(1) };
    expect((catchErr(() => createScriptHost(makeProject([loop]), fakeServices(), { cpuMs: 50 })) as ScriptError).limit).toBe("cpu");
    const syntax = { kind: "script" as const, code: "var = ;", es6: false, pos: pos(5) };
    expect((catchErr(() => createScriptHost(makeProject([syntax]), fakeServices())) as ScriptError).message).toMatch(/SyntaxError/);
  });

  it("reports a syntax error in a script block", () => {
    const { run } = hostWith();
    expect((catchErr(() => run("if (")) as ScriptError).message).toMatch(/SyntaxError/);
  });
});

describe("load items", () => {
  it("runs scripts and init blocks in the global scope, binds data and ES modules", () => {
    const items = [
      { kind: "script" as const, code: "var counter = 5; function twice(x) { return x * 2; }", es6: false, pos: pos(1, "src/a.js") },
      { kind: "script" as const, code: "$global.fromInit = twice(counter);", es6: false, pos: pos(3) },
      { kind: "data" as const, varName: "cities", data: { msk: "Москва" }, pos: pos(1, "src/cities.csv") },
      { kind: "es6module" as const, code: "const k = 3;\nexport default function triple(x) { return x * k; }\nexport const unused = 1;", name: "tripler", pos: pos(1, "src/m.js") },
      { kind: "es6module" as const, code: "export function inc(x) { return x + 1; }\nexport const ten = 10;", name: "util", pos: pos(1, "src/u.js") },
    ];
    const { host, run } = hostWith(items);
    run("$session.r = [fromInit, cities.msk, $global.cities.msk, tripler(2), util.inc(util.ten), typeof k];");
    expect(host.endTurn().session.r).toEqual([10, "Москва", "Москва", 6, 11, "undefined"]);
  });
});

describe("handlers, converters, transitions, new session", () => {
  const binds = {
    kind: "script" as const,
    code: [
      "bind('preProcess', function ($context) { $context.temp.pre = $context.currentState; });",
      "$jsapi.bind({type: 'postProcess', path: '/Menu', name: 'after', handler: function (ctx) { ctx.session.post = (ctx.session.post || 0) + 1; }});",
      "function numberConverter($pt) { return Number($pt.text) * 2; }",
      "var $converters = { up: function (pt, ctx) { return {v: pt.text.toUpperCase(), s: ctx.currentState}; } };",
    ].join("\n"),
    es6: false,
    pos: pos(1),
  };

  it("records bind() handlers and runs them with $context", () => {
    const { host } = hostWith([binds]);
    expect(host.handlers).toEqual([
      { id: 0, type: "preProcess", path: "/" },
      { id: 1, type: "postProcess", path: "/Menu", name: "after" },
    ]);
    host.runHandler(0);
    host.runHandler(1);
    host.runHandler(1);
    const snap = host.endTurn();
    expect(snap.temp).toEqual({ pre: "/Start" });
    expect(snap.session).toEqual({ post: 2 });
  });

  it("ignores bind() after load", () => {
    const { host, run } = hostWith([binds]);
    run("bind('preMatch', function () {});");
    expect(host.handlers).toHaveLength(2);
  });

  it("runs converters by name, by path and inline, returning a JSON copy", () => {
    const { host } = hostWith([binds]);
    const node = { tag: "Number", pattern: "$Number", text: "21", words: ["21"] };
    expect(host.runConverter("numberConverter", node)).toBe(42);
    expect(host.runConverter("$converters.up", node)).toEqual({ v: "21", s: "/Start" });
    expect(host.runConverter("function ($pt) { return {n: $pt.words.length, d: new Date(0)}; }", node)).toEqual({ n: 1, d: "1970-01-01T00:00:00.000Z" });
    expect(catchErr(() => host.runConverter("notThere", node))).toBeInstanceOf(ScriptError);
  });

  it("asks the isolate for a transition only when the last call said one waits", () => {
    const { host, run } = hostWith();
    const spy = vi.spyOn(Realm.prototype, "call");
    run("$session.n = 1;");
    expect(host.takeTransition()).toBeNull();
    run("$reactions.transition('Next');");
    expect(host.takeTransition()).toEqual({ value: "/Start/Next", deferred: false });
    expect(host.takeTransition()).toBeNull();
    expect(() => run("$reactions.transition('/Err'); throw new Error('x');")).toThrow("x");
    expect(host.takeTransition()).toEqual({ value: "/Err", deferred: false }); // after an error: asked
    const asked = spy.mock.calls.filter(([op]) => op === "takeTransition").length;
    spy.mockRestore();
    expect(asked).toBe(2);
    host.endTurn();
  });

  it("records $reactions.transition: relative paths resolved, the last call wins, taken once", () => {
    const { host, run } = hostWith();
    run("$reactions.transition('Next'); $session.after = true;");
    expect(host.takeTransition()).toEqual({ value: "/Start/Next", deferred: false });
    expect(host.takeTransition()).toBeNull();
    run("$reactions.transition('/A'); $reactions.transition({value: '../B', deferred: true});");
    expect(host.takeTransition()).toEqual({ value: "/B", deferred: true });
    expect(host.endTurn().session.after).toBe(true);
  });

  it("raises NewSessionSignal, even when the script catches it", () => {
    const { run } = hostWith();
    const sig = catchErr(() => run("$reactions.newSession({message: '/start', data: {x: 1}}); $session.never = 1;")) as NewSessionSignal;
    expect(sig).toBeInstanceOf(NewSessionSignal);
    expect(sig.params).toEqual({ message: "/start", data: { x: 1 } });
    const caught = catchErr(() => run("try { $jsapi.newSession({message: 'hi'}); } catch (e) {} $session.ran = 1;")) as NewSessionSignal;
    expect(caught).toBeInstanceOf(NewSessionSignal);
    expect(caught.params).toEqual({ message: "hi" });
    run("$session.next = 1;"); // the signal is reported once
  });

  it("adds engine replies stamped with the current state and stamps script replies", () => {
    const { host, run } = hostWith();
    host.addReply({ type: "text", text: "from a:" });
    run("$response.replies.push({type: 'text', text: 'raw'});");
    host.stampReplies("/Other");
    expect(host.endTurn().response.replies).toEqual([
      { type: "text", text: "from a:", state: "/Start" },
      { type: "text", text: "raw", state: "/Other" },
    ]);
  });
});

describe("syntax errors", () => {
  it("points at the line of a syntax error in a load file", () => {
    const bad = { kind: "script" as const, code: "var a = 1;\nvar = ;", es6: false, pos: { file: "src/x.js", line: 1, col: 1 } };
    const err = catchErr(() => createScriptHost(makeProject([bad]), fakeServices())) as ScriptError;
    expect(err.message).toMatch(/^SyntaxError/);
    expect(err.pos).toMatchObject({ file: "src/x.js", line: 2 });
  });
});
