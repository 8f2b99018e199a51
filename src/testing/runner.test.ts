// End to end: the real loader and engine over the fixture project in test/fixtures/testing/bot.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { DOMParser } from "@xmldom/xmldom";
import { beforeAll, describe, expect, it } from "vitest";
import type { CaseResult } from "./model.js";
import { runTests, type RunTestsOptions, type RunTestsResult } from "./runner.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/testing");
const BOT = path.join(FIXTURES, "bot");

async function run(dir: string, opts: RunTestsOptions = {}): Promise<{ result: RunTestsResult; output: string; byId: Map<string, CaseResult> }> {
  let output = "";
  const out = new Writable({
    write(chunk, _enc, cb) {
      output += String(chunk);
      cb();
    },
  });
  const result = await runTests(dir, { color: false, progress: false, ...opts, out });
  const byId = new Map(result.files.flatMap((f) => f.cases).map((c) => [c.id, c]));
  return { result, output, byId };
}

describe("runTests on the fixture bot (in this thread)", () => {
  let r: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    r = await run(BOT, { workers: 0 });
  });

  it("selects files by tests.include/exclude, in a stable order", () => {
    expect(r.result.files.map((f) => f.file)).toEqual(expect.arrayContaining(["test/pass.xml", "test/fail.xml", "test/malformed.xml", "test/extra/integration.xml"]));
    expect(r.result.files.map((f) => f.file)).not.toContain("test/extra/ignored-1.xml");
    const pass = r.result.files.find((f) => f.file === "test/pass.xml")!;
    expect(pass.cases.map((c) => c.line)).toEqual([...pass.cases.map((c) => c.line)].sort((a, b) => a - b));
  });

  it("passes every passing variant", () => {
    const passing = [...r.byId.values()].filter((c) => c.id.startsWith("pass:"));
    expect(passing).toHaveLength(9);
    for (const c of passing) expect({ id: c.id, status: c.status, failure: c.failure?.message }).toEqual({ id: c.id, status: "passed", failure: undefined });
  });

  it("fails every failing variant with a precise message", () => {
    const messages = Object.fromEntries([...r.byId.values()].filter((c) => c.id.startsWith("fail:")).map((c) => [c.id, `${c.status} ${c.failure?.line}: ${c.failure?.message}`]));
    expect(messages).toEqual({
      "fail: wrong text": 'failed 5: expected text "Goodbye!" but got "Hello!"',
      "fail: wrong state": "failed 10: expected the reply from state /Menu but it came from /Start",
      "fail: unchecked reply": 'failed 14: step 1 has 1 unchecked text reply: "How can I help?" (add <a> for each, or run with --lenient)',
      "fail: responseData": "failed 37: $response data differs at replies[2].buttons[1].text",
      "fail: timeoutReply": "failed 43: expected a timeout of 5 s but got 2 s",
      "fail: newSession": 'failed 49: expected the new session message "stop" but got "start"',
      "fail: mail": "failed 55: no $mail call has these values",
      "fail: random": 'failed 61: expected text "one" but got "two"',
      "fail: dateTime": 'failed 67: expected text "2024-01-02 03:04" but got "2030-12-31 23:59"',
      "fail: context": 'failed 73: expected text "Name , client c1, level" but got "Name , client c2, level"',
    });
  });

  it("answers an HTTP call without a mock as a failed request and goes on, as the platform does, and says so once", () => {
    // both cases expect the bot's own answer to a failed request: `r.isOk` false, status -1
    expect(r.byId.get("unmocked: mock does not match")).toMatchObject({ status: "passed", unmockedUrls: ["POST http://api.test/orders"] });
    expect(r.byId.get("unmocked: no mock")).toMatchObject({ status: "passed", unmockedUrls: ["GET http://api.test/weather"] });
    expect(r.output).toMatch(/^note: \d+ cases called HTTP without a <mockData> \(.*POST http:\/\/api\.test\/orders.*\); each call was answered as a failed request/m);
  });

  it("--unmocked-fail fails the step of an HTTP call without a mock, naming it", async () => {
    const strict = await run(BOT, { workers: 0, unmockedFail: true, grep: "^unmocked:" });
    expect(strict.byId.get("unmocked: mock does not match")).toMatchObject({ status: "failed", failure: { line: 24, message: "No mock for POST http://api.test/orders" } });
    expect(strict.byId.get("unmocked: no mock")).toMatchObject({ status: "failed", failure: { line: 29, message: expect.stringMatching(/^No mock for GET http:\/\/api\.test\/weather\?city=/) } });
  });

  it("records the step and its replies on a failure", () => {
    const f = r.byId.get("fail: wrong text")!.failure!;
    expect(f).toMatchObject({ file: "test/fail.xml", step: { index: 1, element: "<q>start</q>", line: 4 }, expected: { text: "Goodbye!" }, actual: { text: "Hello!" } });
    expect(f.replies!.map((x) => [x.type, x.text, x.state])).toEqual([
      ["text", "Hello!", "/Start"],
      ["text", "How can I help?", "/Start"],
    ]);
  });

  it("fails a malformed file alone, naming file and line", () => {
    const bad = r.result.files.find((f) => f.file === "test/malformed.xml")!;
    expect(bad.cases).toEqual([]);
    expect(bad.error).toMatchObject({ line: 4 });
    expect(r.output).toMatch(/^FAIL test\/malformed\.xml:4:\d+: malformed XML/m);
  });

  it("runs integration cases offline unless asked: an unmocked call fails, naming --integration", () => {
    expect(r.byId.get("integration: real weather")).toMatchObject({ status: "failed", failure: { message: expect.stringMatching(/--integration/) } });
    expect(r.byId.get("integration: opted out")!.status).toBe("passed");
  });

  it("counts and prints the summary line alone at the end", () => {
    expect(r.result).toMatchObject({ passed: 12, failed: 12, skipped: 0 });
    const lines = r.output.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("12 passed, 12 failed, 0 skipped");
    expect(r.output).toContain("FAIL test/fail.xml:3 › fail: wrong text\n  test/fail.xml:5: expected text \"Goodbye!\" but got \"Hello!\"\n  step 1: <q>start</q> (line 4)");
    expect(r.output).not.toMatch(/\x1b\[/);
  });
});

describe("runTests options", () => {
  it("--lenient accepts unchecked text replies", async () => {
    const { byId } = await run(BOT, { workers: 0, lenient: true, grep: "unchecked" });
    expect([...byId.keys()]).toEqual(["fail: unchecked reply"]);
    expect(byId.get("fail: unchecked reply")!.status).toBe("passed");
  });

  it("--grep matches case ids and file paths", async () => {
    expect([...(await run(BOT, { workers: 0, grep: "wrong (text|state)" })).byId.keys()]).toEqual(["fail: wrong text", "fail: wrong state"]);
    const byFile = await run(BOT, { workers: 0, grep: "pass.xml" });
    expect(byFile.byId.size).toBe(9);
    // A malformed file cannot say which cases it holds, so --grep never hides it.
    expect(byFile.result.files.map((f) => f.file)).toEqual(["test/malformed.xml", "test/pass.xml"]);
    expect(byFile.result).toMatchObject({ passed: 9, failed: 1 });
  });

  it("a file named on the command line runs even when tests.exclude leaves it out", async () => {
    const named = await run(BOT, { workers: 0, only: [{ file: "test/extra/ignored-1.xml" }] });
    expect(named.result.error).toBeUndefined();
    expect(named.result.files.map((f) => f.file)).toEqual(["test/extra/ignored-1.xml"]);
    expect([...named.byId.keys()]).toEqual(["excluded"]);
    const missing = await run(BOT, { workers: 0, only: [{ file: "test/extra/nope.xml" }] });
    expect(missing.result.error).toMatch(/^test\/extra\/nope\.xml: not among the project's test files/);
  });

  it("writes JUnit XML", async () => {
    const junit = path.join(mkdtempSync(path.join(tmpdir(), "junit-")), "reports", "junit.xml");
    await run(BOT, { workers: 0, junit, grep: "fail.xml|malformed" });
    const doc = new DOMParser().parseFromString(readFileSync(junit, "utf8"), "text/xml");
    const root = doc.documentElement!;
    expect([root.tagName, root.getAttribute("tests"), root.getAttribute("failures")]).toEqual(["testsuites", "13", "11"]); // fail.xml's two unmocked cases pass, as on the platform
    const names = Array.from(root.getElementsByTagName("testsuite")).map((s) => s.getAttribute("name"));
    expect(names).toEqual(["test/fail.xml", "test/malformed.xml"]);
  });

  it("colours the report only when asked", async () => {
    const { output } = await run(BOT, { workers: 0, grep: "wrong text", color: true });
    expect(output).toMatch(/\x1b\[31m/);
  });

  it("reports a project that fails to load as one error", async () => {
    const { result, output } = await run(path.join(FIXTURES, "broken"));
    expect(result).toMatchObject({ passed: 0, failed: 1, skipped: 0, files: [] });
    expect(output).toMatch(/^error: cannot load the project in .*broken:\n.*missing\.sc/);
    expect(output).not.toMatch(/passed,/);
  });
});

describe("runTests on worker threads", () => {
  it("gives the same results, in the same order, as the in-thread run", async () => {
    const inThread = await run(BOT, { workers: 0 });
    const pooled = await run(BOT, { workers: 2 });
    const shape = (x: RunTestsResult) => x.files.map((f) => [f.file, f.error?.line, f.cases.map((c) => [c.id, c.status, c.failure?.message])]);
    expect(shape(pooled.result)).toEqual(shape(inThread.result));
    expect(pooled.output.trimEnd().split("\n").at(-1)).toBe("12 passed, 12 failed, 0 skipped");
  });

  it("runs integration cases with --integration through the main thread's HTTP", async () => {
    const { byId } = await run(BOT, { workers: 1, integration: true, grep: "integration:" });
    // No network here: the call fails, the script reports status -1, and the case still passes.
    expect(byId.get("integration: real weather")!.status).toBe("passed");
  });
});

describe("runTests: states a test names that the project does not have", () => {
  it("are warnings at their first use (<state>, <a state>, <timeoutReply targetState>), once per state and file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "unknown-states-"));
    const files: Record<string, string> = {
      "chatbot.yaml": "entryPoint: main.sc\n",
      "src/main.sc": "theme: /\n    state: S\n        q!: *\n        a: ok\n\n        state: Child\n            a: c\n",
      "test/t.xml": [
        "<test>",
        "  <test-case><state>Gone/Away</state><q>x</q><a state=\"/S\">ok</a></test-case>",
        '  <test-case><state>S/Child/</state><q>y</q><a state="Later"/><a state="/Later"/></test-case>',
        '  <test-case><q>z</q><a>ok</a><timeoutReply targetState="/Nowhere"/></test-case>',
        "</test>",
      ].join("\n"),
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    const { result, output } = await run(dir, { workers: 0 });
    expect(result.files[0]!.warnings.map((w) => [w.line, w.message])).toEqual([
      [2, "<state> names /Gone/Away, which the loaded project does not have (its file is not required from the entry point, or the test is for another version)"],
      [3, "<a state> names /Later, which the loaded project does not have (its file is not required from the entry point, or the test is for another version)"],
      [4, "<timeoutReply targetState> names /Nowhere, which the loaded project does not have (its file is not required from the entry point, or the test is for another version)"],
    ]);
    expect(output).toMatch(/warning: test\/t\.xml:2:\d+: <state> names \/Gone\/Away/);
  });
});

describe("runTests: nothing to run is an error", () => {
  const project = (files: Record<string, string>): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "empty-suite-"));
    const all = { "chatbot.yaml": "entryPoint: main.sc\n", "src/main.sc": "theme: /\n    state: S\n        q!: *\n        a: ok\n", ...files };
    for (const [rel, text] of Object.entries(all)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    return dir;
  };
  it("no test files, a --grep that matches nothing, files without cases", async () => {
    const none = await run(project({}), { workers: 0 });
    expect(none.result).toMatchObject({ failed: 1, error: expect.stringMatching(/no XML test files under test\//) });
    const excluded = await run(project({ "chatbot.yaml": "entryPoint: main.sc\ntests:\n  include: [nope.xml]\n", "test/t.xml": "<test><test-case><q>x</q><a>ok</a></test-case></test>" }), { workers: 0 });
    expect(excluded.result.error).toMatch(/selected by tests\.include \["nope\.xml"\] in .*; left out: test\/t\.xml \(run them with --all, or name one: smartapp test .* test\/t\.xml\)/);
    // A project whose tests.exclude removes its only file is told so, not "no XML test files under test/".
    const onlyExcluded = await run(project({ "chatbot.yaml": "entryPoint: main.sc\ntests:\n  exclude: [t.xml]\n", "test/t.xml": "<test><test-case><q>x</q><a>ok</a></test-case></test>" }), { workers: 0 });
    expect(onlyExcluded.result.error).toMatch(/no XML test files selected by tests\.exclude \["t\.xml"\] in .*; left out: test\/t\.xml/);
    // --all runs what tests.include leaves out (and what tests.exclude removes).
    const all = await run(project({ "chatbot.yaml": "entryPoint: main.sc\ntests:\n  include: [nope.xml]\n  exclude: [b/*.xml]\n", "test/t.xml": "<test><test-case><q>x</q><a>ok</a></test-case></test>", "test/b/u.xml": "<test><test-case><q>y</q><a>ok</a></test-case></test>" }), { workers: 0, all: true });
    expect(all.result.files.map((f) => f.file).sort()).toEqual(["test/b/u.xml", "test/t.xml"]);
    const withCase = project({ "test/t.xml": "<test><test-case><q>x</q><a>ok</a></test-case></test>" });
    expect((await run(withCase, { workers: 0 })).result).toMatchObject({ passed: 1, failed: 0 });
    const grep = await run(withCase, { workers: 0, grep: "no such case" });
    expect(grep.result).toMatchObject({ failed: 1, error: '--grep "no such case" matched no test case' });
    expect(grep.output).toContain("error: --grep");
    const empty = await run(project({ "test/t.xml": "<test></test>" }), { workers: 0 });
    expect(empty.result.error).toMatch(/hold no <test-case>: test\/t\.xml/);
  });

  it("a script that does not compile stops the run as `smartapp check` does, at file:line:col", async () => {
    // The cloud builds the bot and checks the script syntax before its tests run (docs/dsl.md).
    const broken = project({
      "src/main.sc": "theme: /\n    state: S\n        q!: *\n        script:\n            var x = %y;\n        a: ok\n    state: Other\n        q!: other\n        a: fine\n",
      "test/t.xml": "<test><test-case><q>other</q><a>fine</a></test-case></test>",
    });
    const r = await run(broken, { workers: 0 });
    expect(r.result).toMatchObject({ failed: 1, files: [] });
    expect(r.result.error).toMatch(/cannot load the project in .*\nsrc\/main\.sc:5:21: JavaScript syntax error: Unexpected token '%'/);
  });

  it("pinned randomness: random: picks with $reactions.random, so <random> and smartRandom decide it", async () => {
    const sc = "theme: /\n    state: S\n        q!: *\n        random:\n            a: one\n            a: two\n            a: three\n        script:\n            $reactions.answer('r' + $reactions.random(10));\n";
    const xml = [
      "<test>",
      "<test-case id='default'><q>x</q><a>one</a><a>r0</a></test-case>",
      "<test-case id='queue'><random>1, 7</random><q>x</q><a>two</a><a>r7</a></test-case>",
      '<test-case id="smartRandom"><requestData>{"smartRandom": [2, 4]}</requestData><q>x</q><a>three</a><a>r4</a></test-case>',
      "</test>",
    ].join("\n");
    const r = await run(project({ "src/main.sc": sc, "test/t.xml": xml }), { workers: 0 });
    expect(r.output).not.toContain("FAIL");
    expect(r.result).toMatchObject({ passed: 3, failed: 0 });
  });
});

describe("a failing step explains itself", () => {
  const EXPLAIN = path.resolve(FIXTURES, "../engine/explain");

  it("says which state was expected, which one won and why, and keeps the structure in the result", async () => {
    const { byId, output } = await run(EXPLAIN, { workers: 0 });
    const failed = byId.get("expects the local intent")!;
    expect(failed.status).toBe("failed");
    const e = failed.failure!.explanation!;
    expect(e.winner).toMatchObject({ kind: "pattern", trigger: "order *", target: "/GlobalOrder", at: "src/main.sc:20" });
    expect(e.context.before).toBe("/Menu");
    expect(byId.get("passes")!.failure).toBeUndefined();
    const report = output.split("\n");
    const at = report.indexOf("  why: /GlobalOrder won — q!: order * → /GlobalOrder (src/main.sc:20, global, score 0.50, weight 0.50, not literal: pizza)");
    expect(at, output).toBeGreaterThan(report.indexOf("  step 2: <q>order pizza</q> (line 6)"));
    expect(report.slice(at + 1, at + 3)).toEqual([
      "    expected /Menu/Order: none of its triggers matched from context /Menu",
      "    - q!: order * (src/main.sc:20) is the only matching pattern: weight 0.50 = score 0.50 + context bonus for tier 1000",
    ]);
    expect(output).toContain("    - words not written literally in the pattern (a stem, lemma, wildcard or named pattern took them): pizza");
  });

  it("also from worker threads", async () => {
    const { byId, output } = await run(EXPLAIN, { workers: 1 });
    expect(byId.get("expects the local intent")!.failure!.explanation!.winner!.target).toBe("/GlobalOrder");
    expect(output).toContain("  why: /GlobalOrder won");
  });
});

describe("the channel of every step (--channel)", () => {
  const CHANNELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/projects/channels");
  const file = (name: string) => ({ only: [{ file: `test/${name}` }] });

  it("is smartapp by default, and a <request> may name its own", async () => {
    const { result } = await run(CHANNELS, file("default.xml"));
    expect(result).toMatchObject({ passed: 2, failed: 0 });
  });

  it("--channel telegram: $request.channelType and a Telegram update in $request.rawRequest, in this thread and in workers", async () => {
    for (const workers of [0, 1]) {
      const { result, byId } = await run(CHANNELS, { ...file("telegram.xml"), channel: "telegram", workers });
      expect([...byId.values()].map((c) => c.failure?.message)).toEqual([undefined, undefined]);
      expect(result).toMatchObject({ passed: 2, failed: 0 });
    }
    // the same cases fail as smartapp: the option is what makes them pass
    expect((await run(CHANNELS, file("telegram.xml"))).result).toMatchObject({ passed: 0, failed: 2 });
  });
});
