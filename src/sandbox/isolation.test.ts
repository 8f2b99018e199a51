// Per-turn state and resource limits of the script isolate: what one user's turn changes never
// reaches another user's turn, and memory or CPU a script grabs is bounded and given back.
import { describe, expect, it } from "vitest";
import type { LoadItem } from "../project/model.js";
import { createScriptHost } from "./host.js";
import { fakeServices, makeProject, nextPos, pos, scriptErrorOf, scriptTurn, userScope } from "./testkit.js";
import type { ScriptHost } from "./types.js";

const script = (code: string): LoadItem => ({ kind: "script", code, pos: pos(1, "src/init.js") }) as LoadItem;


describe("per-turn state", () => {
  it("Object.prototype pollution by one user is not seen in the next user's turn", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    scriptTurn(host, "attacker", "Object.prototype.pwned = 'by attacker'; ({}).__proto__.isAdmin = true;");
    expect(scriptTurn(host, "victim", "$session.seen = [({}).pwned, $session.isAdmin];")).toEqual({ seen: [null, null] });
  });

  it("a wrapped Array.prototype.push does not spy on the next users", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    scriptTurn(
      host,
      "attacker",
      "globalThis.__spy = []; var push = Array.prototype.push; Array.prototype.push = function () { push.call(__spy, JSON.stringify($client)); return push.apply(this, arguments); };",
    );
    host.beginTurn(userScope("victim"));
    host.addReply({ type: "text", text: "hello" });
    host.runScript("$reactions.answer('more');", { es6: false, pos: nextPos() });
    expect(host.endTurn().response.replies.map((r) => r.text)).toEqual(["hello", "more"]);
    expect(scriptTurn(host, "attacker", "$session.spy = typeof __spy === 'undefined' ? 'gone' : __spy;")).toEqual({ spy: "gone" });
  });

  it("a global variable written in one turn (lastContext = $context) is gone in the next", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    scriptTurn(host, "victim", "$session.card = '4111'; lastContext = $context;");
    expect(scriptTurn(host, "attacker", "$session.read = typeof lastContext === 'undefined' ? 'none' : JSON.stringify(lastContext.session);")).toEqual({ read: "none" });
  });

  it("every turn starts from the project's state after load, whatever the last turn changed", () => {
    const host = createScriptHost(makeProject([script("var counter = 0; var config = { mode: 'a' }; function bump() { return ++counter; }")]), fakeServices());
    expect(scriptTurn(host, "u1", "config.mode = 'b'; $session.n = bump();")).toEqual({ n: 1 });
    expect(scriptTurn(host, "u2", "$session.n = bump(); $session.mode = config.mode;")).toEqual({ n: 1, mode: "a" });
  });

  it("keeps the context across turns that ran no user code, and builds one per turn that did", () => {
    const services = fakeServices();
    const host = createScriptHost(makeProject([script("log('context built');")]), services);
    const builds = () => services.logs.filter((l) => l.message === "context built").length;
    expect(builds()).toBe(1);
    for (let i = 0; i < 3; i++) {
      host.beginTurn(userScope(`u${i}`, { name: `n${i}` }));
      expect(host.test("$session.name == 'n" + i + "'", pos())).toBe(true);
      expect(host.render("hi {{ $session.name }}", pos())).toBe(`hi n${i}`);
      host.endTurn();
    }
    expect(builds()).toBe(1);
    // A script of turn-data statements keeps the context too; one call retires it.
    expect(scriptTurn(host, "u8", "$session.x = ($session.x || 0) + 1;\n$temp.y = $session['x'];")).toEqual({ x: 1 });
    expect(builds()).toBe(1);
    scriptTurn(host, "u9", "$session.x = Math.max(1, 2);");
    host.beginTurn(userScope("u10"));
    host.endTurn();
    expect(builds()).toBe(2);
  });

  it("a script's locals, branches and object literals of turn data keep the context, and nothing they held reaches the next turn", () => {
    const services = fakeServices();
    const host = createScriptHost(makeProject([script("log('context built');")]), services);
    const builds = () => services.logs.filter((l) => l.message === "context built").length;
    const code = "var card = $session.card;\nif (card) {\n    var order = {card: card, items: []};\n    $temp.order = order;\n    $session.paid = true;\n} else return;\n$session.card = null;";
    host.beginTurn(userScope("victim", { card: "4111" }));
    host.runScript(code, { es6: false, pos: nextPos() });
    expect(host.endTurn()).toMatchObject({ session: { card: null, paid: true }, temp: { order: { card: "4111", items: [] } } });
    host.beginTurn(userScope("next"));
    host.endTurn();
    expect(builds()).toBe(1);
    // The locals were the script function's own: the context's globals never had them.
    expect(scriptTurn(host, "attacker", "$session.seen = [typeof card, typeof order, typeof globalThis.card];")).toEqual({ seen: ["undefined", "undefined", "undefined"] });
    // A name the script assigns without declaring it would be a global: such a script is user code.
    scriptTurn(host, "victim", "if ($session.x) { let y = 1; }\ncard = $session.card;");
    expect(scriptTurn(host, "attacker", "$session.seen = typeof card;")).toEqual({ seen: "undefined" });
    expect(builds()).toBe(3);
  });

  it("a bracket key to __proto__ in a condition, template or script is user code: the next user gets a fresh context", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    for (const [i, plant] of [
      (h: ScriptHost) => h.test(`$session["__proto__"].planted1 = 1`, pos()),
      (h: ScriptHost) => h.render(`{{ $session["__pro" + "to__"].planted2 = 2 }}`, pos()),
      (h: ScriptHost) => h.runScript(`$session['constructor']['prototype'].planted3 = 3;`, { es6: false, pos: nextPos() }),
    ].entries()) {
      host.beginTurn(userScope("attacker"));
      plant(host);
      host.endTurn();
      expect(scriptTurn(host, "victim", `$session.seen = typeof ({}).planted${i + 1};`)).toEqual({ seen: "undefined" });
    }
  });
  it("a member chain on a literal (1..constructor, [0].map, 'x'.big) or to an inherited builtin ($session.toString) in a condition, template or script is user code: nothing it plants reaches the next user", () => {
    const host = createScriptHost(makeProject(), fakeServices());
    const plants: [(h: ScriptHost) => unknown, string][] = [
      [(h) => h.test("1..constructor.prototype.__proto__.planted1 = 1", pos()), "({}).planted1"],
      [(h) => h.render("{{ 1.5.constructor.prototype.planted2 = $client.secret }}", pos()), "(1).planted2"],
      [(h) => h.runScript("0xff.constructor.constructor.prototype.planted3 = $client.secret;", { es6: false, pos: nextPos() }), "Function.prototype.planted3"],
      [(h) => h.runScript("$session.m = [0].map;\n[0].map.planted4 = $client.secret;", { es6: false, pos: nextPos() }), "[].map.planted4"],
      [(h) => h.test("'x'.big.planted5 = $client.secret", pos()), "''.big.planted5"],
      [(h) => h.runScript("1e3.toFixed.planted6 = $client.secret;", { es6: false, pos: nextPos() }), "(1).toFixed.planted6"],
      [(h) => h.runScript("$session.toString.planted7 = $client.secret;", { es6: false, pos: nextPos() }), "({}).toString.planted7"],
      [(h) => h.runScript("$session.name = 'a';\n$session.name.equals.planted8 = $client.secret;", { es6: false, pos: nextPos() }), "''.equals.planted8"],
    ];
    for (const [plant, read] of plants) {
      host.beginTurn(userScope("victim"));
      plant(host);
      host.endTurn();
      expect(scriptTurn(host, "attacker", `$session.seen = String(${read});`), read).toEqual({ seen: "undefined" });
    }
  });

  it("a method the project's load code adds to a builtin prototype is not turn data either", () => {
    const host = createScriptHost(makeProject([script("Array.prototype.last = function () { return this[this.length - 1]; };")]), fakeServices());
    host.beginTurn(userScope("victim"));
    host.runScript("$session.list = [1];\n$session.list.last.planted = $client.secret;", { es6: false, pos: nextPos() });
    host.endTurn();
    expect(scriptTurn(host, "attacker", "$session.seen = String([].last.planted);")).toEqual({ seen: "undefined" });
  });
});

describe("code the project's load code hangs on builtin prototypes", () => {
  // Load code is the project's: it may keep what it sees (a memo, a log), so a turn that reaches it
  // runs user code and the next user must get a fresh context.
  const spy = "var seen = [];\n";
  it("an accessor it defines on a builtin prototype is user code wherever a member read or write reaches it", () => {
    const load = spy + "Object.defineProperty(Array.prototype, 'top', { get: function () { seen.push(this[0]); return this[0]; } });\nObject.defineProperty(Object.prototype, 'card', { set: function (v) { seen.push(v); }, get: function () { return undefined; } });";
    const host = createScriptHost(makeProject([script(load)]), fakeServices());
    host.beginTurn(userScope("victim", { cards: ["4111"] }));
    expect(host.test("$session.cards.top == '4111'", pos())).toBe(true);
    host.runScript("$temp.card = $client.secret;", { es6: false, pos: nextPos() });
    host.endTurn();
    expect(scriptTurn(host, "attacker", "$session.seen = seen.slice();")).toEqual({ seen: [] });
  });

  it("a conversion method it replaces (toString, valueOf, join, Symbol.toPrimitive) is user code wherever turn data is converted", () => {
    const load = spy + "var toString = Array.prototype.toString;\nArray.prototype.toString = function () { seen.push(this[0]); return toString.call(this); };";
    const host = createScriptHost(makeProject([script(load)]), fakeServices());
    host.beginTurn(userScope("victim", { cards: ["4111"] }));
    expect(host.test("$session.cards == '4111'", pos())).toBe(true);
    expect(host.render("card {{ $session.cards }}", pos())).toBe("card 4111");
    host.runScript("$temp.n = -$session.cards;", { es6: false, pos: nextPos() });
    host.endTurn();
    expect(scriptTurn(host, "attacker", "$session.seen = seen.slice();")).toEqual({ seen: [] });
  });

  it("a toJSON it puts on Object.prototype is user code: the turn's state is serialised through it", () => {
    const load = spy + "Object.prototype.toJSON = function () { if (this.card) seen.push(this.card); return this; };\nObject.defineProperty(Object.prototype, 'toJSON', { enumerable: false });";
    const host = createScriptHost(makeProject([script(load)]), fakeServices());
    host.beginTurn(userScope("victim", { card: "4111" }));
    expect(host.test("$session.card == '4111'", pos())).toBe(true);
    host.endTurn();
    expect(scriptTurn(host, "attacker", "$session.seen = seen.slice();")).toEqual({ seen: [] });
  });
});

describe("CPU a turn-data script can burn where the CPU limit cannot stop it", () => {
  it("a script that doubles a string over and over is user code: an inline host refuses it before the isolate flattens the string", () => {
    // Flattening a string joined from halves is one step V8 does not interrupt: 22 doublings of a
    // 32-character literal held the thread for seconds against a 50 ms limit.
    const host = createScriptHost(makeProject(), fakeServices(), {
      cpuMs: 50,
      beforeUserCode: () => {
        throw new Error("refused: user code");
      },
    });
    const code = "var s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n" + "s = s + s;\n".repeat(22) + "$session.b = s < $session.q;";
    host.beginTurn(userScope("u"));
    const started = process.cpuUsage();
    expect(() => host.runScript(code, { es6: false, pos: nextPos() })).toThrow("refused: user code");
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
    host.endTurn();
  });
  it("a script that stretches an array to millions of holes is user code: an inline host refuses it before the isolate joins them", () => {
    const host = createScriptHost(makeProject(), fakeServices(), {
      cpuMs: 50,
      beforeUserCode: () => {
        throw new Error("refused: user code");
      },
    });
    host.beginTurn(userScope("u"));
    const started = process.cpuUsage();
    expect(() => host.runScript("$session.a = ['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'];\n$session.a.length = 30000000;\n$session.b = $session.a == 'z';", { es6: false, pos: nextPos() })).toThrow("refused: user code");
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
    host.endTurn();
  });
});

describe("memory limit", () => {
  it("a value leaving the isolate is bounded: a huge answer, $session or host-call argument fails inside the isolate, before it is copied out", () => {
    const host = createScriptHost(makeProject(), fakeServices(), { maxOutChars: 100_000 });
    host.beginTurn(userScope("attacker"));
    host.runScript("$reactions.answer(new Array(20).join('y'.repeat(10000)));", { es6: false, pos: nextPos() });
    expect(scriptErrorOf(() => host.endTurn()).message).toMatch(/^a result \(a turn's replies, \$session, \$client or \$temp\) is larger than 100000 characters as JSON/);
    host.beginTurn(userScope("attacker"));
    expect(scriptErrorOf(() => host.runScript("log('z'.repeat(200000));", { es6: false, pos: pos(9) }))).toMatchObject({ message: expect.stringMatching(/^the argument of host call 'log' is larger than 100000 characters/), pos: { line: 9 } });
    expect(scriptErrorOf(() => host.runScript("throw new Error('e'.repeat(200000));", { es6: false, pos: nextPos() })).message).toMatch(/the error was larger than 100000 characters/);
    host.endTurn();
    expect(scriptTurn(host, "probe", "$session.ok = 'x'.repeat(1000).length;")).toEqual({ ok: 1000 });
  });

  it("ArrayBuffers count against it: 2 × 700 MB fails the call cleanly, the memory is not held, the next turn is served", () => {
    const host = createScriptHost(makeProject(), fakeServices(), { memoryMb: 128 });
    const before = process.memoryUsage().rss;
    host.beginTurn(userScope("attacker"));
    const err = scriptErrorOf(() =>
      host.runScript("globalThis.keep = []; for (var i = 0; i < 2; i++) { var u = new Uint8Array(700 * 1024 * 1024); u.fill(1); keep.push(u); }", { es6: false, pos: pos(7) }),
    );
    expect(err.message).toMatch(/Array buffer allocation failed|memory limit/);
    expect(err.pos).toMatchObject({ file: "main.sc", line: 7 });
    host.endTurn();
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
    expect(scriptTurn(host, "probe", "$session.ok = typeof keep;")).toEqual({ ok: "undefined" });
  });

  it("a heap bomb ends with limit memory; the turn goes on in a new isolate and later turns are served", () => {
    const host = createScriptHost(makeProject(), fakeServices(), { memoryMb: 64, cpuMs: 20_000 });
    host.beginTurn(userScope("attacker", { kept: true }));
    host.setContext("currentState", "/Mem");
    const err = scriptErrorOf(() => host.runScript("var a = []; while (true) a.push(new Array(1000000).fill(1));", { es6: false, pos: pos(3) }));
    expect(err.limit).toBe("memory");
    // The engine's error path continues the same turn: its state is replayed into the new isolate.
    expect(host.getContext("currentState")).toBe("/Mem");
    host.addReply({ type: "text", text: "sorry" });
    const snap = host.endTurn();
    expect(snap.session).toEqual({ kept: true });
    expect(snap.response.replies.map((r) => r.text)).toEqual(["sorry"]);
    expect(scriptTurn(host, "probe", "$session.ok = [1, 2].map(function (x) { return x * 2; });")).toEqual({ ok: [2, 4] });
  });
});

describe("callbacks a script schedules", () => {
  it("a looping FinalizationRegistry callback does not run outside a call (no CPU burnt after the turn)", async () => {
    const host = createScriptHost(makeProject(), fakeServices());
    scriptTurn(
      host,
      "attacker",
      "var fr = new FinalizationRegistry(function () { while (true) {} }); for (var i = 0; i < 1000; i++) fr.register({ i: i }, i); globalThis.__fr = fr; var junk = []; for (var k = 0; k < 100; k++) junk.push(new Array(100000).fill(k));",
    );
    // Garbage on the host side too: with a realm in the host's own heap (node:vm) this collects the
    // registered targets and the cleanup callback would spin this thread.
    for (let i = 0; i < 30; i++) new Array(1_000_000).fill(i);
    const cpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(250);
    expect(scriptTurn(host, "probe", "$session.ok = true;")).toEqual({ ok: true });
  });
});

describe("a memory kill in the middle of a turn", () => {
  it("a script compiled before the kill runs again after it (compiled anew in the new isolate)", () => {
    const host = createScriptHost(makeProject(), fakeServices(), { memoryMb: 64, cpuMs: 20_000 });
    host.beginTurn(userScope("attacker"));
    host.runScript("$session.after = 'ran';", { es6: false, pos: pos(4) });
    host.endTurn();
    host.beginTurn(userScope("attacker"));
    scriptErrorOf(() => host.runScript("var a = []; while (true) a.push(new Array(1000000).fill(1));", { es6: false, pos: pos(3) }));
    host.runScript("$session.after = 'ran';", { es6: false, pos: pos(4) });
    expect(host.endTurn().session).toEqual({ after: "ran" });
  });
});
