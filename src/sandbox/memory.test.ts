// Big projects under the isolate's memory limit (docs/sandbox.md, "Memory limit"): retired contexts
// that V8 keeps alive, a context build that hits the limit, and the turns after it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../project/loader.js";
import type { LoadItem, Project } from "../project/model.js";
import { createScriptHost } from "./host.js";
import { fakeServices, makeProject, pos, scriptErrorOf, scriptTurn, userScope } from "./testkit.js";

/** A city table of `n` rows, as a CSV dictionary with `var =` becomes (~60 bytes of heap a row). */
function cities(n: number): LoadItem {
  const data: Record<string, { value: unknown }> = {};
  for (let i = 0; i < n; i++) data[`c${i}`] = { value: { name: `City ${i}`, region: `Region ${i % 85}`, population: i * 7 } };
  return { kind: "data", varName: "$Cities", data, pos: pos(1, "src/cities.csv") };
}

const script = (code: string, file = "src/init.js"): LoadItem => ({ kind: "script", code, es6: false, pos: pos(1, file) });

/** What V8 keeps a released context alive for: a function stored into an object at load (zb-common's `cnv.f = function…`). */
const HELPERS = script("var helpers = {}; helpers.cityName = function (id) { return $Cities[id].value.name; };");


describe("a project with a big data table under the memory limit", () => {
  it("serves many turns that run user code: retired contexts are given back by starting a new isolate", () => {
    // ~4 MB of heap per context that reads the table, 48 MB limit: without a new isolate, the ~9th fresh context hit the limit.
    const host = createScriptHost(makeProject([cities(40_000), HELPERS]), fakeServices(), { memoryMb: 48, cpuMs: 20_000 });
    for (let i = 0; i < 20; i++) {
      expect(scriptTurn(host, `u${i}`, `$session.city = helpers.cityName("c${i}");`)).toEqual({ city: `City ${i}` });
    }
    host.dispose();
  }, 120_000);
});

describe("a context build that hits the memory limit", () => {
  // The load code allocates past the limit when the host says so: the build of a fresh context
  // (in beginTurn, after a turn that ran user code) fails, as a big project's did when its isolate
  // was full of retired contexts.
  const bombAtLoad = script('if ($env.get("BOMB") === "1") { var a = []; while (true) a.push(new Array(1000000).fill(1)); }');

  it("fails that turn with limit memory; the next turn builds its context again and is served (no 'Reference has been released')", () => {
    let bomb = false;
    const services = fakeServices({ env: (name) => (name === "BOMB" ? (bomb ? "1" : "0") : undefined) });
    const host = createScriptHost(makeProject([bombAtLoad]), services, { memoryMb: 32, cpuMs: 20_000 });
    expect(scriptTurn(host, "a", "$session.n = Math.max(1);")).toEqual({ n: 1 });
    bomb = true;
    const err = scriptErrorOf(() => host.beginTurn(userScope("b")));
    expect(err.limit).toBe("memory");
    bomb = false;
    expect(scriptTurn(host, "c", "$session.n = Math.max(3);")).toEqual({ n: 3 });
    expect(scriptTurn(host, "d", "$session.n = Math.max(4);")).toEqual({ n: 4 });
  }, 60_000);

  it("a build that fails on the CPU limit (a big load under GC pressure) leaves no released context behind", () => {
    let spin = false;
    const services = fakeServices({ env: (name) => (name === "SPIN" ? (spin ? "1" : "0") : undefined) });
    const host = createScriptHost(makeProject([script('if ($env.get("SPIN") === "1") { while (true) {} }')]), services, { cpuMs: 100 });
    expect(scriptTurn(host, "a", "$session.n = Math.max(1);")).toEqual({ n: 1 });
    spin = true;
    expect(scriptErrorOf(() => host.beginTurn(userScope("b"))).limit).toBe("cpu");
    spin = false;
    // This turn used to call the context released above: "Reference has been released".
    expect(scriptTurn(host, "c", "$session.n = Math.max(3);")).toEqual({ n: 3 });
  }, 60_000);

  it("a heap bomb in a turn, then a turn whose context build fails, then normal turns of other users", () => {
    let bomb = false;
    const services = fakeServices({ env: (name) => (name === "BOMB" ? (bomb ? "1" : "0") : undefined) });
    const host = createScriptHost(makeProject([bombAtLoad]), services, { memoryMb: 32, cpuMs: 20_000 });
    host.beginTurn(userScope("attacker"));
    expect(scriptErrorOf(() => host.runScript("var a = []; while (true) a.push(new Array(1000000).fill(1));", { es6: false, pos: pos(3) })).limit).toBe("memory");
    bomb = true;
    // The engine's error path goes on in the same turn: its context cannot be built either.
    expect(scriptErrorOf(() => host.getContext("currentState")).limit).toBe("memory");
    bomb = false;
    host.addReply({ type: "text", text: "sorry" });
    expect(host.endTurn().response.replies.map((r) => r.text)).toEqual(["sorry"]);
    expect(scriptTurn(host, "probe", "$session.ok = [1, 2].length;")).toEqual({ ok: 2 });
  }, 60_000);
});

describe("big read-only project data (a CSV dictionary bound with var =), held once per isolate", () => {
  const ROWS = 40_000;
  let dir: string;
  let project: Project;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "big-data-"));
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "chatbot.yaml"), "name: big-data\nentryPoint: main.sc\n");
    writeFileSync(
      path.join(dir, "src/main.sc"),
      "require: cities.csv\n    var = $Cities\nrequire: helpers.js\n\ntheme: /\n\n    state: Start\n        q!: *\n        a: hi\n",
    );
    writeFileSync(path.join(dir, "src/helpers.js"), "var helpers = {};\nhelpers.cityName = function (id) { return $Cities[id].value.name; };\n");
    const rows: string[] = [];
    for (let i = 1; i <= ROWS; i++) rows.push(`${i};Город ${i},Г${i};{"name":"Город ${i}","population":${i * 11},"tags":["a","b"]}`);
    writeFileSync(path.join(dir, "src/cities.csv"), rows.join("\n") + "\n");
    project = loadProject(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("one user's changes to the data (entries, nested values, the global itself) never reach the next user", () => {
    const host = createScriptHost(project, fakeServices(), { memoryMb: 64, cpuMs: 20_000 });
    expect(scriptTurn(host, "attacker", '$Cities["1"].value.name = "pwned"; $Cities["x"] = 1; delete $Cities["2"]; $session.saw = helpers.cityName("1");')).toEqual({ saw: "pwned" });
    expect(scriptTurn(host, "attacker", 'Object.defineProperty($Cities["3"], "value", { value: { name: "pwned" } }); $Cities = {}; $session.n = Object.keys($Cities).length;')).toEqual({ n: 0 });
    expect(
      scriptTurn(host, "probe", '$session.one = helpers.cityName("1"); $session.two = helpers.cityName("2"); $session.three = helpers.cityName("3"); $session.x = typeof $Cities["x"]; $session.rows = Object.keys($global.$Cities).length;'),
    ).toEqual({ one: "Город 1", two: "Город 2", three: "Город 3", x: "undefined", rows: ROWS });
    host.dispose();
  }, 60_000);

  it("a turn that replaces the global before reading it, and `typeof`, `in`, and enumeration of the global object, behave as for a plain global", () => {
    const host = createScriptHost(project, fakeServices(), { memoryMb: 64, cpuMs: 20_000 });
    expect(scriptTurn(host, "a", '$session.t = typeof $Cities; $session.in = "$Cities" in globalThis; $session.listed = Object.keys(globalThis).indexOf("$Cities") >= 0;')).toEqual({
      t: "object",
      in: true,
      listed: true,
    });
    expect(scriptTurn(host, "b", '$Cities = "mine"; $session.v = $Cities;')).toEqual({ v: "mine" });
    expect(scriptTurn(host, "c", '$session.v = $Cities["7"].value.population;')).toEqual({ v: 77 });
    host.dispose();
  }, 60_000);

  it("many turns that read the data fit a limit a few copies of it would fill", () => {
    const host = createScriptHost(project, fakeServices(), { memoryMb: 48, cpuMs: 20_000 });
    for (let i = 1; i <= 15; i++) expect(scriptTurn(host, `u${i}`, `$session.c = helpers.cityName("${i}");`)).toEqual({ c: `Город ${i}` });
    host.dispose();
  }, 120_000);
});
