// `serve --http-suspends`: turns waiting on a slow $http endpoint free their workers while others
// wait, so more calls are in flight than there are workers; each request still reaches the endpoint
// once and every user gets the answer (src/runtime/worker-pool.ts, docs/architecture.md).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

// The pool's default size (PoolOptions.maxWorkers): blocking calls alone never exceed it.
const WORKERS = Math.max(4, 2 * availableParallelism());
const USERS = WORKERS + 8;

describe("serve --http-suspends", () => {
  let dir: string;
  let server: RunningServer;
  let stub: http.Server;
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;

  beforeAll(async () => {
    stub = http.createServer((req, res) => {
      requests++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":"медленно, но верно"}');
      }, 1500);
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    dir = mkdtempSync(path.join(tmpdir(), "e2e-suspend-"));
    cpSync(path.join(repoRoot, "test/fixtures/e2e/counter"), dir, { recursive: true });
    const url = `http://127.0.0.1:${(stub.address() as { port: number }).port}/slow`;
    // A loaded machine can take longer than the assistant's 6 s for a turn re-run after a suspend;
    // this test is about each call made once and every user answered, not about the deadline.
    server = await startServe(dir, ["--store", "memory", "--allow-http", "127.0.0.1", "--http-suspends", "8", "--deadline-ms", "30000"], { SLOW_URL: url });
  });
  afterAll(async () => {
    await server?.stop();
    stub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps more $http calls in flight than there are workers, each made once, every user answered", async () => {
    const users = Array.from({ length: USERS }, (_, i) => `suspend-${i}`);
    const answers = await Promise.all(users.map((u) => post(server.url, say("медленно", u))));
    expect(answers.map((a) => bubbles(a.json))).toEqual(users.map(() => ["медленно, но верно"]));
    expect(requests).toBe(USERS);
    expect(maxInFlight).toBeGreaterThan(WORKERS);
    // The state of a user whose turn was run again is the state of one run.
    expect(bubbles((await post(server.url, say("плюс", users[0]))).json)).toEqual(["1"]);
  }, 60_000);

  it("--deadline-ms: a turn slower than the deadline gets ERROR 504 before the turn ends", async () => {
    const quick = await startServe(dir, ["--store", "memory", "--allow-http", "127.0.0.1", "--deadline-ms", "300"], {
      SLOW_URL: `http://127.0.0.1:${(stub.address() as { port: number }).port}/slow`,
    });
    try {
      const started = Date.now();
      const late = await post(quick.url, say("медленно", "deadline-user"));
      expect(Date.now() - started).toBeLessThan(1500); // the stub answers after 1.5 s
      expect(late.json.messageName).toBe("ERROR");
      expect(late.json.payload.code).toBe(504);
    } finally {
      await quick.stop();
    }
    await expect(startServe(dir, ["--deadline-ms", "0"])).rejects.toThrow(/milliseconds/);
  }, 60_000);

  it("refuses a --http-suspends that is not a whole number", async () => {
    await expect(startServe(dir, ["--http-suspends", "-1"])).rejects.toThrow(/whole number/);
  });
});
