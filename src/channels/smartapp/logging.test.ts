import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { secretMasker } from "../../util/secrets.js";
import { batchedDestination, createLogger, LOG_FLUSH_MS, redactExplanation, redactSecrets } from "./logging.js";

function capture() {
  let text = "";
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { destination, text: () => text };
}

describe("logger masking", () => {
  it("masks secret values in fields, nested errors and the message itself", () => {
    const out = capture();
    const log = createLogger({ destination: out.destination, mask: secretMasker(["tok-SECRET-1", "sec-SECRET-2"]) });
    log.warn({ kind: "script", message: "boom tok-SECRET-1", nested: { list: ["x sec-SECRET-2"] } }, "turn reported an error");
    log.error({ err: redactSecrets(new Error("failed with sec-SECRET-2")) }, "turn failed");
    log.info("plain message with tok-SECRET-1");
    const text = out.text();
    expect(text).not.toMatch(/tok-SECRET-1|sec-SECRET-2/);
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(5); // message, list item, error message, its stack, the plain message
  });

  it("still masks by key name without any configured secret", () => {
    expect(redactSecrets({ headers: { authorization: "Bearer abc" }, pay_api_key: "k", text: "Bearer xyz" })).toEqual({
      headers: { authorization: "[REDACTED]" },
      pay_api_key: "[REDACTED]",
      text: "Bearer [REDACTED]",
    });
  });
});

describe("an explained turn in the log", () => {
  it("masks session and client changes under secret-looking names", () => {
    const e = redactExplanation({
      input: { kind: "text", query: "x" },
      context: { before: "/", after: "/" },
      decidedBy: "text",
      candidates: [],
      why: [],
      executed: [],
      transitions: [],
      replies: [],
      logs: [],
      errors: [],
      session: [
        { path: "auth.accessToken", op: "changed", before: "a", after: "b" },
        { path: "cart", op: "added", after: { n: 1 } },
      ],
      client: [{ path: '["api-key"]', op: "removed", before: "k" }],
    });
    expect(e.session).toEqual([
      { path: "auth.accessToken", op: "changed", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "cart", op: "added", after: { n: 1 } },
    ]);
    expect(e.client).toEqual([{ path: '["api-key"]', op: "removed", before: "[REDACTED]" }]);
  });
});

describe("the default log destination", () => {
  // sonic-boom calls fs.write through the CommonJS module object: counting its calls counts write(2)s.
  const fs = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("writes the lines of many requests in a few writes, and a lone line within the flush period", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "log-batch-"));
    dirs.push(dir);
    const file = path.join(dir, "log.jsonl");
    const write = vi.spyOn(fs, "write");
    try {
      const dest = batchedDestination(file);
      const log = createLogger({ destination: dest as unknown as NodeJS.WritableStream });
      await new Promise((r) => setTimeout(r, 50)); // the file opens asynchronously
      // One line per event-loop turn, as requests finish: each turn used to cost a write of its own.
      for (let i = 0; i < 60; i++) {
        log.info({ reqId: `r-${i}`, method: "POST", path: "/webhook", status: 200, ms: 3 }, "request");
        await new Promise((r) => setImmediate(r));
      }
      const batchedWrites = write.mock.calls.length;
      expect(batchedWrites).toBeLessThanOrEqual(3); // ≈ 60 × 130 bytes in 8 KB writes
      log.info({ reqId: "last" }, "request");
      await new Promise((r) => setTimeout(r, 3 * LOG_FLUSH_MS));
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(lines).toHaveLength(61);
      expect(JSON.parse(lines[60]!).reqId).toBe("last");
      (dest as unknown as { destroy(): void }).destroy();
    } finally {
      write.mockRestore();
    }
  });
});
