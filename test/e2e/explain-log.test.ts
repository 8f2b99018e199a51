// `serve` with LOG_LEVEL=debug logs every turn explained (docs/engine.md, "The explained turn"):
// the real server over HTTP, its JSON log lines read back, secrets masked as in every log line.
import { afterAll, beforeAll, expect, it } from "vitest";
import path from "node:path";
import { post, repoRoot, say, startServe, type RunningServer } from "./server.js";

const SECRET = "s3cr3t-Value-42";
let server: RunningServer;

beforeAll(async () => {
  server = await startServe(path.join(repoRoot, "test/fixtures/chat"), ["--store", "memory", "--no-console"], { LOG_LEVEL: "debug", LOG_FORMAT: "json", SMARTAPP_SECRET_API: SECRET });
});
afterAll(async () => {
  await server?.stop();
});

const explainedLines = (): { msg: string; reqId: string; explanation: any }[] =>
  server
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))
    .filter((e) => e.msg === "turn explained");

it("logs each turn's explanation at debug level, with secret values masked", async () => {
  expect((await post(server.url, say("log", "why-1"))).status).toBe(200);
  expect((await post(server.url, say(`count ${SECRET}`, "why-1"))).status).toBe(200);
  await expect.poll(() => explainedLines().length, { timeout: 10_000 }).toBe(2);
  const [first, second] = explainedLines();
  expect(first!.explanation).toMatchObject({
    input: { kind: "text", query: "log" },
    decidedBy: "text",
    winner: { kind: "pattern", trigger: "log", target: "/Log", at: "src/main.sc:16" },
    logs: [{ level: "info", message: "hello from the script", source: "script", state: "/Log" }],
    context: { before: "/", after: "/Log" },
  });
  expect(first!.reqId).toBeTruthy();
  expect(second!.explanation.input.query).toBe("count [REDACTED]");
  expect(server.output()).not.toContain(SECRET);
});
