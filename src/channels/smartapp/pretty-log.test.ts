import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logging.js";
import { prettyDestination, prettyLine } from "./pretty-log.js";
import type { TurnExplanation } from "../../engine/explain.js";

describe("pretty logs", () => {
  it("turns a JSON line into time, level, message and fields, coloured only when asked", () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5, 678), pid: 1, hostname: "h", component: "smartapp-webhook", msg: "deadline reached", deadlineMs: 6000, reqId: "r1" });
    expect(prettyLine(line, false)).toBe("03:04:05.678 WARN  deadline reached deadlineMs=6000 reqId=r1");
    expect(prettyLine(line, true)).toContain("\x1b[33mWARN \x1b[0m");
    expect(prettyLine("not json", false)).toBe("not json");
  });

  it("is a destination for the logger, masking included", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const logger = createLogger({ destination: prettyDestination(out, false), mask: (s) => s.split("s3cret").join("[REDACTED]") });
    logger.info({ path: "/webhook", status: 200 }, "request with s3cret");
    await new Promise((r) => setImmediate(r));
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request with \[REDACTED\] path=\/webhook status=200\n$/);
  });
});

describe("pretty logs: user text cannot forge lines or drive the terminal", () => {
  it("control characters in the message, fields and the explained turn are shown escaped", () => {
    // A user id and a script log carrying a newline, a fake log line and terminal escapes (clear the
    // screen, set the window title, write the clipboard: OSC 52), and a bidi override.
    const forged = "x\n03:04:05.678 INFO  request status=200\x1b[2J\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4=\x07\u202e\x9b";
    const line = JSON.stringify({ level: 30, time: 0, msg: `script log: ${forged}`, userKey: forged, turn: { q: forged } });
    const out = prettyLine(line, true);
    expect(out.split("\n")).toHaveLength(1);
    expect(out.replace(/\x1b\[\d+m/g, "")).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain("script log: x\\n03:04:05.678 INFO  request status=200\\x1b[2J\\x1b]0;pwned\\x07");
    const explained = prettyLine(JSON.stringify({ level: 20, time: 0, msg: "turn explained", explanation: { input: { kind: "text", query: forged }, context: { before: "/", after: "/" }, decidedBy: "text", candidates: [], why: [forged], executed: [], transitions: [], replies: [], logs: [], errors: [], session: [], client: [] } }), false);
    expect(explained).toContain('turn: text "x\\n03:04:05.678');
    expect(explained).not.toMatch(/\x1b|\x07|\u202e|\x9b/);
    expect(explained).toContain("- x\\n03:04:05.678 INFO  request status=200\\x1b[2J");
  });
});

describe("an explained turn (LOG_LEVEL=debug)", () => {
  it("reads as the /why block under its line", () => {
    const explanation: TurnExplanation = {
      input: { kind: "text", query: "hi" },
      context: { before: "/", after: "/Hello" },
      decidedBy: "text",
      candidates: [{ kind: "pattern", tag: "q!", trigger: "hi", state: "/Hello", target: "/Hello", at: "src/main.sc:4", tier: 1000, locality: "global", score: 1, selected: true }],
      why: ["the only pattern"],
      executed: ["/Hello"],
      transitions: [],
      replies: [],
      logs: [],
      errors: [],
      session: [{ path: "n", op: "added", after: 1 }],
      client: [],
    };
    const line = prettyLine(JSON.stringify({ level: 20, time: 0, msg: "turn explained", reqId: "r1", explanation }), false);
    expect(line.split("\n")).toEqual([
      "00:00:00.000 DEBUG turn explained reqId=r1",
      '    turn: text "hi" in /',
      "    decided by: text",
      "    candidates:",
      "      ✓ q!: hi → /Hello (src/main.sc:4, global, score 1)",
      "    why:",
      "      - the only pattern",
      "    executed: /Hello; context / → /Hello",
      "    $session: +n = 1",
    ]);
  });
});
