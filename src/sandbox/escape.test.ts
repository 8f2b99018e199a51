// Known ways out of a script context must all fail: scripts run in their own V8 isolate, so nothing
// of the host's heap is reachable, whatever the script compiles or evaluates.
import { describe, expect, it } from "vitest";
import { fakeServices, hostWith } from "./testkit.js";

/** Runs `body` as a function; returns what it returned, or "threw: <message>". */
function attempt(body: string, es6 = false): unknown {
  const services = fakeServices({
    respond: () => {
      throw new Error("host failure");
    },
  });
  const { host, run } = hostWith([], { services });
  try {
    run(`try { $session.r = (function () {\n${body}\n})(); } catch (e) { $session.r = 'threw: ' + (e && e.message); }`, es6);
  } catch (e) {
    return `blocked: ${(e as Error).message}`;
  }
  return host.endTurn().session.r;
}

const ESCAPED = ["object", "function"];

describe("escape attempts", () => {
  it.each([
    ["the global's constructor", "return this.constructor.constructor('return typeof process')();"],
    ["globalThis.constructor", "return globalThis.constructor.constructor('return typeof process')();"],
    ["$http.get.constructor", "return $http.get.constructor('return typeof process')();"],
    ["$reactions.answer.constructor", "return $reactions.answer.constructor('return typeof process')();"],
    ["an async function's constructor", "return (async function () {}).constructor.constructor('return typeof process')();"],
    ["a caught error from a failing host call", "try { $http.get('https://x'); $secrets.get('nope'); } catch (e) { return e.constructor.constructor('return typeof process')(); } return 'no error';"],
    ["a $secrets error", "try { $secrets.get('nope'); } catch (e) { return e.constructor.constructor('return typeof process')(); }"],
    ["the prototype chain of the global", "var p = Object.getPrototypeOf(globalThis); var out = []; while (p) { out.push(p.constructor && p.constructor.constructor ? p.constructor.constructor('return typeof process')() : 'none'); p = Object.getPrototypeOf(p); } return out.join(',');"],
  ])("via %s", (_name, body) => {
    const r = attempt(body);
    expect(typeof r).toBe("string");
    for (const bad of ESCAPED) expect(String(r).split(",")).not.toContain(bad);
  });

  it("finds no process through the constructor trick", () => {
    expect(attempt("return this.constructor.constructor('return process')();")).toBe("threw: process is not defined");
  });

  it("has no require, process, module or Buffer", () => {
    expect(attempt("return [typeof require, typeof process, typeof module, typeof Buffer, typeof setTimeout].join(',');")).toBe(
      "undefined,undefined,undefined,undefined,undefined",
    );
  });

  it("gives Error.prepareStackTrace call sites without host functions or receivers", () => {
    const r = attempt(`
      var seen = [];
      Error.prepareStackTrace = function (err, sites) {
        for (var i = 0; i < sites.length; i++) {
          var f = sites[i].getFunction(), t = sites[i].getThis();
          if (f) seen.push(f.constructor('return typeof process')());
          if (t && t.constructor) seen.push(t.constructor.constructor('return typeof process')());
          seen.push(sites[i].constructor.constructor('return typeof process')());
        }
        return 'x';
      };
      $http.get('https://x', {headers: {get a() { return new Error('in getter').stack; }}});
      new Error('probe').stack;
      Error.prepareStackTrace = undefined;
      return seen.join(',');`);
    for (const bad of ESCAPED) expect(String(r).split(",")).not.toContain(bad);
  });

  // Every spelling JS parses as import(…), also the ones a textual guard misses (a // comment
  // ended by U+2028, U+2029 or \r, an HTML-like <!-- comment): inside the isolate a dynamic import
  // rejects with an error of the isolate itself, whose constructor chain ends in the isolate's Function.
  const SPELLINGS: [string, string][] = [
    ["plain", "import('node:fs')"],
    ["block comment", "import/*x*/('node:fs')"],
    ["// comment ended by U+2028", "import//x\u2028('node:fs')"],
    ["// comment ended by U+2029", "import//x\u2029('node:fs')"],
    ["// comment ended by CR", "import//x\r('node:fs')"],
    ["<!-- comment", "import<!--x\n('node:fs')"],
  ];
  const PROBE = `.then(function () { return 'imported'; }, function (e) { var r = 'rejected: ' + e.message; try { var p = e.constructor.constructor('return process')(); r += ' / process: ' + typeof p; } catch (x) { r += ' / ' + x.message; } return r; })`;

  it.each(SPELLINGS)("import() spelled %s reaches no module and no process (eval, Function, a script)", (_name, spelling) => {
    const src = JSON.stringify(spelling);
    const { host, run } = hostWith();
    run(`eval(${src})${PROBE}.then(function (r) { $session.viaEval = r; });`);
    run(`(0, eval)(${src})${PROBE}.then(function (r) { $session.viaIndirect = r; });`);
    run(`new Function('return ' + ${src})()${PROBE}.then(function (r) { $session.viaFunction = r; });`);
    run(`var p = ${spelling}; p${PROBE}.then(function (r) { $session.direct = r; });`);
    const session = host.endTurn().session;
    expect(Object.keys(session).sort()).toEqual(["direct", "viaEval", "viaFunction", "viaIndirect"]);
    for (const v of Object.values(session)) expect(v).toMatch(/^rejected: .+ \/ process is not defined$/);
  });

  it("user text a project evaluates (a calculator state) cannot import either", () => {
    for (const [, spelling] of SPELLINGS) {
      const { host, run } = hostWith([], { scope: { request: { query: spelling, data: {} } } as never });
      run(`try { eval($request.query)${PROBE}.then(function (r) { $session.r = r; }); } catch (e) { $session.r = 'threw ' + e.message; }`);
      expect(host.endTurn().session.r).toMatch(/^rejected: .+ \/ process is not defined$/);
    }
  });

  it("allows eval, direct eval of locals and new Function for ordinary code", () => {
    expect(attempt("var local = 40; var obj = {import: function (x) { return x; }}; return eval('local + 2') + new Function('a', 'return a * 2')(5) + obj.import(1);")).toBe(53);
  });

  it("has no SharedArrayBuffer or WebAssembly", () => {
    expect(attempt("return [typeof SharedArrayBuffer, typeof WebAssembly].join(',');")).toBe("undefined,undefined");
  });

  it("keeps the host channel and the core's dispatcher out of the global scope", () => {
    const { host, run } = hostWith();
    run("$session.names = Object.getOwnPropertyNames(globalThis).filter(function (n) { return /^__sa/.test(n); });");
    expect(host.endTurn().session).toEqual({ names: [] });
  });
});
