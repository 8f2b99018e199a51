// Known ways out of a node:vm realm must all fail: nothing from the host realm is reachable.
import { describe, expect, it } from "vitest";
import { ScriptError } from "./types.js";
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

  it("refuses import() in scripts, eval and every function constructor", () => {
    const { run } = hostWith();
    expect(() => run("import('fs').then(function (m) { $session.fs = m; });")).toThrow(ScriptError);
    expect(() => run("import /* c */ ('fs');")).toThrow(/import\(\) is not available/);
    // The source is assembled at run time so that only the realm-side guard can see it.
    const imp = "var src = 'imp' + 'ort(\"fs\")';";
    const blocked = "threw: import() is not available in scripts";
    expect(attempt(`${imp} return eval(src);`)).toBe(blocked);
    expect(attempt(`${imp} return new Function('return ' + src)();`)).toBe(blocked);
    expect(attempt(`${imp} return Function.prototype.constructor('return ' + src)();`)).toBe(blocked);
    expect(attempt(`${imp} return (async function () {}).constructor('return ' + src)();`)).toBe(blocked);
    expect(attempt(`${imp} return (function* () {}).constructor('yield ' + src)().next();`)).toBe(blocked);
    expect(attempt(`${imp} return (async function* () {}).constructor('yield ' + src)().next();`)).toBe(blocked);
  });

  it("still allows eval and new Function for ordinary code", () => {
    expect(attempt("var obj = {import: function (x) { return x; }}; return eval('1 + 2') + new Function('a', 'return a * 2')(5) + obj.import(1);")).toBe(14);
  });

  it("keeps the realm's dispatcher and slots out of reach of script tampering", () => {
    const { host, run } = hostWith();
    run("try { __sa_dispatch = null; } catch (e) {} try { Object.defineProperty(globalThis, '__sa_in', {get: function () { return '[\"end\"]'; }}); } catch (e) { $session.defineFailed = true; }");
    run("$session.still = typeof __sa_hostfn + typeof __sa_module;");
    expect(host.endTurn().session).toEqual({ defineFailed: true, still: "undefinedundefined" });
  });
});
