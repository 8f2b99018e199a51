import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { secretMasker } from "../../util/secrets.js";
import { pino } from "pino";
import { batchedDestination, createLogger, droppedLogLines, LOG_FLUSH_MS, logFlat, redactExplanation, redactSecrets } from "./logging.js";

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

describe("the flat line every request writes", () => {
  const mask = secretMasker(["tok-SECRET-1"]);
  const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');
  const head = { reqId: "r-1", method: "POST", path: "/webhook", status: 200, ms: 3 };

  it("is the line log.info writes for the same fields, masked the same way, without going through it", () => {
    const tails = [
      { messageName: "MESSAGE_TO_SKILL", messageId: "12345678901234567890", sessionId: 's "x" \u2028 tok-SECRET-1', userKey: "Bearer abc.def", answer: "ANSWER_TO_USER" },
      { error: "body is not valid JSON", api_key: "k-1", token: 7, secret: "", skipped: undefined },
      undefined,
    ];
    for (const tail of tails) {
      const viaInfo = capture();
      createLogger({ destination: viaInfo.destination, mask }).info({ ...head, ...tail }, "request tok-SECRET-1");
      const flat = capture();
      const log = createLogger({ destination: flat.destination, mask });
      const info = vi.spyOn(log, "info");
      logFlat(log, "request tok-SECRET-1", head, tail);
      expect(info).not.toHaveBeenCalled(); // built directly: no merged object, no masked deep copy
      expect(withoutTime(flat.text())).toBe(withoutTime(viaInfo.text()));
      expect(flat.text()).not.toMatch(/tok-SECRET-1|abc\.def|k-1/);
    }
  });

  it("leaves to pino what it cannot write flat: other loggers, other values, a key given twice", () => {
    const out = capture();
    const log = createLogger({ destination: out.destination });
    const info = vi.spyOn(log, "info");
    logFlat(log, "request", head, { ms: 4 });
    logFlat(log, "request", head, { ratio: Number.NaN });
    logFlat(log, "request", head, { nested: { a: 1 } as unknown as string });
    expect(info).toHaveBeenCalledTimes(3);
    expect(JSON.parse(out.text().split("\n")[0]!)).toMatchObject({ ms: 4 });
    const other = pino({ base: undefined }, capture().destination);
    const otherInfo = vi.spyOn(other, "info");
    logFlat(other, "request", head);
    expect(otherInfo).toHaveBeenCalledOnce();
  });

  it("writes nothing below the logger's level", () => {
    const out = capture();
    logFlat(createLogger({ destination: out.destination, level: "warn" }), "request", head);
    expect(out.text()).toBe("");
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

  // stdout is a pipe whose reader stopped reading: the lines wait in memory up to a bound, then whole
  // batches are dropped and counted, and the first line once the pipe takes lines again says how many.
  it("drops and counts lines beyond its bound while the destination does not take them, and says so after", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "log-stall-"));
    dirs.push(dir);
    const fifo = path.join(dir, "stdout");
    execFileSync("mkfifo", [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // open, and not reading
    const bound = 64 * 1024;
    const dest = batchedDestination(fifo, bound);
    const log = createLogger({ destination: dest as unknown as NodeJS.WritableStream });
    const tick = () => new Promise((r) => setTimeout(r, 5));
    let text = "";
    const drain = async (quietMs: number) => {
      const buf = Buffer.alloc(64 * 1024);
      for (let quiet = 0; quiet < quietMs; quiet += 5) {
        try {
          for (let n; (n = readSync(reader, buf)) > 0; quiet = 0) text += buf.toString("utf8", 0, n);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        }
        await tick();
      }
    };
    try {
      const droppedBefore = droppedLogLines();
      const total = 3000; // ≈ 150 bytes each: 450 KB against a 64 KB pipe and a 64 KB bound
      for (let i = 0; i < total; i++) {
        log.info({ reqId: `r-${i}`, method: "POST", path: "/webhook", status: 200, ms: 3 }, "request");
        if (i % 50 === 0) await tick();
      }
      await new Promise((r) => setTimeout(r, 2 * LOG_FLUSH_MS));
      const dropped = droppedLogLines() - droppedBefore;
      expect(dropped).toBeGreaterThan(0);
      // What waits is bounded: the pipe's 64 KB, the bound, one batch still gathering.
      expect(total - dropped).toBeLessThan((64 * 1024 + bound + 8 * 1024) / 100);
      await drain(300); // the reader reads again: everything held goes out
      log.info({ reqId: "after" }, "request");
      await new Promise((r) => setTimeout(r, 2 * LOG_FLUSH_MS));
      await drain(100);
      const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { reqId?: string; msg: string; dropped?: number; level: number });
      const requests = lines.filter((l) => l.msg === "request");
      expect(requests.length + dropped).toBe(total + 1);
      expect(requests.at(-1)!.reqId).toBe("after");
      const warnings = lines.filter((l) => l.dropped !== undefined);
      expect(warnings).toEqual([expect.objectContaining({ level: 40, component: "smartapp-webhook", dropped })]);
      expect(lines.indexOf(warnings[0]!)).toBeLessThan(lines.length - 1); // ahead of the lines written after the stall
    } finally {
      (dest as unknown as { destroy(): void }).destroy();
      closeSync(reader);
    }
  }, 20_000);

  // A child process logs to its stdout through the default destination and ends at once: the lines
  // still gathering (under 8 KB, under the flush period) must reach the pipe, on either way out.
  it.each([
    ["ends on its own", ""],
    ["calls process.exit", "process.exit(0);"],
  ])("writes the lines still gathering when the process %s", async (_how, ending) => {
    const logging = pathToFileURL(fileURLToPath(new URL("./logging.ts", import.meta.url))).href;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const script = `import { createLogger } from ${JSON.stringify(logging)};
const log = createLogger();
for (let i = 0; i < 3; i++) log.info({ reqId: "r-" + i }, "request");
${ending}`;
    const child = spawn(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out.trim().split("\n").map((l) => (JSON.parse(l) as { reqId: string }).reqId)).toEqual(["r-0", "r-1", "r-2"]);
  }, 20_000);
});
