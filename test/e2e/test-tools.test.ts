// `smartapp test` and `smartapp check` as a user runs them: the CLI entry in a child process,
// its exit code and what it prints.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./server.js";

const PROJECT = path.join(repoRoot, "test/fixtures/projects/test-tools");
const TRANSITIONS = path.join(repoRoot, "test/fixtures/projects/transitions");
const tmp = mkdtempSync(path.join(tmpdir(), "smartapp-test-tools-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function smartapp(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
  const env = { ...inherited, ...(opts.env ?? { NO_COLOR: "1" }) };
  const r = spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), ...args], { cwd: opts.cwd ?? repoRoot, encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("smartapp test", () => {
  it("--json prints only JSON on stdout: every case with file:line, status and the failing step", () => {
    const r = smartapp(["test", PROJECT, "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toEqual({ passed: 3, failed: 2, skipped: 0 });
    expect(report.cases.find((c: { id: string }) => c.id === "menu text")).toMatchObject({
      location: "test/a.xml:7",
      status: "failed",
      failure: { location: "test/a.xml:9", step: { line: 8 }, expected: { text: "Menu, please choose" }, actual: { text: "Main menu" } },
    });
  });

  it("reruns the case the report printed as file:line, from the project folder", () => {
    const all = smartapp(["test"], { cwd: PROJECT, env: { NO_COLOR: "1" } });
    expect(all.stdout).toContain("FAIL test/a.xml:7 › menu text");
    expect(all.stdout).toContain("rerun one: smartapp test test/a.xml:7");
    const one = smartapp(["test", "test/a.xml:7"], { cwd: PROJECT, env: { NO_COLOR: "1" } });
    expect(one.code).toBe(1);
    expect(one.stdout).toMatch(/^0 passed, 1 failed, 0 skipped$/m);
    expect(one.stdout).toContain("FAIL test/a.xml:7 › menu text");
    // no folder given: the project is the file's; the hint names the folder again
    const fromAbove = smartapp(["test", "test-tools/test/a.xml:9"], { cwd: path.dirname(PROJECT) });
    expect(fromAbove.stdout).toContain("rerun it: smartapp test test-tools test/a.xml:7");
    const passing = smartapp(["test", PROJECT, "test/a.xml:2"]);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/^1 passed, 0 failed, 0 skipped$/m);
  });

  it("diffs mismatches: marked in brackets with NO_COLOR, coloured with FORCE_COLOR", () => {
    const plain = smartapp(["test", PROJECT, "test/a.xml:7"], { env: { NO_COLOR: "1" } });
    expect(plain.stdout).toContain("diff:     text: [-Menu, please-]{+Main+} [-choose-]{+menu+}");
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    const color = smartapp(["test", PROJECT, "test/a.xml:7"], { env: { FORCE_COLOR: "1" } });
    expect(color.stdout).toContain("\x1b[31;9mMenu, please\x1b[0m\x1b[32;4mMain\x1b[0m");
  });

  it("--strict fails a case whose answer matched when the turn had an error", () => {
    expect(smartapp(["test", PROJECT, "test/b.xml"]).code).toBe(0);
    const strict = smartapp(["test", PROJECT, "test/b.xml", "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("step 1 had a dialog error (--strict): State not found for path /Nowhere");
  });

  it("--reporter dot and --reporter junit", () => {
    const dot = smartapp(["test", PROJECT, "--reporter", "dot", "--workers", "0"]);
    expect(dot.stdout.split("\n")[0]).toBe(".FF..");
    const junit = smartapp(["test", PROJECT, "--reporter", "junit"]);
    expect(junit.stdout).toMatch(/^<\?xml[^]*<testsuites name="smartapp test" tests="5" failures="2"/);
    expect(smartapp(["test", PROJECT, "--reporter", "tap"]).stderr).toMatch(/Allowed choices are default, dot, json, junit/);
  });

  it("--coverage prints the table; the file it writes colours `smartapp graph --coverage`", () => {
    const file = path.join(tmp, "coverage.json");
    const r = smartapp(["test", PROJECT, "test/a.xml", "--coverage", file], { env: { NO_COLOR: "1" } });
    expect(r.stdout).toMatch(/coverage\n\s+covered\s+total\s*\n\s+states\s+4\s+6\s+66\.6%\n\s+transitions\s+2\s+2\s+100%/);
    expect(r.stdout).toContain("states no case entered (2):\n    /Never  src/main.sc:24\n    /Lost  src/main.sc:28");
    expect(JSON.parse(readFileSync(file, "utf8")).states).toMatchObject({ total: 6, entered: 4 });
    const dot = smartapp(["graph", PROJECT, "--coverage", file]);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toContain('"/Start" [style="filled", fillcolor="#c8f0c8"];');
    expect(dot.stdout).toContain('"/Never" [style="filled", fillcolor="#f6c6c6"];');
    expect(dot.stdout).toContain('"/Start" -> "/Menu" [label="Menu", color="#1a7f1a", penwidth=2];');
    expect(dot.stdout).toContain("test coverage: 4/6 states entered");
    const html = smartapp(["graph", PROJECT, "--coverage", file, "--html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain("<b>4/6</b> states entered");
    expect(html.stdout).toContain('<span class="state entered" title="/Start">Start</span> <span class="where">src/main.sc:2</span><ul class="moves"><li class="taken">→ /Menu <span class="label">Menu</span></li></ul>');
    expect(html.stdout).toContain('<span class="state missed" title="/Never">Never</span>');
    expect(html.stdout).not.toMatch(/<script|https?:/); // opens offline, runs nothing
    const bad = smartapp(["graph", PROJECT, "--coverage", path.join(tmp, "missing.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cannot read the coverage file");
  });
});

describe("smartapp check that checks", () => {
  it("unknown targets and unreachable states are warnings with file:line:col, in --json too", () => {
    const r = smartapp(["check", TRANSITIONS, "--json"]);
    expect(r.code).toBe(0);
    const { ok, diagnostics } = JSON.parse(r.stdout);
    expect(ok).toBe(true);
    expect(diagnostics).toContainEqual({ severity: "warning", file: "src/main.sc", line: 7, col: 9, message: 'go!: /Nowhere in /Start: no state /Nowhere; the turn that gets here fails with "State not found"' });
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: "warning", file: "src/main.sc", line: 22, col: 51, message: expect.stringContaining('$reactions.transition("/Ghost")') }));
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: "warning", file: "src/main.sc", line: 31, col: 5, message: expect.stringContaining("state /Orphan is never entered") }));
    expect(diagnostics).toContainEqual(expect.objectContaining({ severity: "warning", file: "src/main.sc", line: 56, message: expect.stringContaining("intent trigger(s) cannot fire") }));
    const text = smartapp(["check", TRANSITIONS]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain("warning: src/main.sc:46:9: timeout: /Missing in /Timer: no state /Missing");
  });
});
