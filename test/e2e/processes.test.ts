// `smartapp serve --processes 2` over HTTP: two processes share the port and one SQLite sessions
// file; one user's messages, spread over many connections and so over both processes, still run one
// at a time; a retried messageId is answered from the cache by whichever process gets it; a process
// killed with SIGKILL mid-turn is replaced and its user is served again once the lease runs out
// (docs/storage.md, "Several processes serving one file").
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

const LEASE_MS = 1500;

/** GET over a connection of its own, so the cluster hands each one to the next process. */
function getFresh(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

describe("serve --processes 2 on one SQLite file", () => {
  let dir: string;
  let server: RunningServer;
  let stub: http.Server;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    stub = http.createServer((_req, res) => held.push(res)); // the slow $http never answers: the turn is held
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    dir = mkdtempSync(path.join(tmpdir(), "e2e-processes-"));
    cpSync(path.join(repoRoot, "test/fixtures/e2e/counter"), dir, { recursive: true });
    server = await startServe(dir, ["--processes", "2", "--allow-http", "127.0.0.1"], {
      SLOW_URL: `http://127.0.0.1:${(stub.address() as { port: number }).port}/slow`,
      SMARTAPP_SESSION_LEASE_MS: String(LEASE_MS),
    }, { startMs: 120_000 });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
    for (const res of held.splice(0)) res.destroy();
    stub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pids = () => /share the port \(pids (\d+), (\d+)\)/.exec(server.output())!.slice(1).map(Number);

  it("prints the start once, for both processes", () => {
    expect(server.output().match(/serving "counter"/g)).toHaveLength(1);
    expect(pids()).toHaveLength(2);
  });

  it("runs 100 messages of one user, 50 at a time over many connections, one at a time: the counter ends at exactly 100", async () => {
    // 50 at once: a process refuses a user's 65th waiting turn (maxWaitingTurns is per process), and
    // connections are not spread exactly evenly.
    const wave = () => Promise.all(Array.from({ length: 50 }, () => post(server.url, say("плюс", "many"))));
    const answers = [...(await wave()), ...(await wave())];
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    const counts = answers.map((a) => Number(bubbles(a.json)[0])).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1)); // each turn saw the one before
    expect(bubbles((await post(server.url, say("сколько", "many"))).json)).toEqual(["Счётчик: 100"]);
    // Both processes ran turns: each answers /metrics with its own count.
    const turns = new Set<number>();
    for (let i = 0; i < 6; i++) turns.add(Number(/^smartapp_turns_total\{[^}]*\} (\d+)/m.exec(await getFresh(`${server.url}/metrics`))?.[1] ?? 0));
    expect(turns.size).toBe(2);
    expect([...turns].every((n) => n > 0)).toBe(true);
  });

  it("answers a retried messageId from the cache whatever process gets it, and runs its turn once", async () => {
    const message = say("плюс", "retry");
    const copies = await Promise.all(Array.from({ length: 6 }, () => post(server.url, message)));
    expect(new Set(copies.map((c) => c.text)).size).toBe(1);
    expect(bubbles(copies[0]!.json)).toEqual(["1"]);
    for (let i = 0; i < 4; i++) expect((await post(server.url, message)).text).toBe(copies[0]!.text);
    expect(bubbles((await post(server.url, say("сколько", "retry"))).json)).toEqual(["Счётчик: 1"]);
  });

  it("replaces a process killed mid-turn and serves its user once the lease runs out", async () => {
    expect(bubbles((await post(server.url, say("плюс", "killed"))).json)).toEqual(["1"]);
    const slow = post(server.url, say("медленно", "killed")).catch(() => "cut off");
    await vi.waitFor(() => expect(held.length).toBeGreaterThan(0), { timeout: 20_000 });
    // The process that runs the turn holds the user's lease; its token starts with its pid.
    const db = new Database(path.join(dir, ".smartapp", "sessions.sqlite"), { readonly: true });
    const lease = db.prepare("SELECT token FROM leases WHERE user_key = ?").get("sub-killed") as { token: string } | undefined;
    db.close();
    const holder = Number(lease?.token.split(".")[0]);
    expect(pids()).toContain(holder);
    process.kill(holder, "SIGKILL");
    expect(await slow).toBe("cut off");
    // Meanwhile the other process serves the user as soon as the dead one's lease runs out.
    expect(bubbles((await post(server.url, say("плюс", "killed"))).json)).toEqual(["2"]); // the killed turn committed nothing
    await vi.waitFor(() => expect(server.output()).toMatch(/serving again/), { timeout: 60_000, interval: 200 });
    expect(server.output()).toMatch(new RegExp(`process ${holder} ended \\(SIGKILL\\); starting another`));
    for (let i = 3; i <= 6; i++) expect(bubbles((await post(server.url, say("плюс", "killed"))).json)).toEqual([String(i)]);
  }, 90_000);

  it("drains both processes on SIGTERM and exits", async () => {
    await server.stop("SIGTERM");
    expect(server.child.exitCode).toBe(0);
    expect(server.output().match(/shutting down/g)).toHaveLength(1);
  });
});

describe("serve --processes refuses what is kept per process", () => {
  it("exits with the reason for --store memory, before anything listens", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "e2e-processes-"));
    cpSync(path.join(repoRoot, "test/fixtures/e2e/counter"), dir, { recursive: true });
    try {
      await expect(startServe(dir, ["--processes", "2", "--store", "memory"])).rejects.toThrow(/exited with 2:[\s\S]*--processes: --store memory keeps each process's sessions to itself/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
