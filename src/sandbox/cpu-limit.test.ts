// The CPU limit covers every call into the script isolate, bookkeeping included: user code planted
// earlier (getters, Proxies, valueOf, toJSON, promise jobs) is stopped with limit "cpu".
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../engine/index.js";
import { emptyUserState, type HostServices, type UserState } from "../engine/types.js";
import { loadProject } from "../project/loader.js";
import type { LoadItem } from "../project/model.js";
import { isTurnDataExpr, isTurnDataTemplate } from "./source.js";
import { fakeServices, hostWith, pos } from "./testkit.js";
import { ScriptError, type TurnScope } from "./types.js";

const CPU = 80;
const script = (code: string): LoadItem => ({ kind: "script", code, pos: pos(1, "src/init.js") }) as LoadItem;
const scope = (session: Record<string, unknown> = {}): TurnScope => ({ request: { query: "q", data: {} }, session, client: {}, contextPath: "/" });

function cpuLimit(fn: () => unknown): ScriptError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptError);
    expect((e as ScriptError).limit).toBe("cpu");
    return e as ScriptError;
  }
  throw new Error("expected a cpu limit error");
}

describe("turn-data expressions", () => {
  it("accepts trivial expressions over turn data only", () => {
    expect(isTurnDataExpr("$session.count > 1 && $client.name == 'x'")).toBe(true);
    expect(isTurnDataExpr("$parseTree._Number")).toBe(true);
    expect(isTurnDataExpr("$context.currentState === 'A'")).toBe(true);
    expect(isTurnDataExpr("'a.b' in $temp")).toBe(true);
    expect(isTurnDataTemplate("count {{ $session.count }} at {{$session.last}}")).toBe(true);
  });

  it("rejects persistent objects, calls and reflective names", () => {
    expect(isTurnDataExpr("config.limit > 1")).toBe(false); // a user global
    expect(isTurnDataExpr("$global.x")).toBe(false);
    expect(isTurnDataExpr("$injector.url")).toBe(false);
    expect(isTurnDataExpr("$context.injector.url")).toBe(false);
    expect(isTurnDataExpr("$context['injector']")).toBe(false);
    expect(isTurnDataExpr("$.session")).toBe(false);
    expect(isTurnDataExpr("new Foo")).toBe(false);
    expect(isTurnDataExpr("$session.x instanceof $session.y")).toBe(false);
    expect(isTurnDataExpr("$session.__proto__.toJSON = 1")).toBe(false);
    expect(isTurnDataExpr("$session.constructor")).toBe(false);
    expect(isTurnDataExpr("f($session)")).toBe(false);
    expect(isTurnDataExpr("($session.n || 0) + 1")).toBe(true); // grouping
    expect(isTurnDataExpr("$session['a'] + $parseTree._Number[0]")).toBe(true);
    expect(isTurnDataExpr("$session.f($session)")).toBe(false);
    expect(isTurnDataExpr("($session.f)($session)")).toBe(false);
    expect(isTurnDataExpr("$session['f']($session)")).toBe(false);
    expect(isTurnDataExpr("$session?.($session)")).toBe(false);
    expect(isTurnDataExpr('$session["__proto__"].x = 1')).toBe(false);
    expect(isTurnDataExpr('$session["__pro" + "to__"].x = 1')).toBe(false);
    expect(isTurnDataExpr("$session[$session.k] = 1")).toBe(false);
    expect(isTurnDataExpr("$session.f = $session => $session")).toBe(false);
    expect(isTurnDataTemplate("{{ $session.a }} {{ helper.b }}")).toBe(false);
  });
});

describe("the CPU limit covers every call, also bookkeeping over planted code", () => {
  it("a getter loop planted on Object.prototype at load time stops a trivial template", () => {
    const { host } = hostWith([script("Object.defineProperty(Object.prototype, 'missing', { get: function () { for (;;) {} }, configurable: true });")], { host: { cpuMs: CPU } });
    host.beginTurn(scope({ a: 1 }));
    cpuLimit(() => host.render("{{ $session.missing }}", pos()));
    // the context is usable afterwards
    host.beginTurn(scope({ a: 1 }));
    expect(host.render("{{ $session.a }}", pos())).toBe("1");
  });

  it("a toJSON loop planted on Object.prototype by a script stops endTurn; the next turn has a fresh context", () => {
    const { host, run } = hostWith([], { host: { cpuMs: CPU } });
    run("Object.prototype.toJSON = function () { for (;;) {} };");
    cpuLimit(() => host.endTurn());
    host.beginTurn(scope({ ok: true }));
    expect(host.getContext("nluResults")).toEqual({});
    expect(host.endTurn().session).toEqual({ ok: true });
  });

  it("a getter loop planted on $session in this turn stops a trivial condition", () => {
    const { host, run } = hostWith([], { host: { cpuMs: CPU } });
    run("Object.defineProperty($session, 'spin', { get: function () { for (;;) {} } });");
    cpuLimit(() => host.test("$session.spin", pos()));
    cpuLimit(() => host.render("{{ $session.spin }}", pos()));
  });

  it("a Proxy planted as $temp / $response stops getTemp, addReply and endTurn", () => {
    const { host, run } = hostWith([], { host: { cpuMs: CPU } });
    run("var spin = { get: function () { for (;;) {} } }; $temp = new Proxy({}, spin); $response = new Proxy({}, spin);");
    cpuLimit(() => host.getTemp("targetState"));
    host.addReply({ type: "text", text: "x" });
    cpuLimit(() => host.endTurn());
  });

  it("a valueOf loop on a persistent global stops a condition over it", () => {
    const { host } = hostWith([script("var limits = { max: { valueOf: function () { for (;;) {} } } };")], { host: { cpuMs: CPU } });
    cpuLimit(() => host.test("limits.max > 1", pos()));
  });

  it("a global accessor stops a condition that names it", () => {
    const { host } = hostWith([script("Object.defineProperty(globalThis, 'loopy', { get: function () { for (;;) {} } });")], { host: { cpuMs: CPU } });
    cpuLimit(() => host.test("loopy", pos()));
  });

  it("Error.prepareStackTrace planted by a script stops a failing trivial condition in the same turn", () => {
    const { host, run } = hostWith([], { host: { cpuMs: CPU } });
    run("Error.prepareStackTrace = function () { for (;;) {} };");
    cpuLimit(() => host.test("$session.a.b", pos()));
  });

  it("an endless promise-job chain is stopped inside the call that started it", () => {
    const { host, run } = hostWith([], { host: { cpuMs: CPU } });
    expect(() => run("(function again() { Promise.resolve().then(again); })();")).toThrow(/timed out/);
    host.beginTurn(scope({ fine: 1 }));
    expect(host.endTurn().session).toEqual({ fine: 1 });
  });

  it("does not count time blocked in a host call ($http) against the limit", () => {
    const services = fakeServices({
      respond: () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * CPU);
        return { status: 200, headers: {}, body: "slow" };
      },
    });
    const { host, run } = hostWith([], { services, host: { cpuMs: CPU } });
    run("$session.body = $http.get('https://slow.example').data;");
    expect(host.endTurn().session).toEqual({ body: "slow" });
  });
});

describe("the engine's error path for a planted loop", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cpu-limit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: cpu\nentryPoint: main.sc\nlanguage: en\nmessages:\n  onError:\n    defaultMessage: Something broke\n");
  writeFileSync(
    path.join(dir, "src/main.sc"),
    [
      "require: trap.js",
      "",
      "theme: /",
      "",
      "    state: Plant",
      "        q!: plant",
      "        script:",
      "            Object.defineProperty(Object.prototype, 'trap', { get: function () { for (;;) {} }, configurable: true });",
      "        a: value {{ $session.trap }}",
      "",
      "    state: Spring",
      "        q!: spring",
      "        a: value {{ $session.trap }}",
      "",
      "    state: Hello",
      "        q!: hello",
      "        a: hi",
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "src/trap.js"), "bind('onScriptError', function ($context) { $reactions.answer('handled: ' + $context.exception.message); });\n");

  it("takes onScriptError and serves the next turn", () => {
    const services: HostServices = { ...fakeServices(), now: () => 1_700_000_000_000 };
    const engine = createEngine(loadProject(dir), services, { cpuMs: CPU });
    let state: UserState = emptyUserState();
    const send = (query: string) => {
      const r = engine.process({ query }, state, {});
      state = r.state;
      return r;
    };
    const sprung = send("plant");
    expect(sprung.error?.kind).toBe("limit");
    expect(sprung.replies.map((r) => r.text)).toEqual(["handled: Script execution timed out after 80 ms"]);
    expect(send("hello").replies.map((r) => r.text)).toEqual(["hi"]);
    // The trap died with the context of the turn that planted it.
    expect(send("spring").replies.map((r) => r.text)).toEqual(["value "]);
  });
});
