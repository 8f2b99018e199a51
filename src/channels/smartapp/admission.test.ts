// The process-wide bound on what the webhook holds (admission.ts): refused at once over it, and every
// path out of a request gives back what it took (docs/security.md, "Limits").
import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BotRequest, TurnResult } from "../../engine/types.js";
import { emptyUserState } from "../../engine/types.js";
import { TurnRefusedError, type TurnExecutor, type TurnOptions, type TurnOutcome } from "../types.js";
import { Admission } from "./admission.js";
import * as fx from "./fixtures.js";
import { createLogger } from "./logging.js";
import { Writable } from "node:stream";
import { startWebhookServer, type RunningWebhook, type StartOptions } from "./server.js";

describe("Admission", () => {
  it("takes turns and bytes up to the limits, refuses beyond with 503, and gives back once per release", () => {
    const a = new Admission({ maxTurns: 2, maxHeldBytes: 100 });
    const r1 = a.admit(60);
    const r2 = a.admit(30);
    expect([a.turns, a.bytes]).toEqual([2, 90]);
    const full = a.admit(1);
    expect(full).toMatchObject({ status: 503, kind: "overloaded", reason: "the server already holds 2 turns; try again" });
    if (typeof r1 !== "function" || typeof r2 !== "function") throw new Error("expected both admitted");
    r1();
    r1(); // a second call gives nothing back again
    expect([a.turns, a.bytes]).toEqual([1, 30]);
    expect(a.admit(71)).toMatchObject({ status: 503, reason: "the server already holds 30 bytes of requests (limit 100); try again" });
    r2();
    // One body over the byte limit alone is taken (the body limit bounds it), else it could never run.
    expect(typeof a.admit(500)).toBe("function");
  });

  it("falls back to the defaults for a missing, zero or non-finite limit", () => {
    expect(new Admission({ maxTurns: 0, maxHeldBytes: Number.NaN })).toMatchObject({ maxTurns: 1000, maxHeldBytes: 64 * 1024 * 1024 });
  });
});

/** Turns that end when the test says so: `gate.open()` resolves every waiting one. */
class GatedExecutor implements TurnExecutor {
  started = 0;
  private waiting: (() => void)[] = [];
  constructor(private readonly fail?: Error) {}
  async run(_userKey: string, _request: BotRequest, options?: TurnOptions): Promise<TurnOutcome> {
    this.started++;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.fail) throw this.fail;
    const replies = [{ type: "text" as const, text: "ok" }];
    const result: TurnResult = { replies, response: { replies }, state: emptyUserState(), endSession: false, mails: [] };
    return { result, body: options?.render?.(result), cached: false };
  }
  open(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  async close(): Promise<void> {}
}

let running: RunningWebhook | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(opts: Partial<StartOptions> & { executor: TurnExecutor }): Promise<RunningWebhook> {
  running = await startWebhookServer({ logger: createLogger({ level: "silent" }), ...opts });
  return running;
}

let nextId = 1;
const message = (text: string) => JSON.stringify(fx.messageToSkill(text)).replace(/"messageId":\d+/, `"messageId":${nextId++}`);

async function post(body: string, headers: Record<string, string> = { "content-type": "application/json" }) {
  const res = await fetch(`${running!.url}/webhook`, { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as { messageName: string; payload: { code?: number; description?: string } }, retryAfter: res.headers.get("retry-after") };
}

/** A body without Content-Length (chunked): express's path. */
function postChunked(body: string): Promise<{ status: number | undefined; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${running!.url}/webhook`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, retryAfter: res.headers["retry-after"] }));
    });
    req.on("error", reject);
    req.write(body);
    req.end();
  });
}

/** What /metrics says the webhook holds now. */
async function held(): Promise<{ turns: number; bytes: number }> {
  const text = await running!.app.metrics.text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
  return { turns: read("smartapp_turns_held"), bytes: read("smartapp_request_bytes_held") };
}

const nothingHeld = () => vi.waitFor(async () => expect(await held()).toEqual({ turns: 0, bytes: 0 }));

describe("webhook: the process-wide bound", () => {
  it("over maxTurns a request gets 503 with Retry-After at once, and its turn never starts; afterwards it serves as before", async () => {
    const executor = new GatedExecutor();
    const logged: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) });
    await start({ executor, maxTurns: 2, logger: createLogger({ destination }) });
    const first = [post(message("a")), post(message("b"))];
    await vi.waitFor(() => expect(executor.started).toBe(2));
    const refused = await post(message("c"));
    expect(refused).toMatchObject({ status: 503, retryAfter: "1", json: { messageName: "ERROR", payload: { code: 503, description: "the server already holds 2 turns; try again" } } });
    // Chunked (no Content-Length) goes through express: refused the same way.
    expect(await postChunked(message("d"))).toMatchObject({ status: 503, retryAfter: "1" });
    expect(executor.started).toBe(2);
    expect(logged.join("")).not.toContain("unexpected error"); // an expected refusal, on either path
    expect((await held()).turns).toBe(2);
    executor.open();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    await nothingHeld();
    const later = post(message("e"));
    await vi.waitFor(() => expect(executor.started).toBe(3));
    executor.open();
    expect((await later).json.messageName).toBe("ANSWER_TO_USER");
  });

  it("counts the bodies' bytes: a request that would go over maxHeldBytes is refused", async () => {
    const executor = new GatedExecutor();
    const body = message("x".repeat(2000));
    await start({ executor, maxTurns: 100, maxHeldBytes: 2 * Buffer.byteLength(body) + 10 });
    const first = [post(body), post(message("y".repeat(2000)))];
    await vi.waitFor(() => expect(executor.started).toBe(2));
    expect(await held()).toEqual({ turns: 2, bytes: 2 * Buffer.byteLength(body) });
    expect((await post(message("z".repeat(2000)))).json.payload.description).toMatch(/^the server already holds \d+ bytes of requests/);
    executor.open();
    await Promise.all(first);
    await nothingHeld();
  });

  it("a turn answered at the deadline holds its place until it ends", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 1, deadlineMs: 50 });
    const late = await post(message("a"));
    expect(late.json.payload.code).toBe(504);
    expect(await held()).toMatchObject({ turns: 1 });
    expect((await post(message("b"))).status).toBe(503);
    executor.open();
    await nothingHeld();
  });

  it("gives back what a failed turn, a refused turn (429) and a bad request took", async () => {
    const failing = new GatedExecutor(new Error("boom"));
    await start({ executor: failing, maxTurns: 1 });
    const failed = post(message("a"));
    await vi.waitFor(() => expect(failing.started).toBe(1));
    failing.open();
    expect((await failed).json.payload.code).toBe(500);
    await nothingHeld();
    expect((await post("{not json")).status).toBe(400);
    await nothingHeld();
    await running!.close();

    const refusing: TurnExecutor = { run: () => Promise.reject(new TurnRefusedError(429, "64 turns of this user are already waiting or running")), close: async () => undefined };
    await start({ executor: refusing, maxTurns: 1 });
    expect((await post(message("a"))).status).toBe(429);
    await nothingHeld();
  });

  it("a 503 the executor gives (the worker pool's queue full) carries Retry-After too", async () => {
    const busy: TurnExecutor = { run: () => Promise.reject(new TurnRefusedError(503, "1000 turns are already waiting for a worker; try again")), close: async () => undefined };
    await start({ executor: busy });
    expect(await post(message("a"))).toMatchObject({ status: 503, retryAfter: "1", json: { payload: { code: 503 } } });
  });

  it("a body still arriving takes no place (a client sending headers and then nothing refuses no one), and one that goes away runs nothing", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 1 });
    const port = Number(new URL(running!.url).port);
    for (const framing of ["Content-Length: 5000", "Transfer-Encoding: chunked"]) {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      const first = framing.startsWith("Content") ? '{"messageId":' : '5\r\n{"mes\r\n';
      socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n${first}`);
      const other = post(message("b"));
      await vi.waitFor(() => expect(executor.started).toBe(1));
      executor.open();
      expect((await other).status).toBe(200);
      executor.started = 0;
      socket.destroy();
      await nothingHeld();
    }
  });

  it("a body cut off by the request timeout (408) holds nothing, even while the client keeps its socket", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 1, requestTimeoutMs: 300 });
    // allowHalfOpen: the client does not close its side when the server ends its own.
    const socket = connect({ port: Number(new URL(running!.url).port), host: "127.0.0.1", allowHalfOpen: true });
    socket.on("error", () => undefined);
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"messageId":');
    await vi.waitFor(() => expect(received).toMatch(/^HTTP\/1\.1 408 /), { timeout: 10_000 });
    expect(await held()).toEqual({ turns: 0, bytes: 0 });
    socket.destroy();
  });

  it("a client that sends its whole body and leaves at once: its turn still runs, and holds its place until it ends", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 1 });
    const socket = connect(Number(new URL(running!.url).port), "127.0.0.1");
    socket.on("error", () => undefined);
    const body = message("a");
    socket.end(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
    await vi.waitFor(() => expect(executor.started).toBe(1));
    expect((await held()).turns).toBe(1);
    executor.open();
    await nothingHeld();
  });

  it("a client that pipelines requests and goes away gives back all of them once their turns end", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 10 });
    const socket = connect(Number(new URL(running!.url).port), "127.0.0.1");
    socket.on("error", () => undefined);
    const one = (text: string) => {
      const body = message(text);
      return `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    socket.write(one("a") + one("b") + one("c"));
    await vi.waitFor(() => expect(executor.started).toBe(3));
    socket.destroy();
    executor.open();
    await nothingHeld();
  });
});
