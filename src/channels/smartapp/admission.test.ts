// The process-wide bound on what the webhook holds (admission.ts): refused at once over it, and every
// path out of a request gives back what it took (docs/security.md, "Limits").
import { request, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BotRequest, TurnResult } from "../../engine/types.js";
import { emptyUserState } from "../../engine/types.js";
import { TurnRefusedError, type TurnExecutor, type TurnOptions, type TurnOutcome } from "../types.js";
import { Admission, type Intake } from "./admission.js";
import * as fx from "./fixtures.js";
import { createLogger } from "./logging.js";
import { Writable } from "node:stream";
import { byteSize, clientAddress, startWebhookServer, type RunningWebhook, type StartOptions } from "./server.js";

describe("Admission", () => {
  it("takes turns and bytes up to the limits, refuses beyond with 503, and gives back once per release", () => {
    const a = new Admission({ maxTurns: 2, maxHeldBytes: 100, maxHeldBytesPerAddress: 100 });
    const admitted = (bytes: number) => {
      const intake = a.open();
      const refused = intake.take(bytes) ?? intake.admit(bytes);
      if (refused) throw refused;
      return intake;
    };
    const r1 = admitted(60);
    const r2 = admitted(30);
    expect([a.turns, a.bytes]).toEqual([2, 90]);
    const full = a.open();
    expect(full.take(1)).toBeUndefined();
    expect(full.admit(1)).toMatchObject({ status: 503, kind: "overloaded", reason: "the server already holds 2 turns; try again" });
    expect([full.released, a.turns, a.bytes]).toEqual([true, 2, 90]); // the refused one gave its byte back
    r1.release();
    r1.release(); // a second call gives nothing back again
    expect([a.turns, a.bytes]).toEqual([1, 30]);
    const over = a.open();
    expect(over.take(71)).toMatchObject({ status: 503, reason: "the server already holds 30 bytes of requests (limit 100); try again" });
    over.release();
    expect([a.turns, a.bytes]).toEqual([1, 30]);
    r2.release();
    // One body over the byte limit alone is taken (the body limit bounds it), else it could never run.
    const alone = a.open();
    expect(alone.take(500) ?? alone.admit(500)).toBeUndefined();
    alone.release();
    expect([a.turns, a.bytes]).toEqual([0, 0]);
  });

  it("counts a body's bytes as they arrive: uploads still arriving are refused once they reach the byte limit", () => {
    const a = new Admission({ maxTurns: 100, maxHeldBytes: 100, maxHeldBytesPerAddress: 100 });
    const uploads = [a.open(), a.open(), a.open()];
    for (let i = 0; i < 4; i++) for (const u of uploads.slice(0, 2)) expect(u.take(10)).toBeUndefined();
    expect([a.turns, a.bytes]).toEqual([0, 80]); // no turn is taken before a body is in
    expect(uploads[2]!.take(10)).toBeUndefined();
    expect(uploads[2]!.take(11)).toMatchObject({ status: 503, reason: "the server already holds 80 bytes of requests (limit 100); try again" });
    expect(uploads[2]!.released).toBe(true);
    expect(uploads[2]!.take(5)).toBeUndefined(); // later bytes of a refused request are not counted
    expect(a.bytes).toBe(80);
    // A compressed body is held inflated: admit takes the difference.
    expect(uploads[0]!.admit(70)).toMatchObject({ status: 503 });
    expect([a.turns, a.bytes]).toEqual([0, 40]);
    expect(uploads[1]!.admit(40)).toBeUndefined();
    expect([a.turns, a.bytes, uploads[1]!.admitted]).toEqual([1, 40, true]);
    uploads[1]!.release();
    expect([a.turns, a.bytes]).toEqual([0, 0]);
  });

  it("a body given back mid-way (the client went away) releases once, and is not admitted after", () => {
    const a = new Admission({ maxHeldBytes: 1000, maxHeldBytesPerAddress: 1000 });
    const cut = a.open();
    cut.take(300);
    cut.release();
    cut.release();
    expect(cut.admit(300)).toMatchObject({ status: 400 });
    expect([a.turns, a.bytes]).toEqual([0, 0]);
  });

  it("holds nothing after 10,000 requests taken, refused, cut off and admitted in any order", () => {
    const a = new Admission({ maxTurns: 50, maxHeldBytes: 20_000, maxHeldBytesPerAddress: 20_000 });
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const open: { intake: Intake; size: number; sent: number }[] = [];
    let peak = { turns: 0, bytes: 0 };
    for (let i = 0; i < 10_000; i++) {
      open.push({ intake: a.open(), size: 1 + rnd(2000), sent: 0 });
      while (open.length > 0 && rnd(3) > 0) {
        const r = open[rnd(open.length)]!;
        const step = rnd(10);
        if (step === 0) r.intake.release();
        else if (r.sent < r.size) {
          const n = Math.min(r.size - r.sent, 1 + rnd(500));
          r.sent += n;
          r.intake.take(n);
        } else if (!r.intake.released && !r.intake.admitted) r.intake.admit(r.size);
        else r.intake.release();
        if (r.intake.released) open.splice(open.indexOf(r), 1);
        peak = { turns: Math.max(peak.turns, a.turns), bytes: Math.max(peak.bytes, a.bytes) };
      }
    }
    for (const r of open) r.intake.release();
    expect(peak.turns).toBeGreaterThan(0);
    expect(peak.turns).toBeLessThanOrEqual(50);
    expect(peak.bytes).toBeGreaterThan(15_000);
    expect(peak.bytes).toBeLessThanOrEqual(20_000);
    expect([a.turns, a.bytes]).toEqual([0, 0]);
  });

  it("falls back to the defaults for a missing, zero or non-finite limit", () => {
    expect(new Admission({ maxTurns: 0, maxHeldBytes: Number.NaN })).toMatchObject({ maxTurns: 1000, maxHeldBytes: 64 * 1024 * 1024, maxHeldBytesPerAddress: 16 * 1024 * 1024 });
    expect(new Admission({ maxHeldBytes: 1000 }).maxHeldBytesPerAddress).toBe(250);
  });

  it("counts a request against its peer, or behind a trusted proxy the client the proxy names (as req.ip)", () => {
    const req = (peer: string, forwardedFor?: string) => ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} }) as unknown as IncomingMessage;
    expect(clientAddress(req("203.0.113.5", "198.51.100.1"), undefined)).toBe("203.0.113.5");
    expect(clientAddress(req("203.0.113.5", "198.51.100.1"), ["10.0.0.0/8"])).toBe("203.0.113.5"); // not a proxy: its header is the client's own
    expect(clientAddress(req("10.0.0.2", "198.51.100.9, 198.51.100.1, 10.0.0.3"), ["10.0.0.0/8"])).toBe("198.51.100.1");
    expect(clientAddress(req("10.0.0.2"), ["10.0.0.0/8"])).toBe("10.0.0.2");
  });

  it("one address holds at most maxHeldBytesPerAddress; other addresses are taken meanwhile, and it gets its share back as it releases", () => {
    const a = new Admission({ maxHeldBytes: 1000, maxHeldBytesPerAddress: 300 });
    const slow = [a.open("10.0.0.1"), a.open("10.0.0.1")];
    expect(slow[0]!.take(200)).toBeUndefined();
    expect(slow[1]!.take(100)).toBeUndefined();
    const third = a.open("10.0.0.1");
    expect(third.take(1)).toMatchObject({ status: 503, reason: "the server already holds 300 bytes of requests from this address (limit 300); try again" });
    expect(third.released).toBe(true);
    // A body alone over the share is still taken when its address holds nothing else.
    const other = a.open("10.0.0.2");
    expect(other.take(500)).toBeUndefined();
    expect(a.bytes).toBe(800);
    slow[0]!.release();
    const again = a.open("10.0.0.1");
    expect(again.take(200)).toBeUndefined();
    for (const intake of [slow[1]!, other, again]) intake.release();
    expect(a.bytes).toBe(0);
    expect(a.open("10.0.0.1").take(300)).toBeUndefined(); // nothing of the address is left counted
  });

  it("counts the IPv6 addresses of one /64 as one address, and an IPv4-mapped address as the IPv4 one", () => {
    const a = new Admission({ maxHeldBytes: 1000, maxHeldBytesPerAddress: 300 });
    const held = a.open("2001:db8:0:1::1");
    expect(held.take(300)).toBeUndefined();
    // Another address of the same /64 (another spelling, a zone) is the same client: over its share.
    expect(a.open("2001:db8:0:1:ffff:ffff:ffff:fffe").take(1)).toMatchObject({ status: 503, reason: expect.stringContaining("from this address (limit 300)") });
    expect(a.open("2001:0db8:0000:0001:0:0:0:2%eth0").take(1)).toMatchObject({ status: 503 });
    // The next /64 is another client.
    const next = a.open("2001:db8:0:2::1");
    expect(next.take(300)).toBeUndefined();
    const v4 = a.open("198.51.100.7");
    expect(v4.take(300)).toBeUndefined();
    expect(a.open("::ffff:198.51.100.7").take(1)).toMatchObject({ status: 503 });
    expect(a.open("::FFFF:c633:6407").take(1)).toMatchObject({ status: 503 });
    for (const intake of [held, next, v4]) intake.release();
    expect(a.bytes).toBe(0);
  });

  it("keeps counting a client as one while the peers it remembers are forgotten (thousands of other addresses)", () => {
    const a = new Admission({ maxHeldBytes: 1_000_000, maxHeldBytesPerAddress: 300 });
    const held = a.open("2001:db8:0:1::1");
    expect(held.take(300)).toBeUndefined();
    const others = Array.from({ length: 3000 }, (_, i) => a.open(`10.${i >> 8}.${i & 255}.1`));
    for (const o of others) expect(o.take(1)).toBeUndefined();
    expect(a.open("2001:db8:0:1::1").take(1)).toMatchObject({ status: 503 });
    expect(a.open("2001:db8:0:1::2").take(1)).toMatchObject({ status: 503 });
    for (const o of [held, ...others]) o.release();
    expect(a.bytes).toBe(0);
    expect(a.open("2001:db8:0:1::1").take(300)).toBeUndefined();
  });

  it("gives one address a share of at least one byte by default, never a limit of 0, for a tiny maxHeldBytes", () => {
    const a = new Admission({ maxHeldBytes: 3 });
    expect(a.maxHeldBytesPerAddress).toBe(1);
    const first = a.open("10.0.0.1");
    expect(first.take(1)).toBeUndefined();
    expect(a.open("10.0.0.1").take(1)).toMatchObject({ status: 503, reason: "the server already holds 1 bytes of requests from this address (limit 1); try again" });
    expect(a.open("10.0.0.2").take(1)).toBeUndefined();
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

describe("byteSize", () => {
  it("reads a body limit as express.raw does: bytes, or a size string", () => {
    expect(byteSize(200)).toBe(200);
    expect(byteSize("1mb")).toBe(1024 * 1024);
    expect(byteSize("512KB")).toBe(512 * 1024);
    expect(byteSize("1.5kb")).toBe(1536);
    expect(byteSize("300")).toBe(300);
    expect(byteSize("lots")).toBe(Infinity);
  });
});

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
    const maxHeldBytes = 2 * Buffer.byteLength(body) + 10;
    await start({ executor, maxTurns: 100, maxHeldBytes, maxHeldBytesPerAddress: maxHeldBytes });
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

  it("a body still arriving takes no turn place (a client sending headers and then little refuses no one), and one that goes away runs nothing and holds nothing", async () => {
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

  for (const framing of ["Content-Length", "chunked"] as const) {
    it(`counts the bytes of bodies still arriving (${framing}): past maxHeldBytes the next upload gets 503 before its body is in, and a client going away gives back what it sent`, async () => {
      const executor = new GatedExecutor();
      await start({ executor, maxTurns: 100, maxHeldBytes: 10_000, maxHeldBytesPerAddress: 10_000 });
      const port = Number(new URL(running!.url).port);
      const part = '{"messageId":1,"padding":"'.padEnd(6000, "x");
      const upload = () => {
        const socket = connect(port, "127.0.0.1");
        const got = { text: "" };
        socket.on("error", () => undefined);
        socket.on("data", (d: Buffer) => (got.text += d.toString()));
        const head = framing === "chunked" ? "Transfer-Encoding: chunked" : "Content-Length: 8000";
        const body = framing === "chunked" ? `${part.length.toString(16)}\r\n${part}\r\n` : part;
        socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}\r\n\r\n${body}`);
        return { socket, got };
      };
      const first = upload();
      await vi.waitFor(async () => expect(await held()).toEqual({ turns: 0, bytes: 6000 }));
      const second = upload();
      await vi.waitFor(() => expect(second.got.text).toMatch(/^HTTP\/1\.1 503 /));
      expect(second.got.text).toMatch(/\r\nRetry-After: 1\r\n/i);
      expect(second.got.text).toContain("the server already holds 6000 bytes of requests (limit 10000); try again");
      expect(await held()).toEqual({ turns: 0, bytes: 6000 });
      second.socket.destroy();
      first.socket.destroy();
      await nothingHeld();
      expect(executor.started).toBe(0);
    });
  }

  // Fifth red-team round, left then: clients that sent most of the byte budget and stalled made every
  // other body refused for the 10 s request timeout. One address now holds at most its share.
  it("a slow sender holds at most its address's share of the bytes: another address's message is served meanwhile", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 100, maxHeldBytes: 10_000, maxHeldBytesPerAddress: 4000 });
    const port = Number(new URL(running!.url).port);
    const part = '{"messageId":1,"padding":"'.padEnd(2500, "x");
    const uploads = Array.from({ length: 4 }, () => {
      const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
      const got = { text: "" };
      socket.on("error", () => undefined);
      socket.on("data", (d: Buffer) => (got.text += d.toString()));
      socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n\r\n${part}`);
      return { socket, got };
    });
    await vi.waitFor(() => expect(uploads.filter((u) => /^HTTP\/1\.1 503 /.test(u.got.text))).toHaveLength(3));
    expect(uploads.find((u) => u.got.text !== "")!.got.text).toContain("the server already holds 2500 bytes of requests from this address (limit 4000); try again");
    expect(await held()).toEqual({ turns: 0, bytes: 2500 });
    // Another client's whole message is taken and answered while the slow one stalls.
    const answer = new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${running!.url}/webhook`, { method: "POST", localAddress: "127.0.0.3", headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      req.end(message("привет"));
    });
    await vi.waitFor(() => expect(executor.started).toBe(1));
    executor.open();
    expect(await answer).toBe(200);
    for (const u of uploads) u.socket.destroy();
    await nothingHeld();
  });

  it("a chunked body past the body limit holds nothing while the rest streams in (413 for it, others still served)", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 100, maxHeldBytes: 3000, maxHeldBytesPerAddress: 3000, bodyLimit: 2000 });
    const port = Number(new URL(running!.url).port);
    const hog = connect(port, "127.0.0.1");
    const got = { text: "" };
    hog.on("error", () => undefined);
    hog.on("data", (d: Buffer) => (got.text += d.toString()));
    hog.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `${(1000).toString(16)}\r\n${"{".repeat(1000)}\r\n`;
    hog.write(chunk);
    await vi.waitFor(async () => expect((await held()).bytes).toBe(1000));
    for (let i = 0; i < 4; i++) hog.write(chunk); // 5000 bytes: past the limit at the third chunk
    await vi.waitFor(async () => expect((await held()).bytes).toBe(0));
    const other = post(message("hello"));
    await vi.waitFor(() => expect(executor.started).toBe(1));
    executor.open();
    expect((await other).status).toBe(200);
    hog.write("0\r\n\r\n");
    await vi.waitFor(() => expect(got.text).toMatch(/^HTTP\/1\.1 413 /));
    hog.destroy();
    await nothingHeld();
  });

  it("a connection refused mid-body (Content-Length) reads the rest of that body and serves its next request", async () => {
    const executor = new GatedExecutor();
    await start({ executor, maxTurns: 100, maxHeldBytes: 1000, maxHeldBytesPerAddress: 1000 });
    const port = Number(new URL(running!.url).port);
    const hog = connect(port, "127.0.0.1");
    hog.on("error", () => undefined);
    hog.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n${"{".repeat(900)}`);
    await vi.waitFor(async () => expect((await held()).bytes).toBe(900));
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n${" ".repeat(200)}`);
    await vi.waitFor(() => expect(text).toMatch(/^HTTP\/1\.1 503 /));
    hog.destroy();
    await nothingHeld();
    const body = message("after");
    socket.write(" ".repeat(200) + `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await vi.waitFor(() => expect(executor.started).toBe(1));
    executor.open();
    await vi.waitFor(() => expect(text).toMatch(/HTTP\/1\.1 200 [\s\S]*ANSWER_TO_USER/));
    socket.destroy();
    await nothingHeld();
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
