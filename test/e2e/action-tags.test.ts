// The built-in action tags over the real webhook (docs/engine.md, "Action tags"): an InputText
// prompt, then the user's answer on the next request, kept in the SQLite store across a restart.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, smartappMessage, startServe, type RunningServer } from "./server.js";

describe("webhook with InputText / InputNumber", () => {
  let dir: string;
  let server: RunningServer | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "e2e-action-tags-"));
    cpSync(path.join(repoRoot, "test/fixtures/engine/action-tags"), dir, { recursive: true });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("asks, then takes the next text as the answer, across a restart", async () => {
    server = await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("ask", "input-1"))).json)).toEqual(["What is your name?"]);
    await server.stop();
    server = await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("Alice", "input-1"))).json)).toEqual(["Hello, Alice!"]);
  }, 120_000);

  it("refuses what is not a number in range and asks again", async () => {
    server ??= await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("age", "input-2"))).json)).toEqual(["How old are you?"]);
    expect(bubbles((await post(server.url, say("many", "input-2"))).json)).toEqual(["A number from 1 to 120, please"]);
    expect(bubbles((await post(server.url, say("33", "input-2"))).json)).toEqual(["Age 33 (number)"]);
  }, 120_000);

  it("a launch (RUN_APP) while the tag waits is not the answer", async () => {
    server ??= await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("ask", "input-3"))).json)).toEqual(["What is your name?"]);
    await post(server.url, smartappMessage("RUN_APP", { server_action: { action_id: "run_app", parameters: {} } }, "input-3"));
    expect(bubbles((await post(server.url, say("Dave", "input-3"))).json)).toEqual(["Hello, Dave!"]);
  }, 120_000);
});
