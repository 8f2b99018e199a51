// ES modules and npm packages cannot reach the host: they run in the project's isolate like every
// other script (docs/sandbox.md, "ES6 modules"). import() is refused by the isolate itself (not only
// by `smartapp check`), Node built-ins that need the host are inert stand-ins, packages see a fake
// `process`, and module state never carries from one user's turn into another's.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loader.js";
import type { Project } from "../../src/project/model.js";
import { createScriptHost } from "../../src/sandbox/host.js";
import { fakeServices } from "../../src/sandbox/testkit.js";
import type { TurnScope } from "../../src/sandbox/types.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "es6-sec-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const NPM = ".smartapp/npm/node_modules";
const files: Record<string, string> = {
  "chatbot.yaml": "name: t\nentryPoint: main.sc\n",
  "src/main.sc": "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n    state: S\n        q!: *\n        a: hi\n",
  "src/app.js": [
    'import fs from "node:fs";',
    'import cp from "node:child_process";',
    'import probe from "probe";',
    "let visits = [];",
    "export const cache = {};",
    "export default {",
    "  fs, cp, probe, cache,",
    "  visit(user) { visits.push(user); return visits.slice(); },",
    "  escape() { return (0, eval)('globalThis.constructor.constructor(\"return typeof process\")()'); },",
    "};",
  ].join("\n"),
  [`${NPM}/probe/package.json`]: '{"name": "probe", "main": "index.js"}',
  [`${NPM}/probe/index.js`]: [
    "var seen = [];",
    "module.exports = {",
    "  env: function () { return JSON.stringify(process.env); },",
    "  spawn: function () { return require('child_process').execSync('id'); },",
    "  remember: function (x) { seen.push(x); return seen.length; },",
    "  exit: function () { process.exit(1); },",
    "};",
  ].join("\n"),
};
for (const [rel, text] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function hostOf(project: Project) {
  const h = createScriptHost(project, fakeServices());
  let line = 1;
  return (code: string, user: string) => {
    h.beginTurn({ request: { query: "q", data: {}, channelUserId: user }, session: {}, client: {}, contextPath: "/" } as unknown as TurnScope);
    h.runScript(code, { es6: true, pos: { file: "src/main.sc", line: line++, col: 1 } });
    return h.endTurn().session;
  };
}

describe("ES modules cannot reach the host", () => {
  process.env.ES6_HOST_SECRET = "host-only";
  const turn = hostOf(loadProject(dir));

  it("Node built-ins that need the host are stand-ins whose functions throw", () => {
    const s = turn(
      "const out = []; for (const f of [() => app.fs.readFileSync('/etc/passwd', 'utf8'), () => app.cp.execSync('id'), () => app.probe.spawn()]) { try { out.push(String(f())); } catch (e) { out.push(e.message.slice(0, 40)); } } $session.r = out;",
      "mallory",
    );
    expect(s.r).toEqual(Array(3).fill(expect.stringMatching(/^node:(fs|child_process) is not available in s/)));
  });

  it("no process of the host: ES modules see none, packages a stand-in without the host's environment", () => {
    const s = turn("$session.r = [typeof process, app.escape(), app.probe.env()]; try { app.probe.exit(); } catch (e) { $session.exit = e.message; }", "mallory");
    expect(s.r).toEqual(["undefined", "undefined", '{"NODE_ENV":"production"}']);
    expect(s.exit).toMatch(/exit is not a function/);
  });

  it("import() inside a module is refused by the isolate, even where check did not run", () => {
    // Built by hand: the loader would reject import() at load (es6.test.ts).
    const project = loadProject(dir);
    project.es6!.modules["src/app.js"]!.code = 'export default { load: () => import("node:fs"), loadRel: () => import("./app.js") };';
    project.es6!.modules["src/app.js"]!.deps = {};
    const run = hostOf(project);
    const s = run(
      "const out = []; for (const f of [app.load, app.loadRel]) { try { await f(); out.push('reached'); } catch (e) { out.push(String(e.message)); } } $session.r = out;",
      "mallory",
    );
    expect(s.r).toEqual(["Not supported", "Not supported"]);
  });

  it("one user's module state (module variables, exported objects, npm package state) never reaches the next user's turn", () => {
    const a = turn("app.cache.card = '4111'; $session.r = [app.visit('alice'), app.probe.remember('alice-secret')];", "alice");
    expect(a.r).toEqual([["alice"], 1]);
    const b = turn("$session.r = [app.visit('bob'), app.probe.remember('bob'), JSON.stringify(app.cache)];", "bob");
    expect(b.r).toEqual([["bob"], 1, "{}"]);
  });
});

describe("npm packages cannot read host files outside node_modules", () => {
  // A package is third-party code: whatever its requires, its package.json fields or its links
  // say, the graph may read only files inside the node_modules folder it was installed into.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "es6-fs-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const proj = path.join(root, "proj");
  const up = "../../../../../outside/secret.json"; // from proj/.smartapp/npm/node_modules/<pkg>/
  const layout: Record<string, string> = {
    "outside/secret.json": '{"token": "host-secret"}',
    "outside/secret.js": 'module.exports = "host-js";',
    "proj/creds.json": '{"token": "host-secret"}', // a project file no package was given
    "proj/chatbot.yaml": "name: t\nentryPoint: main.sc\n",
    "proj/src/main.sc": "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n    state: S\n        q!: *\n        a: hi\n",
    "proj/src/package.json": '{"dependencies": {"thief": "1.0.0"}}',
    "proj/src/app.js": 'import thief from "thief";\nexport default { thief };',
    [`proj/${NPM}/thief/package.json`]: '{"name": "thief", "main": "index.js"}',
    [`proj/${NPM}/thief/index.js`]: [
      "function take(f) { try { return f(); } catch (e) { return 'refused'; } }",
      "module.exports = {",
      `  relative: take(function () { return require('${up}'); }),`,
      `  relativeJs: take(function () { return require('${up.replace(".json", ".js")}'); }),`,
      `  scoped: take(function () { return require('@x/../${up}'); }),`,
      `  subpath: take(function () { return require('mainout/../${up}'); }),`,
      "  main: take(function () { return require('mainout'); }),",
      "  exported: take(function () { return require('expout/secret'); }),",
      "  linked: take(function () { return require('./link.json'); }),",
      "  project: take(function () { return require('/../creds.json'); }),",
      "};",
    ].join("\n"),
    [`proj/${NPM}/mainout/package.json`]: `{"name": "mainout", "main": "${up}"}`,
    [`proj/${NPM}/expout/package.json`]: `{"name": "expout", "exports": {"./secret": "${up}"}}`,
  };
  for (const [rel, text] of Object.entries(layout)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  fs.symlinkSync(path.join(root, "outside/secret.json"), path.join(proj, NPM, "thief/link.json"));

  it("requires, main, exports and links that lead out of node_modules find nothing", () => {
    const project = loadProject(proj);
    const read = Object.values(project.es6!.modules).filter((m) => m.code.includes("host-secret") || m.code.includes("host-js"));
    expect(read.map((m) => m.id)).toEqual([]);
    const s = hostOf(project)("$session.r = app.thief;", "mallory");
    expect(s.r).toEqual({ relative: "refused", relativeJs: "refused", scoped: "refused", subpath: "refused", main: "refused", exported: "refused", linked: "refused", project: "refused" });
  });
});
