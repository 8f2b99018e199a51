// A flood spread over many users against the real `smartapp serve`: past SMARTAPP_MAX_TURNS turns, or
// SMARTAPP_MAX_HELD_BYTES of bodies (also bodies still arriving), held in the process, a request is
// answered 503 at once and nothing of it runs; what is held stays within the limits, and the server
// serves normally after (docs/security.md, "Limits").
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

const MAX_TURNS = 4;
const MAX_HELD_BYTES = 250_000;
const PADDING = 100_000; // two padded bodies fit under MAX_HELD_BYTES, a third does not

describe("serve under a flood from many users", () => {
  let dir: string;
  let server: RunningServer;
  let stub: http.Server;
  let calls = 0;
  const held: http.ServerResponse[] = [];
  const openGate = () => {
    for (const res of held.splice(0)) res.writeHead(200, { "content-type": "application/json" }).end('{"ok":"медленно, но верно"}');
  };

  beforeAll(async () => {
    // The scenario's slow $http endpoint answers only when the test opens the gate: turns are held, not timed.
    stub = http.createServer((_req, res) => {
      calls++;
      held.push(res);
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    dir = mkdtempSync(path.join(tmpdir(), "e2e-flood-"));
    cpSync(path.join(repoRoot, "test/fixtures/e2e/counter"), dir, { recursive: true });
    server = await startServe(dir, ["--store", "memory", "--allow-http", "127.0.0.1", "--deadline-ms", "60000"], {
      SLOW_URL: `http://127.0.0.1:${(stub.address() as { port: number }).port}/slow`,
      SMARTAPP_MAX_TURNS: String(MAX_TURNS),
      SMARTAPP_MAX_HELD_BYTES: String(MAX_HELD_BYTES),
      SMARTAPP_MAX_HELD_BYTES_PER_ADDRESS: String(MAX_HELD_BYTES), // every client here is 127.0.0.1
    });
  }, 60_000);
  afterAll(async () => {
    openGate();
    await server?.stop();
    stub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function heldNow(): Promise<{ turns: number; bytes: number }> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
    return { turns: read("smartapp_turns_held"), bytes: read("smartapp_request_bytes_held") };
  }

  /** Posts every message at once; counts the answers as they come. */
  function flood(messages: object[]) {
    const statuses: number[] = [];
    const answers = messages.map((m) =>
      post(server.url, m).then((a) => {
        statuses.push(a.status);
        return a;
      }),
    );
    return { statuses, answers };
  }

  it("past the turn limit: 503 at once, the admitted turns run and answer, nothing of the refused ones runs; then it serves as before", async () => {
    const users = Array.from({ length: 12 }, (_, i) => `flood-${i}`);
    const { statuses, answers } = flood(users.map((u) => say("медленно", u)));
    // MAX_TURNS turns reach the endpoint and wait there; every other request is already answered.
    await vi.waitFor(() => expect([calls, statuses.length]).toEqual([MAX_TURNS, users.length - MAX_TURNS]), { timeout: 30_000 });
    expect(statuses).toEqual(statuses.map(() => 503));
    expect((await heldNow()).turns).toBe(MAX_TURNS);
    openGate();
    const all = await Promise.all(answers);
    const ran = all.filter((a) => a.status === 200);
    expect(ran.map((a) => bubbles(a.json))).toEqual(ran.map(() => ["медленно, но верно"]));
    expect(all.filter((a) => a.status === 503).map((a) => a.json.payload)).toEqual(Array(users.length - MAX_TURNS).fill({ code: 503, description: `the server already holds ${MAX_TURNS} turns; try again` }));
    expect(calls).toBe(MAX_TURNS);
    await vi.waitFor(async () => expect(await heldNow()).toEqual({ turns: 0, bytes: 0 }));
    expect(bubbles((await post(server.url, say("плюс", "after-flood"))).json)).toEqual(["1"]);
  }, 60_000);

  it("past the byte limit: large bodies are refused once the held ones reach it; what is held stays within it", async () => {
    calls = 0;
    const padded = (user: string) => ({ ...say("медленно", user), padding: "x".repeat(PADDING) });
    const users = Array.from({ length: 6 }, (_, i) => `big-${i}`);
    const { statuses, answers } = flood(users.map(padded));
    const admitted = Math.floor(MAX_HELD_BYTES / PADDING); // bodies are a little over PADDING bytes each
    await vi.waitFor(() => expect([calls, statuses.length]).toEqual([admitted, users.length - admitted]), { timeout: 30_000 });
    const peak = await heldNow();
    expect(peak.turns).toBe(admitted);
    expect(peak.bytes).toBeGreaterThan(admitted * PADDING);
    expect(peak.bytes).toBeLessThanOrEqual(MAX_HELD_BYTES);
    openGate();
    const all = await Promise.all(answers);
    expect(all.map((a) => a.status).sort()).toEqual([...Array(admitted).fill(200), ...Array(users.length - admitted).fill(503)]);
    await vi.waitFor(async () => expect(await heldNow()).toEqual({ turns: 0, bytes: 0 }));
    expect(bubbles((await post(server.url, say("плюс", "after-flood"))).json)).toEqual(["2"]);
  }, 60_000);

  it("large uploads still arriving: their bytes count as they come, past the byte limit the next gets 503 before its body is in, and leaving gives all back", async () => {
    const port = Number(new URL(server.url).port);
    const uploads = Array.from({ length: 20 }, () => {
      const socket: Socket = connect(port, "127.0.0.1");
      const got = { text: "" };
      socket.on("error", () => undefined);
      socket.on("data", (d: Buffer) => (got.text += d.toString()));
      // 100 KB of a 1 MB body, and then nothing: the body is still arriving.
      socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n${'{"padding":"'.padEnd(PADDING, "x")}`);
      return { socket, got };
    });
    const refused = () => uploads.filter((u) => /^HTTP\/1\.1 503 /.test(u.got.text)).length;
    // Two uploads' bytes fit under MAX_HELD_BYTES, a third does not: every other one is refused.
    await vi.waitFor(() => expect(refused()).toBeGreaterThanOrEqual(uploads.length - 2), { timeout: 30_000 });
    await vi.waitFor(async () => expect((await heldNow()).bytes).toBe((uploads.length - refused()) * PADDING), { timeout: 30_000 });
    const peak = await heldNow();
    expect(peak.turns).toBe(0);
    expect(peak.bytes).toBeGreaterThan(0);
    expect(peak.bytes).toBeLessThanOrEqual(MAX_HELD_BYTES);
    for (const u of uploads) u.socket.destroy();
    await vi.waitFor(async () => expect(await heldNow()).toEqual({ turns: 0, bytes: 0 }), { timeout: 30_000 });
    expect(bubbles((await post(server.url, say("плюс", "after-flood"))).json)).toEqual(["3"]);
  }, 60_000);
});
