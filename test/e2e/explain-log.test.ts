// `serve` with LOG_LEVEL=debug logs every turn explained (docs/engine.md, "The explained turn"):
// the real server over HTTP, its JSON log lines read back, secrets masked as in every log line; and
// the console's test run, which explains a failing step the same way.
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

it("the console's test run says why a failing step went elsewhere", async () => {
  const withConsole = await startServe(path.join(repoRoot, "test/fixtures/engine/explain"), ["--store", "memory", "--console"]);
  try {
    const res = await fetch(`${withConsole.url}/console/api/tests`, { method: "POST" });
    const body = (await res.json()) as { failed: number; cases: { id: string; why?: string }[] };
    expect(body.failed).toBe(1);
    const failed = body.cases.find((c) => c.id === "expects the local intent")!;
    expect(failed.why?.split("\n").slice(0, 2)).toEqual([
      "why: /GlobalOrder won — q!: order * → /GlobalOrder (src/main.sc:20, global, score 0.50, weight 0.50, not literal: pizza)",
      "  expected /Menu/Order: none of its triggers matched from context /Menu",
    ]);
    expect(body.cases.find((c) => c.id === "passes")!.why).toBeUndefined();
  } finally {
    await withConsole.stop();
  }
});
