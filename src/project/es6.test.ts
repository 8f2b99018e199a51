import { describe, expect, it } from "vitest";
import { ProjectErrors } from "../util/errors.js";
import { tempProjects } from "../../test/helpers/temp-project.js";
import { checkProject } from "./check.js";
import { loadProject } from "./loader.js";

const tempProject = tempProjects("es6-graph-");

const BASE = {
  "chatbot.yaml": "name: t\nentryPoint: main.sc\n",
  "src/main.sc": "require: app.js\n    type = scriptEs6\n    name = app\n\ntheme: /\n    state: S\n        q!: *\n        a: hi\n",
};

function loadErrors(dir: string): string[] {
  try {
    loadProject(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectErrors);
    return (e as ProjectErrors).errors.map((x) => x.format());
  }
  throw new Error("expected the project to fail");
}

describe("the ES6 module graph", () => {
  it("follows imports between project files, npm packages (exports conditions, CommonJS requires) and Node built-ins", () => {
    const dir = tempProject({
      ...BASE,
      "src/app.js": 'import { a } from "./lib/a.js";\nimport b from "./lib/b";\nimport dual from "dual";\nimport path from "node:path";\nimport { readFileSync } from "fs";\nexport default { a, b, dual, path, readFileSync };\n',
      "src/lib/a.js": "export const a = 1;\n",
      "src/lib/b/index.js": "export default 2;\n",
      "src/package.json": '{"dependencies": {"dual": "1.0.0"}}',
      ".smartapp/npm/node_modules/dual/package.json": JSON.stringify({
        name: "dual",
        exports: { ".": { node: "./node.js", browser: { import: "./esm.mjs", require: "./browser.cjs" }, default: "./node.js" } },
      }),
      ".smartapp/npm/node_modules/dual/browser.cjs": 'var util = require("./util.json");\nvar inner = require("inner");\nmodule.exports = { util: util, inner: inner };\n// require("not-installed") in a comment resolves to nothing\n',
      ".smartapp/npm/node_modules/dual/util.json": '{"ok": true}',
      ".smartapp/npm/node_modules/inner/package.json": '{"name": "inner", "browser": "./b.js", "main": "./n.js"}',
      ".smartapp/npm/node_modules/inner/b.js": "module.exports = 'browser build';\n",
    });
    const project = loadProject(dir);
    const graph = project.es6!;
    expect(project.loadItems.find((i) => i.kind === "es6module")).toMatchObject({ id: "src/app.js", name: "app" });
    expect(graph.modules["src/app.js"]!.deps).toEqual({
      "./lib/a.js": "src/lib/a.js",
      "./lib/b": "src/lib/b/index.js",
      dual: "npm:dual/browser.cjs",
      "node:path": "node:path",
      fs: "node:fs",
    });
    expect(graph.modules["npm:dual/browser.cjs"]).toMatchObject({ kind: "cjs", deps: { "./util.json": "npm:dual/util.json", inner: "npm:inner/b.js" } });
    expect(graph.modules["npm:dual/util.json"]!.kind).toBe("json");
    expect(graph.modules["node:path"]!.kind).toBe("builtin");
    expect(graph.modules["node:fs"]!.kind).toBe("unavailable");
    // A Node built-in that needs the host is a warning at the import, not a load error.
    expect(project.diagnostics.map((d) => `${d.pos?.file}:${d.pos?.line}:${d.pos?.col}: ${d.message}`)).toContainEqual(
      expect.stringMatching(/^src\/app\.js:5:30: node:fs is not available in scripts/),
    );
  });

  it("reports unresolved imports, import() and missing named exports at file:line:col", () => {
    const dir = tempProject({
      ...BASE,
      "src/app.js": 'import { nope } from "./lib.js";\nimport x from "./missing.js";\nimport y from "left-pad";\nexport default async () => import("./lib.js");\n',
      "src/lib.js": "export const yes = 1;\n",
    });
    const errors = loadErrors(dir);
    expect(errors[0]).toMatch(/^src\/app\.js:2:15: cannot resolve import "\.\/missing\.js": no file src\/missing\.js/);
    expect(errors[1]).toMatch(/^src\/app\.js:3:15: cannot resolve import "left-pad": no such npm package \(declare it in src\/package\.json/);
    expect(errors[2]).toMatch(/^src\/app\.js:4:28: import\(\) is not supported in scripts/);
    expect(errors[3]).toMatch(/^src\/app\.js:1:22: "\.\/lib\.js" does not export "nope"/);
  });

  it("a declared package that is not installed is a warning that says how to install it", () => {
    const dir = tempProject({ ...BASE, "src/app.js": 'import axios from "axios";\nexport default axios;\n', "src/package.json": '{"dependencies": {"axios": "^1.4.0"}}' });
    const report = checkProject(dir);
    expect(report.ok).toBe(true);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^src\/app\.js:1:19: npm package "axios" of src\/package\.json is not installed: run `smartapp install`/));
  });

  it("smartapp check reports a syntax error of an ES module at its position", () => {
    const dir = tempProject({ ...BASE, "src/app.js": 'import { a } from "./a.js";\nexport default {\n  a,\n  b: ,\n};\n', "src/a.js": "export const a = 1;\n" });
    const report = checkProject(dir);
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatch(/^src\/app\.js:4:6: JavaScript syntax error: Unexpected token\n {4} {2}b: ,\n {4} {5}\^/);
  });
});
