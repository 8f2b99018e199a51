// `smartapp check` parses every script body: the seed's addItem example (a comma missing) is an
// error at check time with file:line:col, not an ERROR 500 in a live turn.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkProject } from "./check.js";
import { loadProject } from "./loader.js";
import { assertScriptsCompile } from "./script-syntax.js";
import { ProjectErrors } from "../util/errors.js";
import { tempProjects } from "../../test/helpers/temp-project.js";

const project = tempProjects("script-syntax-");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("script syntax at check time", () => {
  it("reports each body that does not parse as file:line:col with the line and a caret", () => {
    const report = checkProject(path.join(root, "test/fixtures/payments/seed-syntax"));
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.split("\n")[0])).toEqual([
      "src/helpers.js:4:15: JavaScript syntax error: Unexpected token ';'",
      "src/main.sc:11:17: JavaScript syntax error: Unexpected string",
      "src/main.sc:16:27: JavaScript syntax error: Unexpected token ';'",
    ]);
    expect(report.errors[1]).toContain('\n                    "item_price": 11836\n                    ^');
  });

  it("reports broken scripts together with a .sc line that does not parse, in one run", () => {
    const dir = project({
      "chatbot.yaml": "name: x\nentryPoint: main.sc\n",
      "src/main.sc": "require: f.js\ntheme: /\n    state: A\n        q!: hi\n        script:\n            var x = ;\n        a: ok\n    state B\n        q!: b\n",
      "src/f.js": "function f( {\n",
    });
    const report = checkProject(dir);
    expect(report.errors.map((e) => e.split("\n")[0])).toEqual([
      'src/main.sc:8:5: expected a tag (like state:, a:, q!:) here, got "state B"',
      "src/f.js:2:1: JavaScript syntax error: Unexpected end of input",
      "src/main.sc:6:21: JavaScript syntax error: Unexpected token ';'",
    ]);
  });

  it("accepts what the script host accepts: return in script bodies, await in scriptEs6, the demo shop", () => {
    expect(checkProject(root).errors).toEqual([]);
    expect(checkProject(path.join(root, "test/fixtures/payments/seed-pay")).errors).toEqual([]);
  });

  it("test and serve refuse the same project with the same errors (assertScriptsCompile)", () => {
    const project = loadProject(path.join(root, "test/fixtures/payments/seed-syntax"));
    let thrown: unknown;
    try {
      assertScriptsCompile(project);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProjectErrors);
    expect((thrown as ProjectErrors).errors.map((e) => e.format().split("\n")[0])).toEqual(checkProject(path.join(root, "test/fixtures/payments/seed-syntax")).errors.map((e) => e.split("\n")[0]));
    expect(() => assertScriptsCompile(loadProject(path.join(root, "test/fixtures/payments/seed-pay")))).not.toThrow();
  });
});
