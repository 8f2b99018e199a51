// `smartapp test` as a tool: reporters, JSON, rerun by file:line, --strict, coverage, diffs.
// The real loader and engine over test/fixtures/projects/test-tools.
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { diffText, PLAIN_DIFF, renderDiff } from "./diff.js";
import { progressMeter, runTests, type RunTestsOptions } from "./runner.js";
import { casesAt, parseLocation, projectOf, relativeToProject } from "./select.js";
import { failureDiffs } from "./report.js";
import { parseTestFile } from "./xml.js";

const PROJECT = path.resolve(import.meta.dirname, "../../test/fixtures/projects/test-tools");

async function run(opts: RunTestsOptions = {}) {
  let output = "";
  const out = new Writable({
    write(chunk, _enc, cb) {
      output += String(chunk);
      cb();
    },
  });
  const result = await runTests(PROJECT, { color: false, progress: false, workers: 0, ...opts, out });
  return { result, output };
}

describe("text diffs", () => {
  it("marks the changed words and keeps the rest", () => {
    expect(renderDiff(diffText("Your order is ready", "Your order is not ready"), PLAIN_DIFF)).toBe("Your order is {+not +}ready");
    expect(renderDiff(diffText("Оплата прошла", "Оплата отклонена"), PLAIN_DIFF)).toBe("Оплата [-прошла-]{+отклонена+}");
    expect(diffText("same", "same")).toEqual([{ op: "same", text: "same" }]);
  });

  it("failureDiffs: only values both sides have and that differ; partial-match objects are left alone", () => {
    expect(Object.keys(failureDiffs({ text: "a b", state: "/A" }, { text: "a c", state: "/A" }))).toEqual(["text"]);
    expect(failureDiffs({ text: "x" }, { text: null })).toEqual({});
    expect(failureDiffs({ "replies[0]": { type: "text" } }, { "replies[0]": { type: "buttons", buttons: [] } })).toEqual({});
    expect(renderDiff(failureDiffs({ interval: 5 }, { interval: 2 }).interval!, PLAIN_DIFF)).toBe("[-5-]{+2+}");
  });
});

describe("case locations", () => {
  it("parses file.xml:line and file.xml; anything else is the project folder", () => {
    expect(parseLocation("test/a.xml:12")).toEqual({ file: "test/a.xml", line: 12 });
    expect(parseLocation("test/a.xml:12:5")).toEqual({ file: "test/a.xml", line: 12 });
    expect(parseLocation("test/a.xml")).toEqual({ file: "test/a.xml" });
    expect(parseLocation("my-bot")).toBeUndefined();
  });

  it("a path from the current folder into the project is made relative to the project", () => {
    expect(relativeToProject(PROJECT, "test-tools/test/a.xml", path.dirname(PROJECT))).toBe("test/a.xml");
    expect(relativeToProject(PROJECT, "test/a.xml", "/")).toBe("test/a.xml");
  });

  it("the project of a test file is the nearest folder above it with a chatbot.yaml", () => {
    expect(projectOf("test/a.xml", PROJECT)).toBe(PROJECT);
    expect(projectOf(path.join(PROJECT, "test/a.xml"), "/")).toBe(PROJECT);
    expect(projectOf("/nowhere/test/a.xml")).toBeUndefined();
  });

  it("any line of a case picks that case; a line before the first case picks none", () => {
    const tf = parseTestFile("t.xml", "<test>\n<test-case id='one'>\n<q>a</q>\n</test-case>\n<test-case id='two'>\n<q>b</q>\n</test-case>\n</test>");
    expect(casesAt(tf.cases, 3).map((c) => c.id)).toEqual(["one"]);
    expect(casesAt(tf.cases, 5).map((c) => c.id)).toEqual(["two"]);
    expect(casesAt(tf.cases, 1)).toEqual([]);
    expect(casesAt(tf.cases, undefined)).toHaveLength(2);
  });
});

describe("runTests as a tool", () => {
  it("runs only the case at a file:line the report printed, and says how to rerun a failure", async () => {
    const all = await run({ rerun: "smartapp test" });
    expect(all.result).toMatchObject({ passed: 3, failed: 2 });
    expect(all.output).toContain("FAIL test/a.xml:7 › menu text");
    expect(all.output).toContain("rerun one: smartapp test test/a.xml:7");
    const one = await run({ only: [{ file: "test/a.xml", line: 9 }], rerun: "smartapp test" });
    expect(one.result.files.flatMap((f) => f.cases.map((c) => c.id))).toEqual(["menu text"]);
    expect(one.output).toContain("rerun it: smartapp test test/a.xml:7");
    const none = await run({ only: [{ file: "test/a.xml", line: 1 }] });
    expect(none.result).toMatchObject({ failed: 1, error: "no test case at test/a.xml:1" });
    const unknown = await run({ only: [{ file: "test/nope.xml" }] });
    expect(unknown.result.error).toMatch(/^test\/nope\.xml: not among the project's test files/);
  });

  it("shows a word diff under expected/actual", async () => {
    const { output } = await run({ only: [{ file: "test/a.xml", line: 7 }] });
    expect(output).toContain("  diff:     text: [-Menu, please-]{+Main+} [-choose-]{+menu+}");
  });

  it("--strict fails a case whose checks passed when its turn had an error", async () => {
    const lenient = await run({ only: [{ file: "test/b.xml" }] });
    expect(lenient.result).toMatchObject({ passed: 1, failed: 0 });
    const strict = await run({ only: [{ file: "test/b.xml" }], strict: true });
    expect(strict.result).toMatchObject({ passed: 0, failed: 1 });
    expect(strict.result.files[0]!.cases[0]!.failure).toMatchObject({ line: 3, message: "step 1 had a dialog error (--strict): State not found for path /Nowhere" });
  });

  it("--reporter json: every case with its place, status, duration, failing step and expected/actual", async () => {
    const { output } = await run({ reporter: "json" });
    const report = JSON.parse(output);
    expect(report).toMatchObject({ ok: false, projectDir: PROJECT, counts: { passed: 3, failed: 2, skipped: 0 } });
    expect(report.cases.map((c: { location: string; status: string }) => `${c.location} ${c.status}`)).toEqual([
      "test/a.xml:2 passed",
      "test/a.xml:7 failed",
      "test/a.xml:12 failed",
      "test/a.xml:17 passed",
      "test/b.xml:2 passed",
    ]);
    const menu = report.cases[1];
    expect(typeof menu.durationMs).toBe("number");
    expect(menu.failure).toMatchObject({
      location: "test/a.xml:9",
      message: 'expected text "Menu, please choose" but got "Main menu"',
      step: { index: 1, element: "<q>menu</q>", line: 8 },
      expected: { text: "Menu, please choose" },
      actual: { text: "Main menu" },
      replies: [{ type: "text", text: "Main menu", state: "/Menu" }],
      diff: { text: expect.arrayContaining([{ op: "added", text: "Main" }]) },
    });
  });

  it("--reporter dot prints one mark per case, then the failures and the summary", async () => {
    const { output } = await run({ reporter: "dot" });
    expect(output.split("\n")[0]!.split("").sort().join("")).toBe("...FF");
    expect(output).toContain("FAIL test/a.xml:7 › menu text");
    expect(output).toMatch(/^3 passed, 2 failed, 0 skipped$/m);
  });

  it("--reporter junit writes JUnit XML to the output", async () => {
    const { output } = await run({ reporter: "junit" });
    expect(output).toMatch(/^<\?xml/);
    expect(output).toContain('<testsuites name="smartapp test" tests="5" failures="2"');
  });

  it("coverage of one case lists what it missed", async () => {
    const { result, output } = await run({ coverage: true, only: [{ file: "test/a.xml", line: 2 }] });
    expect(result.coverage!.states).toMatchObject({ total: 6, entered: 1 });
    expect(result.coverage!.transitions.untaken).toEqual([
      { from: "/Start", to: "/Menu", label: "Menu" },
      { from: "/Menu", to: "/Menu/Pick", label: "go" },
    ]);
    expect(output).toContain("transitions no case took (2):\n    /Start -> /Menu (Menu)\n    /Menu -> /Menu/Pick (go)");
  });

  for (const workers of [0, 1]) {
    it(`coverage counts states entered and transitions taken (workers: ${workers})`, async () => {
      const { result, output } = await run({ coverage: true, workers });
      expect(result.coverage!.states).toEqual({ total: 6, entered: 5, uncovered: [{ path: "/Never", file: "src/main.sc", line: 24 }] });
      // the button /Start -> /Menu and the deferred go: /Menu -> /Menu/Pick (taken by "click");
      // go!: /Nowhere leads to no state, so it is not counted
      expect(result.coverage!.transitions).toEqual({ total: 2, taken: 2, untaken: [] });
      expect(result.coverage!.takenMoves).toEqual(expect.arrayContaining([["/Start", "/Menu"], ["/Menu", "/Menu/Pick"], ["/Menu/Pick", "/Menu/Pick"]]));
      expect(output).toMatch(/coverage\n.*covered\s+total/);
      expect(output).toContain("states no case entered");
      expect(output).toContain("/Never  src/main.sc:24");
      // coverage is folded into the report, not left on every case
      expect(result.files.flatMap((f) => f.cases).every((c) => c.coverage === undefined)).toBe(true);
    });
  }
});

describe("progress on long runs", () => {
  const sink = () => {
    let text = "";
    const w = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    });
    return { w, text: () => text };
  };

  it("draws a bar on stderr and clears it at the end", () => {
    const err = sink();
    const meter = progressMeter(true, 100, err.w);
    meter.setTotal(60);
    for (let i = 0; i < 60; i++) meter.tick();
    meter.done();
    expect(err.text()).toContain("\r  [#");
    expect(err.text()).toContain("] 60/60 tests 100%");
    expect(err.text().endsWith("\r\x1b[K")).toBe(true);
  });

  it("stays quiet when stderr is not a terminal, and for short runs", () => {
    for (const [enabled, estimate] of [[false, 1000], [true, 10]] as const) {
      const err = sink();
      const meter = progressMeter(enabled, estimate, err.w);
      for (let i = 0; i < 60; i++) meter.tick();
      meter.done();
      expect(err.text()).toBe("");
    }
  });
});
