// `serve --watch` against the real server: a saved scenario is served at once, sessions survive the
// reload, and a broken save is reported with its position while the previous version keeps serving.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "smartapp-serve-watch-"));
  cpSync(path.join(repoRoot, "test/fixtures/chat"), dir, { recursive: true });
  server = await startServe(dir, ["--watch", "--store", "memory"]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const answer = async (text: string) => bubbles((await post(server.url, say(text, "watcher"))).json);

it("serves a saved change without a restart and keeps the users' sessions", async () => {
  await expect.poll(() => server.output()).toContain(`watching ${dir} for changes`);
  expect(await answer("count")).toEqual(["1"]);
  const main = path.join(dir, "src/main.sc");
  writeFileSync(main, readFileSync(main, "utf8").replace("a: logged", "a: logged, version 2"));
  await expect.poll(() => server.output(), { timeout: 15_000 }).toMatch(/src\/main\.sc changed: reloaded \(\d+ states/);
  expect(await answer("log")).toEqual(["logged, version 2"]);
  expect(await answer("count")).toEqual(["2"]);
});

it("reports a broken save with file:line and keeps serving the previous version", async () => {
  const main = path.join(dir, "src/main.sc");
  writeFileSync(main, readFileSync(main, "utf8").replace("q!: log", "q!: (log"));
  await expect.poll(() => server.output(), { timeout: 15_000 }).toMatch(/does not load; still serving the previous version:\n.*src\/main\.sc:\d+:\d+/);
  expect(await answer("log")).toEqual(["logged, version 2"]);
});
