import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logging.js";
import { prettyDestination, prettyLine } from "./pretty-log.js";

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
