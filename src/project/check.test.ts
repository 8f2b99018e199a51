import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkProject } from "./check.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../test/fixtures/projects");
const fixture = (name: string) => path.join(FIXTURES, name);

describe("checkProject", () => {
  it("loads and compiles a good project, with a summary and warnings", () => {
    const r = checkProject(fixture("basic"), { modules: [path.join(FIXTURES, "_modules")] });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.summary).toEqual({ files: 14, states: 12, triggers: 10, patterns: 2, dictionaries: 1, testFiles: 2 });
    expect(r.warnings).toContain('chatbot.yaml:7:16: unknown key "someFutureKey" ignored');
  });

  it("an unbalanced bracket in a pattern points at its line", () => {
    const r = checkProject(fixture("bad-pattern"));
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.split("\n")[0]).toMatch(/^src\/main\.sc:3:\d+: .*\(/);
    expect(r.errors[0]).toContain("q!: * (привет|здравствуй *");
  });

  it("an unknown named pattern points at its line", () => {
    const r = checkProject(fixture("unknown-pattern"));
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.split("\n")[0]).toMatch(/^src\/main\.sc:3:\d+: .*\$NoSuchPattern/);
  });

  it("load errors are reported without compiling", () => {
    const r = checkProject(fixture("duplicate-state"));
    expect(r).toMatchObject({ ok: false, summary: { files: 0 } });
    expect(r.errors[0]).toMatch(/^src\/main\.sc:3:5: duplicate state \/Start/);
  });
});
