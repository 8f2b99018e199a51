import { DOMParser } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import type { CaseResult, FileResult } from "./model.js";
import { formatFailure, formatReply, formatReport, junitXml, paint, summaryLine } from "./report.js";

const failed: CaseResult = {
  file: "test/a.xml",
  id: "greets",
  line: 3,
  status: "failed",
  durationMs: 2,
  failure: {
    file: "test/a.xml",
    line: 5,
    message: 'expected text "Hi" but got "Hello"',
    step: { index: 1, element: "<q>hi</q>", line: 4 },
    expected: { text: "Hi", state: "/Hi" },
    actual: { text: "Hello", state: "/Start" },
    replies: [
      { type: "text", text: "Hello", state: "/Start" },
      { type: "buttons", buttons: [{ text: "A" }, { text: "B" }], state: "/Start" },
    ],
  },
};
const files: FileResult[] = [
  { file: "test/a.xml", warnings: [{ line: 2, col: 3, message: "unknown element <foo> ignored" }], cases: [failed, { file: "test/a.xml", id: "ok", line: 9, status: "passed", durationMs: 1 }] },
  { file: "test/b.xml", warnings: [], cases: [{ file: "test/b.xml", id: "int & co", line: 2, status: "skipped", reason: "integration test", durationMs: 0 }] },
  { file: "test/bad.xml", warnings: [], error: { line: 4, col: 1, message: "malformed XML: tag mismatch" }, cases: [] },
];

describe("console report", () => {
  it("formats replies on one line", () => {
    expect(formatReply({ type: "text", text: "a\n b", state: "/S" })).toBe('text "a b" (/S)');
    expect(formatReply({ type: "buttons", buttons: [{ text: "A" }] })).toBe('buttons ["A"]');
    expect(formatReply({ type: "image", imageUrl: "u", state: "/S" })).toBe('image {"imageUrl":"u"} (/S)');
  });

  it("shows where, the step, expected vs actual and the replies of a failure", () => {
    expect(formatFailure(failed).split("\n")).toEqual([
      "FAIL test/a.xml:3 › greets",
      '  test/a.xml:5: expected text "Hi" but got "Hello"',
      "  step 1: <q>hi</q> (line 4)",
      '  expected: text="Hi" state="/Hi"',
      '  actual:   text="Hello" state="/Start"',
      "  diff:     text: [-Hi-]{+Hello+}",
      "  diff:     state: /[-Hi-]{+Start+}",
      "  replies:",
      '    [0] text "Hello" (/Start)',
      '    [1] buttons ["A","B"] (/Start)',
    ]);
  });

  it("colours the diff on a terminal and marks it in brackets otherwise", () => {
    expect(formatFailure(failed, paint(true))).toContain("text: \x1b[31;9mHi\x1b[0m\x1b[32;4mHello\x1b[0m");
    expect(formatFailure(failed, paint(false))).not.toMatch(/\x1b\[/);
  });

  it("ends with the summary line alone, coloured only when asked", () => {
    const plain = formatReport(files, { passed: 1, failed: 2, skipped: 1 }, false);
    const lines = plain.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("1 passed, 2 failed, 1 skipped");
    expect(plain).toContain("warning: test/a.xml:2:3: unknown element <foo> ignored");
    expect(plain).toContain("FAIL test/bad.xml:4:1: malformed XML: tag mismatch");
    expect(plain).toContain("skip test/b.xml:2 › int & co (integration test)");
    expect(plain).not.toMatch(/\x1b\[/);
    expect(formatReport(files, { passed: 1, failed: 2, skipped: 1 }, true)).toMatch(/\x1b\[31m1 passed, 2 failed, 1 skipped\x1b\[0m\n$/);
    expect(summaryLine({ passed: 0, failed: 0, skipped: 0 })).toBe("0 passed, 0 failed, 0 skipped");
  });
});

describe("JUnit XML", () => {
  const doc = new DOMParser().parseFromString(junitXml(files, 1234), "text/xml");
  const root = doc.documentElement!;

  it("has totals on <testsuites> and one <testsuite> per file", () => {
    expect(root.tagName).toBe("testsuites");
    expect([root.getAttribute("tests"), root.getAttribute("failures"), root.getAttribute("skipped"), root.getAttribute("time")]).toEqual(["4", "2", "1", "1.234"]);
    const suites = Array.from(root.getElementsByTagName("testsuite"));
    expect(suites.map((s) => [s.getAttribute("name"), s.getAttribute("tests"), s.getAttribute("failures"), s.getAttribute("skipped")])).toEqual([
      ["test/a.xml", "2", "1", "0"],
      ["test/b.xml", "1", "0", "1"],
      ["test/bad.xml", "1", "1", "0"],
    ]);
  });

  it("puts failures, skips and parse errors on their test cases, escaped", () => {
    const cases = Array.from(root.getElementsByTagName("testcase"));
    expect(cases.map((c) => c.getAttribute("name"))).toEqual(["greets", "ok", "int & co", "(file)"]);
    const failure = cases[0]!.getElementsByTagName("failure")[0]!;
    expect(failure.getAttribute("message")).toBe('test/a.xml:5: expected text "Hi" but got "Hello"');
    expect(failure.textContent).toContain('[1] buttons ["A","B"] (/Start)');
    expect(cases[1]!.childNodes.length).toBe(0);
    expect(cases[2]!.getElementsByTagName("skipped")[0]!.getAttribute("message")).toBe("integration test");
    expect(cases[3]!.getElementsByTagName("failure")[0]!.getAttribute("type")).toBe("ParseError");
  });
});
