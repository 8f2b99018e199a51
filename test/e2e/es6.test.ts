// An ES6 project end to end: `smartapp test` installs its local npm packages (file: dependencies,
// no network) and passes its XML tests; `smartapp serve` answers over the webhook with modules,
// an npm package, await and fetch through the $http destination policy.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), ...args], { cwd: repoRoot });

describe("ES6 project (modules, npm packages, fetch)", () => {
  let dir: string;
  let stub: http.Server;
  let stubUrl: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "e2e-es6-"));
    cpSync(path.join(repoRoot, "test/fixtures/projects/es6"), dir, { recursive: true, filter: (src) => !src.includes(".smartapp") });
    stub = http.createServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ word: `got ${req.url}` })));
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await server?.stop();
    stub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("smartapp test installs the packages on first run and passes the project's XML tests", async () => {
    const r = await cli("test", dir, "--workers", "0");
    expect(r.stderr).toContain("installing npm packages of src/package.json");
    expect(r.stdout).toMatch(/6 passed, 0 failed/);
    expect(existsSync(path.join(dir, ".smartapp/npm/node_modules/greeter/lib/index.js"))).toBe(true);
    // Up to date: the second run does not install again.
    const again = await cli("test", dir, "--workers", "0");
    expect(again.stderr).not.toContain("installing");
  }, 120_000);

  it("serves the modules over the webhook; fetch goes through the $http destination policy", async () => {
    server = await startServe(dir, ["--store", "memory", "--allow-http", "127.0.0.1", "--env", `STUB_URL=${stubUrl}`]);
    expect(bubbles((await post(server.url, say("start Bob", "es6-a"))).json)).toEqual(["Hello, Bob!"]);
    expect(bubbles((await post(server.url, say("later", "es6-a"))).json)).toEqual(["later 42"]);
    expect(bubbles((await post(server.url, say("fetch", "es6-a"))).json)).toEqual(["fetched got /data"]);
    // Module state belongs to the context: another user's turn starts from fresh module instances.
    expect(bubbles((await post(server.url, say("count", "es6-a"))).json)).toEqual(["calls 1 hits 0"]);
    expect(bubbles((await post(server.url, say("count", "es6-b"))).json)).toEqual(["calls 1 hits 0"]);
    await server.stop();
    // Without --allow-http the loopback stub is refused, as for $http.
    server = await startServe(dir, ["--store", "memory", "--env", `STUB_URL=${stubUrl}`]);
    const refused = bubbles((await post(server.url, say("fetch", "es6-c"))).json);
    expect(refused[0]).toMatch(/^fetch failed: /);
  }, 120_000);
});
