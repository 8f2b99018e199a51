// The real server over HTTP: every SmartApp API message type, bad input, idempotent retries,
// per-user serialisation (one process, and two processes sharing Redis), two processes on one
// SQLite file, and crash safety.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, smartappMessage, startServe, type RunningServer } from "./server.js";

function projectCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "e2e-counter-"));
  cpSync(path.join(repoRoot, "test/fixtures/e2e/counter"), dir, { recursive: true });
  return dir;
}

describe("webhook end to end (sqlite store)", () => {
  let dir: string;
  let server: RunningServer;
  let slow: http.Server;
  let slowUrl: string;

  beforeAll(async () => {
    slow = http.createServer((req, res) => {
      const ms = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? 500);
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":"медленно, но верно"}'), ms);
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", () => r()));
    slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}/slow`;
    dir = projectCopy();
    // The stub listens on loopback, which scripts may reach only when the operator opens it.
    server = await startServe(dir, ["--store", "sqlite", "--allow-http", "127.0.0.1"], { SLOW_URL: slowUrl });
  });
  afterAll(async () => {
    await server?.stop();
    slow?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a launch (RUN_APP) with the /start state", async () => {
    const r = await post(server.url, smartappMessage("RUN_APP", { intent: "run_app", server_action: { action_id: "run_app", parameters: {} } }, "launch"));
    expect(r.status).toBe(200);
    expect(r.json.messageName).toBe("ANSWER_TO_USER");
    expect(bubbles(r.json)).toEqual(["Привет! Скажите «плюс»."]);
  });

  it("runs text turns and keeps $session between them", async () => {
    expect(bubbles((await post(server.url, say("плюс", "text"))).json)).toEqual(["1"]);
    expect(bubbles((await post(server.url, say("ещё плюс", "text"))).json)).toEqual(["2"]);
    expect(bubbles((await post(server.url, say("сколько", "text"))).json)).toEqual(["Счётчик: 2"]);
  });

  it("echoes ids exactly, including a messageId above 2^53", async () => {
    const msg = say("сколько", "bigid");
    const raw = JSON.stringify(msg).replace(/"messageId":\d+/, '"messageId":1605196199186625000');
    const r = await post(server.url, raw);
    expect(r.status).toBe(200);
    expect(r.text).toContain('"messageId":1605196199186625000');
    expect(r.json.sessionId).toBe(msg.sessionId);
    expect(r.json.uuid).toEqual(msg.uuid);
    expect(r.text).not.toContain("null");
    expect(r.text).not.toContain("\n");
  });

  it("fires SERVER_ACTION, RATING_RESULT, TAKE_PROFILE_DATA and CLOSE_APP as events", async () => {
    const action = await post(server.url, smartappMessage("SERVER_ACTION", { server_action: { action_id: "done", parameters: { note: "молоко" } } }));
    expect(bubbles(action.json)).toEqual(["Готово: молоко"]);
    const rating = await post(server.url, smartappMessage("RATING_RESULT", { rating: { estimation: 5 }, status_code: { code: 1, description: "SUCCESS" } }));
    expect(bubbles(rating.json)).toEqual(["Оценка 5"]);
    const profile = await post(server.url, smartappMessage("TAKE_PROFILE_DATA", { profile_data: { customer_name: "Иван" }, status_code: { code: 1 } }));
    expect(bubbles(profile.json)).toEqual(["Профиль получен"]);
    const close = await post(server.url, smartappMessage("CLOSE_APP", { intent: "close_app" }));
    expect(close.status).toBe(200);
  });

  it("answers bad input with a 4xx and a reason, and keeps serving", async () => {
    const notJson = await post(server.url, "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.text.length).toBeGreaterThan(0);
    const missing = await post(server.url, { messageName: "MESSAGE_TO_SKILL", payload: {} });
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/messageId|sessionId|uuid/);
    const wrongType = await post(server.url, { ...say("привет"), sessionId: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.text).toMatch(/sessionId/);
    const unknown = await post(server.url, { ...say("привет"), messageName: "SOMETHING_ELSE" });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/SOMETHING_ELSE|messageName/);
    const huge = await post(server.url, JSON.stringify({ ...say("привет"), pad: "x".repeat(5 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    const wrongCt = await post(server.url, JSON.stringify(say("привет")), { "content-type": "text/plain" });
    expect(wrongCt.status).toBe(415);
    expect((await post(server.url, say("сколько", "after-bad"))).status).toBe(200);
  });

  it("returns the stored answer for a repeated messageId without running the turn again", async () => {
    const first = say("плюс", "retry");
    const a = await post(server.url, first);
    const b = await post(server.url, first);
    expect(b.text).toBe(a.text);
    expect(bubbles((await post(server.url, say("сколько", "retry"))).json)).toEqual(["Счётчик: 1"]);
  });

  // 60: within the 64 turns one user may have waiting (DEFAULT_MAX_WAITING_TURNS, src/storage/base.ts).
  it("serialises 60 concurrent turns of one user", async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => post(server.url, say("плюс", "hundred"))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => bubbles(a.json)[0])).size).toBe(60);
    expect(bubbles((await post(server.url, say("сколько", "hundred"))).json)).toEqual(["Счётчик: 60"]);
  });

  it("lets two users wait on a slow $http endpoint at the same time", async () => {
    // Warm both workers first, so the measurement is of waiting, not of first-use compilation.
    await Promise.all([post(server.url, say("сколько", "slow-a")), post(server.url, say("сколько", "slow-b"))]);
    const t0 = Date.now();
    const [a, b] = await Promise.all([post(server.url, say("медленно", "slow-a")), post(server.url, say("медленно", "slow-b"))]);
    const elapsed = Date.now() - t0;
    expect(bubbles(a.json)).toEqual(["медленно, но верно"]);
    expect(bubbles(b.json)).toEqual(["медленно, но верно"]);
    expect(elapsed).toBeLessThan(950);
  });

  it("does not count time blocked in $http against the CPU limit", async () => {
    const r = await post(server.url, say("очень долго", "very-slow"));
    expect(bubbles(r.json)).toEqual(["медленно, но верно"]);
  });

  it("replays a turn killed for CPU into the onScriptError handler bound to its state", async () => {
    const r = await post(server.url, say("осторожно", "guarded"));
    expect(bubbles(r.json)).toEqual(["Скрипт упал: Script execution timed out after 2000 ms"]);
    expect(bubbles((await post(server.url, say("сколько", "guarded"))).json)).toEqual(["Счётчик: 0"]);
  });

  it("stops an endless loop and a memory bomb with the error path, then serves the next request", async () => {
    const loop = await post(server.url, say("вечно", "limits"));
    expect(loop.status).toBe(200);
    expect(bubbles(loop.json)).toEqual(["Ошибка, попробуйте ещё раз"]);
    const bomb = await post(server.url, say("память", "limits"));
    expect(bomb.status).toBe(200);
    expect(bubbles(bomb.json)).toEqual(["Ошибка, попробуйте ещё раз"]);
    expect(bubbles((await post(server.url, say("плюс", "limits"))).json)).toEqual(["1"]);
  }, 60_000);
});

describe("crash safety (sqlite store)", () => {
  it("keeps every answered turn after SIGKILL", async () => {
    const dir = projectCopy();
    try {
      let server = await startServe(dir, ["--store", "sqlite"]);
      let answered = 0;
      const stream = (async () => {
        for (;;) {
          const r = await post(server.url, say("плюс", "crash")).catch(() => undefined);
          if (!r || r.status !== 200) return;
          answered = Number(bubbles(r.json)[0]);
        }
      })();
      while (answered < 30) await new Promise((r) => setTimeout(r, 10));
      await server.stop("SIGKILL");
      await stream;
      server = await startServe(dir, ["--store", "sqlite"]);
      const count = Number(/\d+/.exec(bubbles((await post(server.url, say("сколько", "crash"))).json)[0])![0]);
      await server.stop();
      // The turn in flight at the kill may or may not have been committed, but none that was answered is lost.
      expect(count).toBeGreaterThanOrEqual(answered);
      expect(count).toBeLessThanOrEqual(answered + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("two processes on one SQLite file", () => {
  // Each process keeps its users' last committed state in memory (docs/storage.md, "State cache"):
  // a turn committed by the other process must be seen, not overwritten or answered with a conflict.
  it("continues a user's session from the other process's last turn", async () => {
    const dir = projectCopy();
    try {
      const a = await startServe(dir, ["--store", "sqlite"]);
      const b = await startServe(dir, ["--store", "sqlite"]).catch(async (err: unknown) => {
        await a.stop();
        throw err;
      });
      try {
        const answers: string[] = [];
        for (const server of [a, b, a, b, a]) answers.push(bubbles((await post(server.url, say("плюс", "shared"))).json)[0]!);
        expect(answers).toEqual(["1", "2", "3", "4", "5"]);
        expect(bubbles((await post(b.url, say("сколько", "shared"))).json)).toEqual(["Счётчик: 5"]);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("two processes sharing Redis", () => {
  it("serialises one user's turns across processes", async () => {
    const dir = projectCopy();
    const env = { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", SMARTAPP_REDIS_PREFIX: `e2e-${process.pid}-${Date.now()}:` };
    const [a, b] = await Promise.all([startServe(dir, ["--store", "redis"], env), startServe(dir, ["--store", "redis"], env)]);
    try {
      // 100 over two processes: 50 waiting in each, within the 64 one user may have in a process.
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => post(i % 2 ? a.url : b.url, say("плюс", "shared"))));
      expect(answers.every((r) => r.status === 200)).toBe(true);
      expect(bubbles((await post(a.url, say("сколько", "shared"))).json)).toEqual(["Счётчик: 100"]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
