import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../project/loader.js";
import { createScriptHost } from "./host.js";
import { fakeServices, type FakeServices } from "./testkit.js";
import { ScriptError, type ScriptHost, type TurnScope } from "./types.js";

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A project on disk whose main.sc requires src/app.js as an ES module bound to `app`. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "es6-host-"));
  temps.push(dir);
  const all: Record<string, string> = {
    "chatbot.yaml": "name: t\nentryPoint: main.sc\n",
    "src/main.sc": "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n    state: S\n        q!: *\n        a: hi\n",
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function host(dir: string, services: FakeServices = fakeServices()): { host: ScriptHost; services: FakeServices; turn: (code: string, user?: string) => Record<string, unknown> } {
  const h = createScriptHost(loadProject(dir), services);
  let line = 1;
  const turn = (code: string, user = "u1") => {
    h.beginTurn({ request: { query: "q", data: {}, channelUserId: user }, session: {}, client: {}, contextPath: "/" } as unknown as TurnScope);
    h.runScript(code, { es6: true, pos: { file: "src/main.sc", line: line++, col: 1 } });
    return h.endTurn().session;
  };
  return { host: h, services, turn };
}

const NPM = ".smartapp/npm/node_modules";

describe("ES modules in the isolate", () => {
  it("links project modules, CommonJS packages (default and named exports), JSON and node:path", () => {
    const dir = project({
      "src/app.js": [
        'import { twice, later } from "./lib/math.js";',
        'import counter, { hit } from "counter";',
        'import data from "./data.json";',
        'import path from "node:path";',
        "export default { twice, later, counter, hit, data, join: path.join };",
      ].join("\n"),
      "src/lib/math.js": "export const twice = (x) => x * 2;\nexport async function later(x) { await null; return x + 1; }\n",
      "src/data.json": '{"city": "Москва"}',
      [`${NPM}/counter/package.json`]: '{"name": "counter", "main": "index.js"}',
      [`${NPM}/counter/index.js`]: "var n = 0;\nexports.hit = function () { return ++n; };\nexports.label = require('./label');\n",
      [`${NPM}/counter/label.js`]: "module.exports = 'counter';\n",
    });
    const { turn } = host(dir);
    const s = turn("$session.r = [app.twice(21), await app.later(41), app.counter.label, app.hit(), app.hit(), app.data.city, app.join('/a', '../b', 'c.txt')];");
    expect(s.r).toEqual([42, 42, "counter", 1, 2, "Москва", "/b/c.txt"]);
  });

  it("gives every context fresh module instances: module state does not outlive a turn that ran user code", () => {
    const dir = project({
      "src/app.js": 'import { hit } from "./state.js";\nexport const shared = { list: [] };\nexport default { hit, shared };\n',
      "src/state.js": "let n = 0;\nexport function hit() { n += 1; return n; }\n",
    });
    const { turn } = host(dir);
    expect(turn("app.shared.list.push('a'); $session.r = [app.hit(), app.hit(), app.shared.list.length];", "alice").r).toEqual([1, 2, 1]);
    expect(turn("$session.r = [app.hit(), app.shared.list.length];", "bob").r).toEqual([1, 0]);
  });

  it("node:fs imports, but calling it throws a clear error; a module that throws at load fails the host with its position", () => {
    const dir = project({ "src/app.js": 'import fs from "node:fs";\nimport { readFileSync } from "fs";\nexport default { fs, readFileSync };\n' });
    const { turn } = host(dir);
    expect(turn("try { app.readFileSync('/etc/passwd'); } catch (e) { $session.r = e.message; }").r).toMatch(/^node:fs is not available in scripts/);
    const bad = project({ "src/app.js": "export const a = 1;\nexport const b = missingThing();\n" });
    let err: unknown;
    try {
      host(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScriptError);
    expect((err as ScriptError).message).toBe("ReferenceError: missingThing is not defined");
    expect((err as ScriptError).pos).toEqual({ file: "src/app.js", line: 2, col: 18 });
  });

  it("fetch and XMLHttpRequest go through host.http (the $http policy) and share its per-turn call limit", () => {
    const services = fakeServices({ respond: (req) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ echo: req.url }) }) });
    const { turn } = host(project({ "src/app.js": "export default {};\n" }), services);
    const s = turn(
      [
        "const res = await fetch('https://api.example/x', { method: 'POST', headers: { 'X-A': '1' }, body: JSON.stringify({ q: 1 }) });",
        "const body = await res.json();",
        "const xhr = new XMLHttpRequest();",
        "const done = new Promise((resolve) => { xhr.onloadend = () => resolve(xhr.status + ' ' + xhr.responseText); });",
        "xhr.open('GET', 'https://api.example/y'); xhr.send();",
        "$session.r = [res.ok, res.headers.get('Content-Type'), body.echo, await done];",
        "let failed = 0; for (let i = 0; i < 20; i++) { try { await fetch('https://api.example/z'); } catch (e) { failed++; $session.why = e.message; } }",
        "$session.failed = failed;",
      ].join("\n"),
    );
    expect(s.r).toEqual([true, "application/json", "https://api.example/x", '200 {"echo":"https://api.example/y"}']);
    expect(services.requests[0]).toMatchObject({ method: "POST", url: "https://api.example/x", headers: { "x-a": "1" }, body: '{"q":1}' });
    expect(s.failed).toBe(7); // 15 calls per turn, as for $http
    expect(s.why).toBe("fetch failed: Callback limit reached");
  });

  it("fetch takes a Request (method, headers and body from it; init overrides), as SDKs that need the global do", () => {
    const services = fakeServices({ respond: (req) => ({ status: 200, headers: {}, body: `${req.method} ${req.url} ${req.body ?? ""}` }) });
    const { turn } = host(project({ "src/app.js": "export default {};\n" }), services);
    const s = turn(
      "const req = new Request('https://api.example/r', { method: 'put', headers: { 'X-B': '2' }, body: 'hi' });\n" +
        "const a = await (await fetch(req)).text();\n" +
        "const b = await (await fetch(req.clone(), { method: 'DELETE' })).text();\n" +
        "$session.r = [a, b, req.method, req.headers.get('x-b'), await req.text()];",
    );
    expect(s.r).toEqual(["PUT https://api.example/r hi", "DELETE https://api.example/r hi", "PUT", "2", "hi"]);
    expect(services.requests[0]).toMatchObject({ method: "PUT", headers: { "x-b": "2" } });
  });

  it("timers of an awaited block fire in order on a virtual clock, without waiting", () => {
    const { turn } = host(project({ "src/app.js": "export default {};\n" }));
    const started = Date.now();
    const s = turn(
      "const seen = []; setTimeout(() => seen.push('b'), 5000); const id = setTimeout(() => seen.push('never'), 10); clearTimeout(id);\n" +
        "let n = 0; const iv = setInterval(() => { seen.push('i' + ++n); if (n === 2) clearInterval(iv); }, 1000);\n" +
        "await new Promise((r) => setTimeout(r, 6000)); $session.r = seen; $session.b64 = [btoa('ok'), atob('b2s='), new TextDecoder().decode(new TextEncoder().encode('ёж'))];",
    );
    expect(s.r).toEqual(["i1", "i2", "b"]);
    expect(s.b64).toEqual(["b2s=", "ok", "ёж"]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("URL and URLSearchParams parse, resolve and serialise as in Node", () => {
    const { turn } = host(project({ "src/app.js": "export default {};\n" }));
    const s = turn(
      'const u = new URL("../c/d?x=1&y=%D0%B0#h", "HTTPS://Ex.com:443/a/b/"); u.searchParams.append("z", "а б");\n' +
        '$session.r = [u.href, u.origin, u.pathname, u.searchParams.get("y"), String(new URLSearchParams({ a: "1", b: "x y" })), new URL("http://h:8080/p/../q").host, URL.canParse("nope")];',
    );
    expect(s.r).toEqual(["https://ex.com/a/c/d?x=1&y=%D0%B0&z=%D0%B0+%D0%B1#h", "https://ex.com", "/a/c/d", "а", "a=1&b=x+y", "h:8080", false]);
  });

  it("Buffer is a global and node:buffer, as in the platform's Node runtime: the encodings packages convert with", () => {
    const dir = project({
      "src/app.js": 'import { b64 } from "b64";\nimport { Buffer as B } from "node:buffer";\nexport default { b64, same: B === Buffer };\n',
      [`${NPM}/b64/package.json`]: '{"name": "b64", "main": "index.js"}',
      [`${NPM}/b64/index.js`]: "var Buf = require('buffer').Buffer;\nexports.b64 = function (s) { return Buf.from(s, 'utf8').toString('base64'); };\n",
    });
    const { turn } = host(dir);
    const s = turn(
      "const round = (s, e) => Buffer.from(Buffer.from(s).toString(e), e).toString('utf8');\n" +
        "const joined = Buffer.concat([Buffer.from('ё'), Buffer.from([0x21])]);\n" +
        "$session.r = [app.b64('hello world!'), app.same, Buffer.from('aGVsbG8gd29ybGQh', 'base64').toString(), Buffer.from('ёж').toString('hex'),\n" +
        "  Buffer.from('d191', 'hex').toString(), Buffer.from('a?b').toString('base64url'), round('Привет, 🌍', 'base64'), round('x', 'latin1'),\n" +
        "  joined.toString(), joined.length, Buffer.isBuffer(joined.subarray(1)), Buffer.byteLength('ёж'), Buffer.from([0xff, 0x41]).toString(),\n" +
        "  JSON.stringify(Buffer.from('hi')), Buffer.alloc(3, 'ab').toString(), joined instanceof Uint8Array];",
    );
    expect(s.r).toEqual([
      "aGVsbG8gd29ybGQh",
      true,
      "hello world!",
      "d191d0b6",
      "ё",
      "YT9i",
      "Привет, 🌍",
      "x",
      "ё!",
      3,
      true,
      4,
      "\ufffdA",
      '{"type":"Buffer","data":[104,105]}',
      "aba",
      true,
    ]);
  });

  it("Buffer#fill with a typed array or DataView repeats its bytes, as Node does (not its elements)", () => {
    const { turn } = host(project({ "src/app.js": "export default {};\n" }));
    const s = turn(
      "const bytes = (b) => Array.from(b);\n" +
        "$session.r = [bytes(Buffer.alloc(4).fill(new Uint16Array([0x0201]))), bytes(Buffer.alloc(3).fill(new DataView(new Uint8Array([7, 8]).buffer))),\n" +
        "  bytes(Buffer.alloc(3).fill(new Uint8Array([5, 6]).subarray(1))), bytes(Buffer.alloc(3).fill(Buffer.from('ab')))];",
    );
    expect(s.r).toEqual([[1, 2, 1, 2], [7, 8, 7], [6, 6, 6], [97, 98, 97]]);
  });

  it("a CommonJS require() of a package whose browser build is an ES module gets its `require` build, as Node would", () => {
    const dir = project({
      "src/app.js": 'import user from "user";\nexport default { user };\n',
      [`${NPM}/user/package.json`]: '{"name": "user", "main": "index.js"}',
      [`${NPM}/user/index.js`]: "module.exports = require('dual').kind;\n",
      [`${NPM}/dual/package.json`]: '{"name": "dual", "exports": {".": {"browser": "./esm.js", "require": "./cjs.js"}}}',
      [`${NPM}/dual/esm.js`]: 'export const kind = "esm";\n',
      [`${NPM}/dual/cjs.js`]: 'exports.kind = "cjs";\n',
    });
    const { turn } = host(dir);
    expect(turn("$session.r = app.user;").r).toBe("cjs");
  });

  it("shares a module between two entries; an ES-module package imports a CommonJS one; node:events works", () => {
    const dir = project({
      "src/main.sc":
        "require: app.js\n    type = scriptEs6\n    name = app\nrequire: other.js\n    type = scriptEs6\n    name = other\n\ntheme: /\n    state: S\n        q!: *\n        a: hi\n",
      "src/app.js": 'import { bump } from "./shared.js";\nimport { loud } from "esm-pkg";\nexport default { bump, loud };\n',
      "src/other.js": 'import { bump } from "./shared.js";\nexport default { bump };\n',
      "src/shared.js": "let n = 0;\nexport const bump = () => ++n;\n",
      [`${NPM}/esm-pkg/package.json`]: '{"name": "esm-pkg", "type": "module", "exports": {"import": "./index.js"}}',
      [`${NPM}/esm-pkg/index.js`]: 'import emitterPkg, { tag } from "cjs-dep";\nexport const loud = (s) => { const e = new emitterPkg.Bus(); let out; e.on("x", (v) => (out = tag + v.toUpperCase())); e.emit("x", s); return out; };\n',
      [`${NPM}/cjs-dep/package.json`]: '{"name": "cjs-dep"}',
      [`${NPM}/cjs-dep/index.js`]: 'var EventEmitter = require("events");\nfunction Bus() { EventEmitter.call(this); }\nrequire("util").inherits(Bus, EventEmitter);\nmodule.exports = { Bus: Bus, tag: "> " };\n',
    });
    const { turn } = host(dir);
    expect(turn("$session.r = [app.bump(), other.bump(), app.loud('hey')];").r).toEqual([1, 2, "> HEY"]);
  });

  it("a package that is declared but not installed, or a module that never ends at load, fails the load with a clear error", () => {
    const fail = (dir: string, opts = {}) => {
      try {
        createScriptHost(loadProject(dir), fakeServices(), opts);
      } catch (e) {
        return e as ScriptError;
      }
      throw new Error("expected the load to fail");
    };
    const missing = fail(project({ "src/app.js": 'import axios from "axios";\nexport default axios;\n', "src/package.json": '{"dependencies": {"axios": "^1"}}' }));
    expect(missing.message).toMatch(/^npm package "axios" of src\/package\.json is not installed: run `smartapp install`/);
    expect(missing.pos).toEqual({ file: "src/app.js", line: 1, col: 19 });
    const looping = fail(project({ "src/app.js": "export const a = 1;\nfor (;;) {}\n" }), { moduleLoadMs: 100 });
    expect(looping).toMatchObject({ limit: "cpu", pos: { file: "src/app.js" } });
  });

  it("a package file with import/export in a CommonJS package is linked as an ES module; a syntax error in a package names the file", () => {
    const dir = project({
      "src/app.js": 'import { hi } from "esm-in-cjs";\nexport default { hi };\n',
      [`${NPM}/esm-in-cjs/package.json`]: '{"name": "esm-in-cjs", "main": "index.js"}',
      [`${NPM}/esm-in-cjs/index.js`]: 'export const hi = () => "hi";\n',
    });
    expect(host(dir).turn("$session.r = app.hi();").r).toBe("hi");
    const broken = project({
      "src/app.js": 'import ok from "ok-pkg";\nimport bad from "bad-pkg";\nexport default { ok, bad };\n',
      [`${NPM}/ok-pkg/package.json`]: '{"name": "ok-pkg"}',
      [`${NPM}/ok-pkg/index.js`]: "module.exports = 1;\n",
      [`${NPM}/bad-pkg/package.json`]: '{"name": "bad-pkg"}',
      [`${NPM}/bad-pkg/index.js`]: "var a = 1;\nvar b = ;\n",
    });
    let err: ScriptError | undefined;
    try {
      host(broken);
    } catch (e) {
      err = e as ScriptError;
    }
    expect(err?.message).toBe("npm packages: SyntaxError: Unexpected token ';' (in npm:bad-pkg/index.js:2:9)");
  });
});
