// Hostile input over HTTP against the real server (docs/security.md): bodies nested past the parsers'
// stack, oversized ids, oversized or too-deep sessions, words that name Object.prototype members,
// long whitespace in answers, catastrophic trigger regexps. The server answers each with a clear 4xx
// or the project's error path, stays up, and keeps the user's state.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { UserState } from "../../src/engine/types.js";
import { SqliteStore } from "../../src/storage/sqlite.js";
import { httpReceiver } from "../helpers/http-receiver.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, smartappMessage, startServe, type RunningServer } from "../e2e/server.js";
import { fixtureCopy } from "./fixtures.js";

const event = (name: string, eventData: unknown, user: string) =>
  smartappMessage("SERVER_ACTION", { server_action: { action_id: name, parameters: eventData } }, user);

const nestedBody = (depth: number, open: string, close: string) =>
  `{"messageId":1,"sessionId":"s","messageName":"MESSAGE_TO_SKILL","uuid":{"userId":"u","userChannel":"B2C"},"payload":{"x":${open.repeat(depth)}${close.repeat(depth)}}}`;

describe("hostile requests (memory store)", () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = fixtureCopy("limits");
    server = await startServe(dir, ["--store", "memory"]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses JSON nested thousands deep with a 400 and stays up (it used to exit the process)", async () => {
    for (const depth of [3200, 4000, 4400]) {
      for (const [open, close] of [['{"a":', "}"], ["[", "]"]]) {
        const r = await post(server.url, nestedBody(depth, open!, close!));
        expect(r.status).toBe(400);
        expect(r.json.payload.description).toBe("body nests objects/arrays deeper than 64 levels");
      }
    }
    const inUuid = `{"messageId":1,"sessionId":"s","messageName":"MESSAGE_TO_SKILL","uuid":${'{"a":'.repeat(4000)}1${"}".repeat(4000)},"payload":{}}`;
    expect((await post(server.url, inUuid)).status).toBe(400);
    expect(server.child.exitCode).toBeNull();
    expect(bubbles((await post(server.url, say("плюс", "after-deep"))).json)).toEqual(["1"]);
  });

  // Seventh red-team round: 1 MB of `{},{},…` gzips to about 1 KB, and parsing and handing it on
  // held the main thread for up to half a second: a client uploading 2 KB/s kept every user waiting.
  it("refuses a gzip body that inflates past 20 times its size, and runs nothing of it", async () => {
    const { gzipSync } = await import("node:zlib");
    const msg = say("плюс", "gzip-bomb") as { payload: Record<string, unknown> };
    const bomb = JSON.stringify({ ...msg, messageId: "12345678901234567890", payload: { ...msg.payload, x: Array(300_000).fill({}) } }).replace(/"messageId":"(\d+)"/, '"messageId":$1');
    const gzipPost = async (data: Buffer) => {
      const res = await fetch(`${server.url}/webhook`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: data });
      return { status: res.status, json: JSON.parse(await res.text()) };
    };
    const r = await gzipPost(gzipSync(bomb));
    expect(r.status).toBe(413);
    expect(r.json.payload.description).toMatch(/^the compressed body inflates to \d+ bytes, more than 20 times the \d+ bytes sent$/);
    expect(r.json.messageId).toBeUndefined();
    // A message compressed as clients do is answered.
    const ok = await gzipPost(gzipSync(JSON.stringify(say("плюс", "gzip-bomb"))));
    expect(bubbles(ok.json)).toEqual(["1"]);
  });

  // Seventh red-team round: bodies with an id beyond 2^53, a key twice or invalid JSON went through a
  // JavaScript parser, five times the native one's cost (half a second of the main thread per MB).
  it("keeps a big messageId exact and refuses a key given twice, equal values too", async () => {
    const msg = JSON.stringify(say("плюс", "big-id"));
    const big = await post(server.url, msg.replace(/"messageId":\d+/, '"messageId":18446744073709551615'));
    expect(big.text).toContain(`"messageId":18446744073709551615,`);
    expect(bubbles(big.json)).toEqual(["1"]);
    const twice = await post(server.url, msg.replace(/^\{/, '{"a":1,"a":1,'));
    expect(twice.status).toBe(400);
    expect(twice.json.payload.description).toBe("body is not valid JSON: an object has the same key twice");
  });

  it("refuses user and session ids longer than 256 characters with a 400 that names the field", async () => {
    const long = "x".repeat(257);
    const cases: [string, Record<string, unknown>][] = [
      ["uuid.sub", { uuid: { userId: "u", sub: long, userChannel: "B2C" } }],
      ["uuid.userId", { uuid: { userId: long, userChannel: "B2C" } }],
      ["sessionId", { sessionId: long }],
    ];
    for (const [field, extra] of cases) {
      const r = await post(server.url, { ...say("плюс", "ids"), ...extra });
      expect(r.status).toBe(400);
      expect(r.json.payload.description).toBe(`${field} is longer than 256 characters`);
      expect(JSON.stringify(r.json)).not.toContain(long); // the huge id is not echoed
    }
    const padded = await post(server.url, { ...say("плюс", "ids"), uuid: { userId: "u", userChannel: "B2C", extra: long.repeat(20) } });
    expect(padded.status).toBe(400);
    expect(padded.json.payload.description).toBe("uuid is larger than 4096 characters as JSON");
    // An invalid message is refused before the length check: its long ids are not echoed either.
    for (const invalid of [
      { ...say("плюс", "ids"), messageName: "NOPE", uuid: { userId: long, userChannel: "B2C" } },
      { ...say("плюс", "ids"), messageName: "NOPE", sessionId: long },
      { ...say("плюс", "ids"), messageName: "SERVER_ACTION", payload: {}, uuid: { userId: "u", userChannel: "B2C", extra: long.repeat(20) } },
    ]) {
      const r = await post(server.url, invalid);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.json)).not.toContain(long);
      expect(r.json.messageId).toBe(invalid.messageId);
    }
    // Nor is a long messageName quoted whole (the reason is also logged).
    const named = await post(server.url, { ...say("плюс", "ids"), messageName: "N".repeat(100_000) });
    expect(named.status).toBe(400);
    expect(named.json.payload.description).toMatch(/^unknown messageName "N{64}…" \(100000 characters\): expected one of /);
    const ok = await post(server.url, { ...say("плюс", "ids"), uuid: { userId: "x".repeat(256), userChannel: "B2C" } });
    expect(ok.status).toBe(200);
    // Seventh red-team round: a messageId of 500,000 digits was taken, echoed in the answer, kept as
    // the dedup key beside the cached answer and written into every log line of the request.
    const digits = "9".repeat(500_000);
    const withId = (id: string, messageName = "MESSAGE_TO_SKILL") => JSON.stringify({ ...say("плюс", "ids"), messageName }).replace(/"messageId":\d+/, `"messageId":${id}`);
    for (const text of [withId(digits), withId(digits, "NOPE")]) {
      const r = await post(server.url, text);
      expect(r.status).toBe(400);
      expect(r.text).not.toContain("9".repeat(300));
    }
    expect((await post(server.url, withId(digits))).json.payload.description).toBe("messageId is longer than 256 characters");
    expect(bubbles((await post(server.url, withId("18446744073709551615"))).json)).toEqual(["1"]);
  });

  it("treats 'constructor' and '__proto__' after buttons as plain text", async () => {
    for (const word of ["constructor", "__proto__", "toString"]) {
      await post(server.url, say("меню", "proto"));
      const r = await post(server.url, say(word, "proto"));
      expect(bubbles(r.json)).toEqual(["Не понял"]);
    }
  });

  it("sends a $session deeper than 128 levels to the error path and keeps the old state", async () => {
    await post(server.url, say("плюс", "deep"));
    const r = await post(server.url, event("deep", { depth: 200 }, "deep"));
    expect(bubbles(r.json)).toEqual(["Ошибка: the session state nests deeper than 128 levels"]);
    expect(bubbles((await post(server.url, say("сколько", "deep"))).json)).toEqual(["Счётчик: 1"]);
  });

  it("answers a $session nested 3,000 deep at once instead of locking the user out for 60 s", async () => {
    await post(server.url, say("плюс", "deeper"));
    const r = await post(server.url, event("deep", { depth: 3000 }, "deeper"));
    expect(r.json.messageName).toBe("ANSWER_TO_USER"); // not ERROR (the deadline): the error path answered
    expect(bubbles(r.json)[0]).toMatch(/^Ошибка: /);
    expect(bubbles((await post(server.url, say("сколько", "deeper"))).json)).toEqual(["Счётчик: 1"]);
  });

  it("does not store a $session over 1 MB; the turn takes the error path", async () => {
    await post(server.url, say("плюс", "big"));
    const r = await post(server.url, event("grow", { kb: 1100 }, "big"));
    expect(bubbles(r.json)).toEqual(["Ошибка: the session state is larger than 1048576 bytes"]);
    expect(bubbles((await post(server.url, say("сколько", "big"))).json)).toEqual(["Счётчик: 1"]);
    expect(bubbles((await post(server.url, event("grow", { kb: 900 }, "big"))).json)).toEqual(["выросло"]);
  });

  it("splits an answer with a 64 KB whitespace run (it used to block every user for 20 s)", async () => {
    const text = "Начало." + " ".repeat(65_536) + "Конец.";
    const r = await post(server.url, event("say", { text }, "spaces"));
    expect(bubbles(r.json)).toEqual(["Начало.", "Конец."]);
  });
});

// A user whose stored state is over the limit (stored before it was lowered) and carries payment
// events' once-ids: the error path's commit was checked and dropped, so a retried messageId ran the
// turn, and its charge, again.
describe("a retried message at the state-limit edge", () => {
  it("is answered from the store and runs nothing again: the charge it made is made once", async () => {
    const dir = fixtureCopy("limits");
    const receiver = httpReceiver();
    const url = await receiver.start();
    mkdirSync(path.join(dir, ".smartapp"), { recursive: true });
    const seeded = new SqliteStore({ path: path.join(dir, ".smartapp", "sessions.sqlite") });
    const big: UserState = { session: { blob: "x".repeat(1100 * 1024) }, client: {}, contextPath: "/", onceIds: ["payment-event-inv-1:payment.succeeded"] };
    await seeded.transact("sub-edge", () => Promise.resolve({ commit: { state: big }, result: undefined }));
    await seeded.close();
    const server = await startServe(dir, ["--allow-http", "127.0.0.1"]);
    try {
      const charge = event("charge", { url, kb: 1100 }, "edge");
      const first = await post(server.url, charge);
      // Even the error path's state (the stored one) is over the limit: messages.onError answers.
      expect(bubbles(first.json)).toEqual(["Ошибка, попробуйте ещё раз"]);
      const retry = await post(server.url, charge);
      expect(retry.text).toBe(first.text);
      expect(receiver.got).toHaveLength(1);
    } finally {
      await server.stop();
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("catastrophic trigger regexp", () => {
  it("replays a CPU kill into the error path without matching the regexp again", async () => {
    const dir = fixtureCopy("redos");
    const server = await startServe(dir, ["--store", "memory"]);
    try {
      const r = await post(server.url, say("a".repeat(28), "redos"));
      expect(r.json.messageName).toBe("ANSWER_TO_USER");
      expect(bubbles(r.json)).toEqual(["error at /NoMatch"]);
      expect(bubbles((await post(server.url, say("ping", "redos"))).json)).toEqual(["pong"]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// Sixth red-team round: a project that lifts nlp.lengthLimit matched any text on the main thread,
// where nothing stops it; `* $Number *` over 12,000 characters of `1 1 …` took about 14 s, every user waiting.
describe("a long text in a project without a length limit", () => {
  it("is matched in a worker: other users are answered meanwhile, and the server stays up", async () => {
    const dir = fixtureCopy("long-text");
    const server = await startServe(dir, ["--store", "memory"]);
    try {
      const order: string[] = [];
      const long = post(server.url, say("1 ".repeat(6000), "long")).then((r) => (order.push("long"), r));
      await new Promise((r) => setTimeout(r, 300));
      const ping = await post(server.url, say("ping", "other"));
      order.push("ping");
      expect(bubbles(ping.json)).toEqual(["pong"]);
      const r = await long;
      expect(order).toEqual(["ping", "long"]);
      expect(r.status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      expect(bubbles((await post(server.url, say("1 2", "long"))).json)).toEqual(["number"]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

// Sixth red-team round: the emulated slot-filling bot matched an answer of any length, on the main
// thread (the answer to a prompt runs no user code): 12,000 characters of `1 1 …` took about 14 s there.
describe("a long answer to a slot's prompt", () => {
  it("is matched for no slot: it ends the filling and goes to the scenario's length limit", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "security-slots-"));
    cpSync(path.join(repoRoot, "test/fixtures/engine/slots"), dir, { recursive: true });
    // Without the fixture's one regexp, turns that run no user code are answered on the main thread.
    const sc = path.join(dir, "src/main.sc");
    writeFileSync(sc, readFileSync(sc, "utf8").replace("q!: $regex</start>", "q!: /start"));
    const server = await startServe(dir, ["--store", "memory"]);
    try {
      expect(bubbles((await post(server.url, say("хочу большую пиццу", "slots-long"))).json)).toEqual(["Сколько штук?"]);
      // Before, the answer was matched for 14 s on the main thread, or more on a loaded machine, and
      // then (handed to a worker and stopped by the CPU limit) got the same silence: only the wait differs.
      const late = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 10_000).unref());
      const r = await Promise.race([post(server.url, say("1 ".repeat(6000), "slots-long")), late]);
      if (r === "late") throw new Error("the long answer was not answered within 10 s");
      expect(r.status).toBe(200);
      expect(bubbles(r.json)).toEqual([]); // no lengthLimit handler: silence, as for any long text
      expect(bubbles((await post(server.url, say("/start", "slots-long"))).json)).toEqual(["start"]);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
