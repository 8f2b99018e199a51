import { connect } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { BotRequest, Reply, TurnResult } from "../../engine/types.js";
import { emptyUserState } from "../../engine/types.js";
import { TurnRefusedError, type TurnExecutor, type TurnOptions, type TurnOutcome } from "../types.js";
import * as fx from "./fixtures.js";
import { createLogger } from "./logging.js";
import { contentTypeError, JSON_TYPES, startWebhookServer, type RunningWebhook, type StartOptions } from "./server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the lead's executor: answers from a handler, renders in the "transaction", caches by messageId. */
class FakeExecutor implements TurnExecutor {
  calls: { userKey: string; request: BotRequest; options?: TurnOptions }[] = [];
  finished = 0;
  private cache = new Map<string, TurnOutcome>();
  constructor(
    private handle: (req: BotRequest) => Reply[] | Promise<Reply[]> = (req) => [{ type: "text", text: `echo: ${req.query ?? req.event}` }],
    private delayMs = 0,
  ) {}
  async run(userKey: string, request: BotRequest, options?: TurnOptions): Promise<TurnOutcome> {
    this.calls.push({ userKey, request, options });
    const key = `${userKey}:${options?.messageId}`;
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true };
    if (this.delayMs) await sleep(this.delayMs);
    const replies = await this.handle(request);
    const result: TurnResult = { replies, response: { replies }, state: emptyUserState(), endSession: false, mails: [] };
    const outcome = { result, body: options?.render?.(result), cached: false };
    this.cache.set(key, outcome);
    this.finished++;
    return outcome;
  }
  async close(): Promise<void> {}
}

let running: RunningWebhook | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const quiet = createLogger({ level: "silent" });
async function start(opts: Partial<StartOptions> & { executor?: TurnExecutor } = {}): Promise<RunningWebhook> {
  running = await startWebhookServer({ executor: new FakeExecutor(), logger: quiet, ...opts });
  return running;
}

async function post(body: string | object, headers: Record<string, string> = { "content-type": "application/json" }, path = "/webhook") {
  const res = await fetch(running!.url + path, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const withMessageId = (msg: object, id: string) => JSON.stringify(msg).replace(/"messageId":\d+/, `"messageId":${id}`);

describe("webhook over HTTP: answers", () => {
  it("answers the same through node:http directly and through express (gzip, chunked, trailing slash)", async () => {
    const { gzipSync } = await import("node:zlib");
    await start({ deadlineMs: 3000 });
    const body = JSON.stringify(fx.messageToSkill("купи слона"));
    const fast = await post(body);
    const rawPost = (data: Buffer, headers: Record<string, string>) =>
      fetch(running!.url + "/webhook", { method: "POST", headers, body: data }).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }));
    const gzip = await rawPost(gzipSync(body), { "content-type": "application/json", "content-encoding": "gzip" });
    const chunked = await fetch(running!.url + "/webhook", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()) }),
      duplex: "half",
    } as RequestInit).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }));
    const slash = await post(body, undefined, "/webhook/");
    for (const other of [gzip, chunked, slash]) {
      expect(other.status).toBe(fast.status);
      expect(other.text).toBe(fast.text);
      expect(other.headers.get("content-type")).toBe(fast.headers.get("content-type"));
      expect(other.headers.get("x-request-id")).toMatch(/^[\w-]{36}$/);
    }
    expect(fast.status).toBe(200);
    expect(fast.headers.get("content-type")).toBe("application/json; charset=utf-8");
    // Bad input is answered alike on both paths.
    const bad = await post("{", { "content-type": "application/json" });
    const badGzip = await rawPost(gzipSync("{"), { "content-type": "application/json", "content-encoding": "gzip" });
    expect([bad.status, bad.text]).toEqual([badGzip.status, badGzip.text]);
  });

  // Seventh red-team round: 1 MB of `{},{},…` gzips to about 1 KB and held the main thread for up
  // to half a second per request; a client uploading 2 KB/s kept every user waiting.
  it("refuses a compressed body that inflates past 20 times its size, runs nothing, and takes a normal one", async () => {
    const { gzipSync } = await import("node:zlib");
    const executor = new FakeExecutor();
    await start({ executor, deadlineMs: 3000 });
    const msg = fx.messageToSkill("купи слона") as Record<string, unknown>;
    const bomb = JSON.stringify({ ...msg, payload: { ...(msg.payload as object), x: Array(300_000).fill({}) } });
    const zipped = gzipSync(bomb);
    expect(zipped.length * 20).toBeLessThan(bomb.length);
    const gz = (data: Buffer) =>
      fetch(running!.url + "/webhook", { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: data }).then(async (r) => ({ status: r.status, json: JSON.parse(await r.text()) }));
    const refused = await gz(zipped);
    expect(refused.status).toBe(413);
    expect(refused.json.payload.description).toBe(`the compressed body inflates to ${Buffer.byteLength(bomb)} bytes, more than 20 times the ${zipped.length} bytes sent`);
    expect(executor.calls).toHaveLength(0);
    // The same body sent as it is, and a small body however well it compresses, are taken.
    expect((await post(bomb)).status).toBe(200);
    const small = JSON.stringify({ ...msg, payload: { ...(msg.payload as object), pad: " ".repeat(60_000) } });
    expect((await gz(gzipSync(small))).status).toBe(200);
    expect(executor.calls).toHaveLength(2);
  });

  it("runs a turn and answers ANSWER_TO_USER as compact JSON", async () => {
    const executor = new FakeExecutor();
    await start({ executor, deadlineMs: 3000 });
    const res = await post(fx.messageToSkill("купи слона", { new_session: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.text).not.toContain("\n");
    expect(res.json.messageName).toBe("ANSWER_TO_USER");
    expect(res.json.payload.items).toEqual([{ bubble: { text: "echo: купи слона" } }]);
    expect(res.json.sessionId).toBe(fx.envelope("X", {}).sessionId);
    expect(res.json.uuid).toEqual(fx.uuid);
    const call = executor.calls[0]!;
    expect(call.userKey).toBe(fx.uuid.sub);
    expect(call.options).toMatchObject({ deadlineMs: 3000, newSession: true, messageId: "1613470978201" });
    expect(typeof call.options?.render).toBe("function");
    // the user's time zone reaches the turn: dates in the text resolve in it (docs/nlu.md)
    expect(call.request.timezoneOffsetSec).toBe(fx.meta.time.timezone_offset_sec);
  });

  for (const id of ["1605196199186625000", "1605196199186625001", "18446744073709551615"]) {
    it(`echoes messageId ${id} exactly in the raw response text`, async () => {
      const executor = new FakeExecutor();
      await start({ executor });
      const res = await post(withMessageId(fx.messageToSkill("привет"), id));
      expect(res.status).toBe(200);
      expect(res.text).toMatch(new RegExp(`"messageId":${id}[,}]`));
      expect(executor.calls[0]!.request.questionId).toBe(id);
    });
  }

  it("a retried messageId gets the identical cached body", async () => {
    let n = 0;
    await start({ executor: new FakeExecutor(() => [{ type: "text", text: `answer ${++n}` }]) });
    const first = await post(fx.messageToSkill("a"));
    const second = await post(fx.messageToSkill("a"));
    expect(second.text).toBe(first.text);
    expect(n).toBe(1);
  });

  it("PAY_DIALOG_FINISHED as RUN_APP reaches the executor as the event", async () => {
    const executor = new FakeExecutor();
    await start({ executor });
    const res = await post(fx.runApp(fx.payDialogFinished(0), false));
    expect(res.json.payload.items[0].bubble.text).toBe("echo: PAY_DIALOG_FINISHED");
    expect((executor.calls[0]!.request.data?.eventData as any).payment_response.response_code).toBe(0);
  });

  it("deadline: answers ERROR in time, the turn finishes in the background, no second answer", async () => {
    const executor = new FakeExecutor(undefined, 400);
    await start({ executor, deadlineMs: 100 });
    const t0 = Date.now();
    const res = await post(fx.messageToSkill("медленно"));
    expect(Date.now() - t0).toBeLessThan(350);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ messageName: "ERROR", messageId: 1613470978201, payload: { code: 504 } });
    expect(res.json.payload.description).toMatch(/100 ms/);
    expect(executor.finished).toBe(0);
    await sleep(450);
    expect(executor.finished).toBe(1);
    // the finished turn's answer is what a retry gets
    const retry = await post(fx.messageToSkill("медленно"));
    expect(retry.json.messageName).toBe("ANSWER_TO_USER");
  });

  it("an executor failure answers ERROR 500 and the server keeps serving", async () => {
    let fail = true;
    await start({
      executor: new FakeExecutor(() => {
        if (fail) throw new Error("store down, password=hunter2");
        return [{ type: "text", text: "ok" }];
      }),
    });
    const res = await post(fx.messageToSkill("a"));
    expect(res.json).toMatchObject({ messageName: "ERROR", payload: { code: 500 } });
    expect(res.text).not.toContain("hunter2");
    fail = false;
    const ok = await post(withMessageId(fx.messageToSkill("b"), "2"));
    expect(ok.json.messageName).toBe("ANSWER_TO_USER");
  });

  it("a turn the executor refuses (too many of the user's turns waiting) is answered with its status and reason, and the server keeps serving", async () => {
    let refuse = true;
    const executor = new FakeExecutor(() => [{ type: "text", text: "ok" }]);
    const run = executor.run.bind(executor);
    executor.run = (userKey, request, options) => (refuse ? Promise.reject(new TurnRefusedError(429, "64 turns of this user are already waiting or running")) : run(userKey, request, options));
    await start({ executor });
    const res = await post(fx.messageToSkill("a"));
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ messageName: "ERROR", payload: { code: 429, description: "64 turns of this user are already waiting or running" } });
    refuse = false;
    expect((await post(withMessageId(fx.messageToSkill("b"), "2"))).json.messageName).toBe("ANSWER_TO_USER");
  });

  it("an executor that throws before returning its promise is a failed turn too, and close() does not wait for it", async () => {
    const executor: TurnExecutor = {
      run: () => {
        throw new Error("synchronous failure");
      },
      close: async () => undefined,
    };
    await start({ executor, deadlineMs: 5000 });
    const res = await post(fx.messageToSkill("a"));
    expect(res.json).toMatchObject({ messageName: "ERROR", payload: { code: 500 } });
    const t0 = performance.now();
    await running!.close();
    running = undefined;
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("webhook over HTTP: bad requests get a 4xx with a reason", () => {
  it("not JSON → 400", async () => {
    await start();
    const res = await post('{"messageId": 1, "sessionId": ');
    expect(res.status).toBe(400);
    expect(res.json.messageName).toBe("ERROR");
    expect(res.json.payload.code).toBe(400);
    expect(res.json.payload.description).toMatch(/not valid JSON/);
    const arr = await post("[1,2]");
    expect(arr.status).toBe(400);
    expect(arr.json.payload.description).toMatch(/JSON object/);
  });

  it("missing fields → 400 naming them, echoing the readable ids", async () => {
    await start();
    const { uuid: _u, ...noUuid } = fx.messageToSkill("a");
    const res = await post(noUuid);
    expect(res.status).toBe(400);
    expect(res.json.payload.description).toMatch(/uuid is required/);
    expect(res.json.messageId).toBe(1613470978201);
    expect(res.json.sessionId).toBe(noUuid.sessionId);
    expect(res.json.uuid).toBeUndefined();

    const msg = fx.messageToSkill("a");
    const noUserId = { ...msg, uuid: { sub: "s", userChannel: "B2C" } };
    expect((await post(noUserId)).json.payload.description).toMatch(/uuid\.userId is required/);
    const { message: _m, ...noMessage } = msg.payload;
    const r2 = await post({ ...msg, payload: noMessage });
    expect(r2.status).toBe(400);
    expect(r2.json.payload.description).toMatch(/payload\.message is required/);
  });

  it("wrong types → 400 naming the field", async () => {
    await start();
    const msg = fx.messageToSkill("a");
    const r1 = await post({ ...msg, messageId: "1613470978201" });
    expect(r1.status).toBe(400);
    expect(r1.json.payload.description).toMatch(/messageId must be integer/);
    expect(r1.text).not.toContain('"messageId"'); // a string id is not echoed as a number
    const r2 = await post(withMessageId(msg, "1.5"));
    expect(r2.json.payload.description).toMatch(/messageId must be integer/);
    const r3 = await post({ ...msg, sessionId: 42, payload: [] });
    expect(r3.json.payload.description).toMatch(/sessionId must be string/);
    expect(r3.json.payload.description).toMatch(/payload must be object/);
    const r4 = await post({ ...msg, payload: { ...msg.payload, message: { original_text: 5 } } });
    expect(r4.json.payload.description).toMatch(/payload\.message\.original_text must be string/);
  });

  it("SERVER_ACTION without a usable server_action → 400", async () => {
    await start();
    const r1 = await post(fx.envelope("SERVER_ACTION", { app_info: fx.appInfo }));
    expect(r1.status).toBe(400);
    expect(r1.json.payload.description).toMatch(/payload\.server_action is required/);
    const r2 = await post(fx.serverAction({ parameters: {} }));
    expect(r2.json.payload.description).toMatch(/payload\.server_action\.action_id is required/);
  });

  it("unknown messageName → 400 with the reason", async () => {
    await start();
    const res = await post(fx.envelope("FOO_BAR", {}));
    expect(res.status).toBe(400);
    expect(res.json.payload.description).toMatch(/unknown messageName "FOO_BAR"/);
  });

  it("a 5 MB body → 413; the limit is configurable", async () => {
    await start();
    const big = JSON.stringify({ ...fx.messageToSkill("a"), pad: "x".repeat(5 * 1024 * 1024) });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(res.json.payload.description).toMatch(/limit/);
    await running!.close();
    await start({ bodyLimit: 200 });
    expect((await post(fx.messageToSkill("a"))).status).toBe(413);
  });

  it("wrong or missing content type → 415", async () => {
    await start();
    const r1 = await post(fx.messageToSkill("a"), { "content-type": "text/plain" });
    expect(r1.status).toBe(415);
    expect(r1.json.payload.description).toMatch(/application\/json/);
    const r2 = await post(fx.messageToSkill("a"), { "content-type": "application/json; charset=latin1" });
    expect(r2.status).toBe(415);
    const r3 = await post(fx.messageToSkill("a"), { "content-type": "application/json; charset=UTF-8" });
    expect(r3.status).toBe(200);
  });

  it("the content types the direct path takes without parsing are ones the parse accepts", async () => {
    await start();
    for (const type of JSON_TYPES) {
      expect(contentTypeError(type)).toBeUndefined();
      expect((await post(fx.messageToSkill("a"), { "content-type": type })).status).toBe(200);
    }
    expect(contentTypeError("application/json; charset=latin1")?.status).toBe(415);
  });

  it("GET on the webhook → 405 with Allow: POST", async () => {
    await start();
    const res = await fetch(running!.url + "/webhook");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(((await res.json()) as any).payload.description).toMatch(/POST/);
  });

  it("invalid UTF-8 → 400", async () => {
    await start();
    const res = await fetch(running!.url + "/webhook", { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.from([0x7b, 0xff, 0x7d]) });
    expect(res.status).toBe(400);
  });
});

describe("webhook over HTTP: operations", () => {
  it("healthz and metrics", async () => {
    const app = await start();
    const h = await fetch(running!.url + "/healthz");
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: "ok" });
    const root = await fetch(running!.url + "/");
    expect(await root.json()).toEqual({ service: "smartapp", webhook: "POST /webhook", health: "GET /healthz", metrics: "GET /metrics" });
    await post(fx.messageToSkill("a"));
    await post("nope");
    app.app.metrics.observeStore(3, "load");
    const m = await fetch(running!.url + "/metrics");
    expect(m.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await m.text();
    expect(text).toMatch(/smartapp_turns_total\{messageName="MESSAGE_TO_SKILL",outcome="ANSWER_TO_USER"\} 1/);
    expect(text).toMatch(/smartapp_turn_duration_seconds_count\{messageName="MESSAGE_TO_SKILL"\} 1/);
    expect(text).toMatch(/smartapp_errors_total\{kind="invalid_json"\} 1/);
    expect(text).toMatch(/smartapp_store_duration_seconds_count\{op="load"\} 1/);
    expect(text).toMatch(/^smartapp_log_lines_dropped_total \d+$/m);
    // Everything the two requests held was given back once their answers were out.
    expect(text).toMatch(/^smartapp_turns_held 0$/m);
    expect(text).toMatch(/^smartapp_request_bytes_held 0$/m);
  });

  it("graceful shutdown: stops accepting but finishes a slow in-flight turn", async () => {
    const executor = new FakeExecutor(undefined, 300);
    await start({ executor });
    const url = running!.url;
    const pending = post(fx.messageToSkill("медленно"));
    await sleep(80);
    expect(executor.calls).toHaveLength(1);
    let closed = false;
    const closing = running!.close().then(() => (closed = true));
    await sleep(20);
    await expect(fetch(url + "/healthz")).rejects.toThrow(); // no new connections
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json.payload.items[0].bubble.text).toBe("echo: медленно");
    // Begun before the shutdown, answered during it: the answer still closes its connection.
    expect(res.headers.get("connection")).toBe("close");
    expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{36}$/);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    await closing;
    expect(closed).toBe(true);
    expect(executor.finished).toBe(1);
    running = undefined;
  });

  it("close() waits for a turn that outlived its deadline", async () => {
    const executor = new FakeExecutor(undefined, 300);
    await start({ executor, deadlineMs: 50 });
    expect((await post(fx.messageToSkill("a"))).json.messageName).toBe("ERROR");
    expect(executor.finished).toBe(0);
    await running!.close();
    expect(executor.finished).toBe(1);
    running = undefined;
  });

  it("logs are JSON lines with a request id and no secrets", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        cb();
      },
    });
    await start({ logger: createLogger({ level: "debug", destination: sink }) });
    const msg = fx.serverAction({ action_id: "PAY", parameters: { token: "tok-SECRET-1", pay_api_key: "key-SECRET-2", nested: { client_secret: "SECRET-3", password: "SECRET-4" } } });
    const res = await post(msg, { "content-type": "application/json", authorization: "Bearer SECRET-5", "x-request-id": "req-42" });
    expect(res.headers.get("x-request-id")).toBe("req-42");
    await sleep(20);
    const all = lines.join("\n");
    expect(all).not.toMatch(/SECRET/);
    const parsed = lines.map((l) => JSON.parse(l));
    const debug = parsed.find((l) => l.msg === "webhook message");
    expect(debug.reqId).toBe("req-42");
    expect(debug.body.payload.server_action.parameters.token).toBe("[REDACTED]");
    expect(debug.headers.authorization).toBe("[REDACTED]");
    expect(parsed.find((l) => l.msg === "request")).toMatchObject({ reqId: "req-42", status: 200, messageName: "SERVER_ACTION" });
    // One line per request, also over a kept-alive connection and on express's routes.
    await post(msg, { "content-type": "application/json", "x-request-id": "req-43" });
    await post("nope", { "content-type": "application/json", "x-request-id": "req-44" });
    await fetch(running!.url + "/healthz", { headers: { "x-request-id": "req-45" } });
    await sleep(20);
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(requests.map((l) => [l.reqId, l.status])).toEqual([["req-42", 200], ["req-43", 200], ["req-44", 400], ["req-45", 200]]);
  });
});

describe("webhook over HTTP: slow clients", () => {
  /** Opens a connection, sends `head` and then one byte every 100 ms; resolves with what the server sent when it closed. */
  async function trickle(head: string, guardMs = 10_000): Promise<string> {
    const socket = connect(Number(new URL(running!.url).port), "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    socket.on("error", () => undefined);
    socket.write(head);
    const drip = setInterval(() => socket.write(" "), 100);
    let guard: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        new Promise<"closed">((r) => socket.on("close", () => r("closed"))),
        new Promise<"open">((r) => (guard = setTimeout(() => r("open"), guardMs))),
      ]);
      expect(outcome, "the server still held the trickling connection").toBe("closed");
      return received;
    } finally {
      clearInterval(drip);
      clearTimeout(guard);
      socket.destroy();
    }
  }

  it("a body that trickles in is cut off with 408 at the request timeout; other clients are served meanwhile", async () => {
    await start({ requestTimeoutMs: 1000 });
    const slow = trickle('POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"messageId":');
    const served = await post(fx.messageToSkill("hi"));
    expect(served.status).toBe(200);
    expect(await slow).toMatch(/^HTTP\/1\.1 408 /);
  }, 15_000);

  it("headers that trickle in are cut off too", async () => {
    await start({ requestTimeoutMs: 1000 });
    expect(await trickle("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: a")).toMatch(/^HTTP\/1\.1 408 /);
  }, 15_000);
});

describe("webhook over HTTP: malformed requests", () => {
  /** Sends `raw` on a fresh connection; resolves with everything the server sent before it closed. */
  async function rawExchange(raw: string): Promise<string> {
    const socket = connect(Number(new URL(running!.url).port), "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    socket.on("error", () => undefined);
    socket.write(raw);
    await new Promise((r) => socket.on("close", r));
    return received;
  }
  const split = (answer: string) => {
    const [head = "", body = ""] = answer.split("\r\n\r\n");
    return { status: head.split("\r\n")[0], body: body ? (JSON.parse(body) as { error: string }) : undefined };
  };

  it("3,000 headers get 431 Request Header Fields Too Large with a reason, not 400", async () => {
    await start();
    const headers = Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join("");
    const { status, body } = split(await rawExchange(`POST /webhook HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: 0\r\n\r\n`));
    expect(status).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(body?.error).toMatch(/request line and headers are larger than \d+ bytes/);
  });

  it("a huge URL gets 431 too, and the server goes on serving", async () => {
    await start();
    const { status } = split(await rawExchange(`GET /webhook?${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(status).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect((await post(fx.messageToSkill("hi"))).status).toBe(200);
  });

  it("malformed HTTP gets 400 with what was wrong", async () => {
    await start();
    const { status, body } = split(await rawExchange("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    expect(status).toBe("HTTP/1.1 400 Bad Request");
    expect(body?.error).toMatch(/^malformed HTTP request/);
  });
});

describe("webhook over HTTP: a client that does not read", () => {
  it("a connection whose answers are not read is closed after the idle timeout", async () => {
    // Answers larger than the socket buffers: unread, they stay queued on the server.
    const big = "x".repeat(4 * 1024 * 1024);
    await start({ executor: new FakeExecutor(() => [{ type: "text", text: big }]), idleTimeoutMs: 1000, deadlineMs: 200 });
    // The server's end of the connection: the client below never reads, so it would not see a close.
    const serverSide = new Promise<"closed">((r) => running!.server.once("connection", (c) => c.on("close", () => r("closed"))));
    const socket = connect(Number(new URL(running!.url).port), "127.0.0.1");
    socket.pause(); // never reads
    socket.on("error", () => undefined);
    const body = JSON.stringify(fx.messageToSkill("hi"));
    socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    let guard: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        serverSide,
        new Promise<"open">((r) => (guard = setTimeout(() => r("open"), 8000))),
      ]);
      expect(outcome, "the server still held the connection of a client that never reads").toBe("closed");
    } finally {
      clearTimeout(guard);
      socket.destroy();
    }
  }, 15_000);

  it("the idle timeout is never shorter than a turn may take to answer", async () => {
    await start({ executor: new FakeExecutor(undefined, 300), idleTimeoutMs: 100, deadlineMs: 1000 });
    expect((await post(fx.messageToSkill("hi"))).status).toBe(200);
  });
});
