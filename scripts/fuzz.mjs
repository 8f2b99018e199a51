// `npm run fuzz`: the real `smartapp serve` under N mutated webhook requests (docs/security.md).
// Deterministic by seed. Reports crashes (process exit), 5xx, answers that are not JSON, messageId
// echo mismatches, repeated messageIds answered differently from their first delivery, hangs, transport errors, and the server's RSS after idle against its RSS at start.
// Exit code 1 when any of those is found (RSS: more than 20% above the start).
//
//   node scripts/fuzz.mjs [--n 100000] [--seed 1] [--store memory|sqlite] [--dir <project>]
//                         [--concurrency 32] [--warmup 1000] [--idle-ms 45000] [--src] [--json <file>]
//
// RSS "start" is measured after --warmup well-formed requests (the worker pool grows to its working
// size under load); "after idle" once the run has ended and the server sat idle for --idle-ms.
//
// --dir defaults to the bundled demo (the repository root); --src runs src/cli through tsx instead
// of dist/cli (for tests that must not depend on a build).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const opts = { n: 100_000, seed: 1, store: "memory", dir: root, concurrency: 32, idleMs: 45_000, warmup: 1000, src: false, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--n") opts.n = Number(next());
    else if (a === "--seed") opts.seed = Number(next());
    else if (a === "--store") opts.store = next();
    else if (a === "--dir") opts.dir = path.resolve(next());
    else if (a === "--concurrency") opts.concurrency = Number(next());
    else if (a === "--idle-ms") opts.idleMs = Number(next());
    else if (a === "--warmup") opts.warmup = Number(next());
    else if (a === "--src") opts.src = true;
    else if (a === "--json") opts.json = next();
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max) => Math.floor(next() * max);
  const pick = (list) => list[int(list.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

// ---------------------------------------------------------------------------------------------
// Requests

const WORDS = ["привет", "хочу слона", "меню", "оформить заказ", "корзина", "помощь", "плюс", "сколько", "/start", "да", "нет", "constructor", "__proto__", "toString", "hasOwnProperty", "12345", "сто двадцать", "оплатить", "a".repeat(28), "ёжик в тумане"];
const UNICODE = ["😀👍🏽", "\u200b\u200d", "مرحبا", "\u202eRTL", "\u2028\u2029", "\ud800", "\udfff", "\u0000", "Ω≈ç√", "\ufeff", "e\u0301", "𝔘𝔫𝔦"];
const MESSAGE_NAMES = ["MESSAGE_TO_SKILL", "SERVER_ACTION", "RUN_APP", "CLOSE_APP", "RATING_RESULT", "TAKE_PROFILE_DATA", "TAKE_RUNTIME_PERMISSIONS"];
const ACTIONS = ["run_app", "PAY_DIALOG_FINISHED", "say", "done", "noMatch", "constructor", "__proto__", "buy"];

export const CATEGORIES = [
  "valid", "wrong-types", "missing-fields", "envelope", "huge-strings", "deep-nesting", "unicode", "big-messageIds",
  "duplicate-keys", "invalid-utf8", "content-types", "empty", "junk", "proto-keys", "methods", "duplicate-messageIds",
  "arrays-for-objects", "huge-numbers", "escaped-keys", "nested-messageIds",
];
// Relative weights: mostly well-formed traffic, every hostile kind every few hundred requests.
const WEIGHTS = { valid: 20, "wrong-types": 8, "missing-fields": 8, envelope: 6, "huge-strings": 1, "deep-nesting": 6, unicode: 8, "big-messageIds": 6, "duplicate-keys": 5, "invalid-utf8": 4, "content-types": 5, empty: 3, junk: 6, "proto-keys": 6, methods: 3, "duplicate-messageIds": 6, "arrays-for-objects": 6, "huge-numbers": 6, "escaped-keys": 5, "nested-messageIds": 4 };
// Number tokens no double holds exactly, or at all, spliced raw into fields the server reads as numbers.
const HUGE_NUMBERS = ["1e400", "-1e400", "1e-400", "123456789012345678901234567890", "-0", "0.1e1", "1E+308", "9007199254740993", "4.9e-324", "-9223372036854775809", "1" + "0".repeat(400)];

function generator(seed) {
  const r = rng(seed);
  const total = CATEGORIES.reduce((s, c) => s + WEIGHTS[c], 0);
  let messageId = 1;
  const recent = []; // recent valid requests, for duplicate deliveries

  const text = () => (r.chance(0.2) ? r.pick(UNICODE) + r.pick(WORDS) : r.pick(WORDS));
  const user = () => `fuzz-${r.int(64)}`; // few users: state stays bounded, turns of one user queue up

  function valid() {
    const name = r.pick(MESSAGE_NAMES);
    const u = user();
    const payload = {
      app_info: { projectId: "p", applicationId: "a", appversionId: "v", frontendType: "DIALOG" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      device: { platformType: "android", surface: "SBERBOX", features: { appTypes: ["DIALOG"] } },
      meta: { time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 1700000000000 } },
      new_session: r.chance(0.05),
    };
    if (name === "MESSAGE_TO_SKILL") {
      const t = text();
      payload.intent = "scenario";
      payload.message = { original_text: t, normalized_text: t };
    } else if (name === "SERVER_ACTION" || name === "RUN_APP") {
      payload.server_action = { action_id: r.pick(ACTIONS), parameters: { text: text(), n: r.int(100) } };
    } else if (name === "RATING_RESULT") payload.rating = { estimation: r.int(5) };
    return { messageId: messageId++, sessionId: `s-${u}`, messageName: name, uuid: { userId: `uid-${u}`, sub: `sub-${u}`, userChannel: "B2C" }, payload };
  }

  const json = (body) => ({ body: JSON.stringify(body), id: String(body.messageId) });
  const paths = (obj) => {
    const out = [];
    const walk = (v, p) => {
      if (v === null || typeof v !== "object" || p.length > 4) return;
      for (const k of Object.keys(v)) {
        out.push([...p, k]);
        walk(v[k], [...p, k]);
      }
    };
    walk(obj, []);
    return out;
  };
  const setAt = (obj, p, value) => {
    let o = obj;
    for (const k of p.slice(0, -1)) o = o[k];
    o[p[p.length - 1]] = value;
  };
  const deleteAt = (obj, p) => {
    let o = obj;
    for (const k of p.slice(0, -1)) o = o[k];
    delete o[p[p.length - 1]];
  };
  const wrongValue = () => r.pick([null, 0, -1, 1.5, true, "", "x", [], {}, [1, "a"], { a: 1 }, "7"]);
  const nested = (depth, kind) => (kind === "[" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth));
  const spliceRaw = (bodyText, raw) => bodyText.replace(/"payload":\{/, `"payload":{"fuzz":${raw},`);

  const make = {
    valid: () => {
      const req = { ...json(valid()), first: {} }; // first.answer: its answer, which every copy must repeat
      recent.push(req);
      if (recent.length > 50) recent.shift();
      return req;
    },
    "wrong-types": () => {
      const b = valid();
      const p = r.pick(paths(b));
      setAt(b, p, wrongValue());
      return { body: JSON.stringify(b), id: typeof b.messageId === "number" ? String(b.messageId) : undefined };
    },
    "missing-fields": () => {
      const b = valid();
      deleteAt(b, r.pick(paths(b)));
      return { body: JSON.stringify(b), id: typeof b.messageId === "number" ? String(b.messageId) : undefined };
    },
    envelope: () => {
      const b = valid();
      const kind = r.int(4);
      if (kind === 0) b.messageName = r.pick(["", "HELLO", "message_to_skill", "ANSWER_TO_USER", "ERROR"]);
      else if (kind === 1) b.extra = { nested: [1, 2, 3] };
      else if (kind === 2) b.uuid = r.pick([{}, { userId: "" }, { userId: 5, userChannel: "B2C" }, { userId: "u", sub: null, userChannel: "B2C" }]);
      else b.sessionId = r.pick([null, 5, "", "s".repeat(300)]);
      return json(b);
    },
    "huge-strings": () => {
      const b = valid();
      const size = r.pick([10_000, 100_000, 400_000, 900_000, 1_200_000]);
      const s = "я ".repeat(size / 4);
      const where = r.int(4);
      if (where === 0) b.payload.message = { original_text: s };
      else if (where === 1) b.uuid.sub = s;
      else if (where === 2) b.payload.server_action = { action_id: "say", parameters: { text: " ".repeat(size / 2) } };
      else b.payload.blob = s;
      return json(b);
    },
    "deep-nesting": () => {
      const b = json(valid());
      const depth = r.pick([32, 64, 65, 200, 1000, 3200, 3600, 4000, 4400, 5000, 10_000]);
      const raw = nested(depth, r.pick(["[", "{"]));
      return r.chance(0.2) ? { body: b.body.replace(/"uuid":\{/, `"uuid":{"deep":${raw},`), id: b.id } : { body: spliceRaw(b.body, raw), id: b.id };
    },
    unicode: () => {
      const b = valid();
      const u = Array.from({ length: 1 + r.int(8) }, () => r.pick(UNICODE)).join("");
      if (r.chance(0.5)) b.payload.message = { original_text: u };
      else b.uuid.sub = u;
      let body = JSON.stringify(b);
      if (r.chance(0.3)) body = body.replace(/"original_text":"/, '"original_text":"\\ud83d'); // lone surrogate escape
      return { body, id: String(b.messageId) };
    },
    "big-messageIds": () => {
      const b = json(valid());
      const id = r.pick(["9223372036854775807", "18446744073709551616", "123456789012345678901234567890", "-1", "0", "-0", "1.5", "1e3", "1e400", "9007199254740993", '"42"', "null"]);
      const integer = /^-?\d+$/.test(id) ? (id === "-0" ? "0" : id) : id === "1e3" ? "1000" : undefined;
      return { body: b.body.replace(/^\{"messageId":\d+/, `{"messageId":${id}`), id: integer };
    },
    "duplicate-keys": () => {
      const b = json(valid());
      const dup = r.pick([`"messageName":"RUN_APP",`, `"payload":{},`, `"uuid":{"userId":"other","userChannel":"B2C"},`, `"messageId":${b.id},`]);
      return { body: b.body.replace(/^\{/, `{${dup}`), id: b.id };
    },
    "invalid-utf8": () => {
      const b = json(valid());
      const buf = Buffer.from(b.body);
      const at = 10 + r.int(buf.length - 20);
      return { body: Buffer.concat([buf.subarray(0, at), Buffer.from([r.pick([0xff, 0xc0, 0xed, 0x80])]), buf.subarray(at)]), id: undefined };
    },
    "content-types": () => {
      const b = json(valid());
      const type = r.pick(["text/plain", "application/xml", "", "application/json; charset=latin1", "multipart/form-data; boundary=x", "application/vnd.api+json", "APPLICATION/JSON", "application/json;charset=\"utf-8\""]);
      return { ...b, headers: type === "" ? {} : { "content-type": type } };
    },
    empty: () => ({ body: r.pick(["", " ", "\n\t", "{}", "[]", "null"]), id: undefined }),
    junk: () => {
      const b = json(valid()).body;
      const kind = r.int(4);
      if (kind === 0) return { body: b.slice(0, r.int(b.length)), id: undefined };
      if (kind === 1) return { body: Buffer.from(Array.from({ length: 1 + r.int(2000) }, () => r.int(256))), id: undefined };
      if (kind === 2) return { body: b + r.pick(["}", ",", "garbage", "\u0000"]), id: undefined };
      return { body: r.pick(["true", "1", '"str"', "{", "{{}}", "[{]}", "{\"a\":}", "NaN", "\u0000\u0001"]), id: undefined };
    },
    "proto-keys": () => {
      const b = json(valid());
      const key = r.pick(["__proto__", "constructor", "prototype"]);
      const raw = `{"${key}":{"polluted":true,"action_id":"x"}}`;
      const where = r.int(3);
      if (where === 0) return { body: spliceRaw(b.body, raw), id: b.id };
      if (where === 1) return { body: b.body.replace(/^\{/, `{"${key}":{"isAdmin":true},`), id: b.id };
      return { body: b.body.replace(/"uuid":\{/, `"uuid":{"${key}":{"sub":"x"},`), id: b.id };
    },
    methods: () => ({ body: "", id: undefined, method: r.pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]), path: r.pick(["/webhook", "/webhook", "/other", "/webhook/../webhook"]) }),
    // An array (empty, of the object's values, or holding the object) where the schema expects an object.
    "arrays-for-objects": () => {
      const b = valid();
      const objects = paths(b).filter((p) => {
        let o = b;
        for (const k of p) o = o[k];
        return o !== null && typeof o === "object" && !Array.isArray(o);
      });
      const p = r.pick([["payload"], ["uuid"], ...objects]);
      let o = b;
      for (const k of p) o = o[k];
      setAt(b, p, r.pick([[], Object.values(o), [o]]));
      return { body: JSON.stringify(b), id: String(b.messageId) };
    },
    // Out-of-range and over-precise numbers where the server and the scenario read numbers.
    "huge-numbers": () => {
      const b = valid();
      const PLACE = "@@num@@";
      const where = r.int(5);
      if (where === 0) b.payload.meta.time.timezone_offset_sec = PLACE;
      else if (where === 1) b.payload.meta.time.timestamp = PLACE;
      else if (where === 2) b.payload.server_action = { action_id: r.pick(ACTIONS), parameters: { n: PLACE, amount: PLACE } };
      else if (where === 3) b.payload.rating = { estimation: PLACE };
      else b.payload.new_session = PLACE;
      return { body: JSON.stringify(b).split(`"${PLACE}"`).join(r.pick(HUGE_NUMBERS)), id: String(b.messageId) };
    },
    // Keys spelled with \u escapes: JSON names the same member, a textual match on the body does not.
    "escaped-keys": () => {
      const b = json(valid());
      const kind = r.int(4);
      if (kind === 0) return { body: b.body.replace(/^\{"messageId":/, '{"message\\u0049d":'), id: b.id };
      if (kind === 1) return { body: b.body.replace(/"uuid":\{/, '"uuid":{"\\u005f_proto__":{"sub":"x"},'), id: b.id };
      if (kind === 2) return { body: b.body.replace(/"payload":\{/, '"p\\u0061yload":{},"payload":{'), id: undefined };
      return { body: spliceRaw(b.body, '{"\\u0063onstructor":{"prototype":{"polluted":true}}}'), id: b.id };
    },
    // A messageId inside the payload (or a string id beside the real one) must not be the one echoed.
    "nested-messageIds": () => {
      const b = json(valid());
      const inner = r.pick(["99999999999999999999", "-5", '"77"', "1.5", "{}"]);
      if (r.chance(0.5)) return { body: spliceRaw(b.body, `{"messageId":${inner}}`), id: b.id };
      return { body: b.body.replace(/"uuid":\{/, `"uuid":{"messageId":${inner},`), id: b.id };
    },
    "duplicate-messageIds": () => {
      if (recent.length === 0) return make.valid();
      const { first, ...copy } = r.pick(recent);
      return { ...copy, dupOf: first };
    },
  };

  return () => {
    let x = r.int(total);
    let category = CATEGORIES[0];
    for (const c of CATEGORIES) {
      x -= WEIGHTS[c];
      if (x < 0) {
        category = c;
        break;
      }
    }
    return { category, ...make[category]() };
  };
}

// ---------------------------------------------------------------------------------------------
// Server

function startServer(opts) {
  const entry = opts.src ? ["--import", "tsx", path.join(root, "src/cli/index.ts")] : [path.join(root, "dist/cli/index.js")];
  const args = [...entry, "serve", opts.dir, "--port", "0", "--no-sandbox", "--store", opts.store];
  const env = { ...process.env, LOG_LEVEL: "warn" };
  let storeDir;
  if (opts.store === "sqlite") {
    // A fresh copy, so the fuzz never writes into the project's own .smartapp/.
    storeDir = mkdtempSync(path.join(tmpdir(), "fuzz-project-"));
    cpSync(opts.dir, storeDir, { recursive: true, filter: (src) => !/[\\/](node_modules|\.git|\.smartapp|dist)$/.test(src) });
    args[args.indexOf(opts.dir)] = storeDir;
  }
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out = (out + d).slice(-20_000)));
  child.stderr.on("data", (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = () => {
      const m = /serving .* at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve({ url: new URL(m[1]), child, exited, output: () => out, cleanup: () => storeDir && rmSync(storeDir, { recursive: true, force: true }) });
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Sending and checking

const HANG_MS = 20_000;

function send(agent, url, req) {
  return new Promise((resolve) => {
    const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body;
    const headers = req.headers ?? { "content-type": "application/json" };
    const r = http.request(
      { host: url.hostname, port: url.port, path: req.path ?? "/webhook", method: req.method ?? "POST", agent, headers: { ...headers, "content-length": body.length } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (e) => resolve({ error: e.code ?? e.message }));
      },
    );
    r.setTimeout(HANG_MS, () => {
      r.destroy(new Error("hang"));
    });
    r.on("error", (e) => resolve({ error: e.message === "hang" ? "hang" : (e.code ?? e.message) }));
    r.end(body);
  });
}

/** Problems with one answer (empty when it is fine). */
function check(req, res) {
  if (res.error) return [res.error === "hang" ? "hang" : "transport"];
  const problems = [];
  if (res.status >= 500) problems.push("5xx");
  const method = req.method ?? "POST";
  if (method === "HEAD") return problems;
  let json;
  try {
    json = JSON.parse(res.text);
  } catch {
    problems.push("invalid-json");
    return problems;
  }
  if ((req.path ?? "/webhook") === "/webhook" && method === "POST") {
    if (typeof json?.messageName !== "string") problems.push("invalid-json");
    if (req.id !== undefined && json?.messageName !== undefined && res.status < 500) {
      // The exact token, spliced by the server: compare the raw text, not a rounded number.
      const echoed = /"messageId":(-?\d+)[,}]/.exec(res.text)?.[1];
      if (res.status === 200 && echoed !== req.id) problems.push("messageId-mismatch");
      if (res.status !== 200 && echoed !== undefined && echoed !== req.id) problems.push("messageId-mismatch");
    }
  }
  return problems;
}

export async function fuzz(opts) {
  const next = generator(opts.seed);
  const server = await startServer(opts);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const pid = server.child.pid;
  // Warm-up with well-formed traffic at full concurrency, so the worker pool has grown to its working
  // size before "start" is measured: RSS growth after that is what a leak would show.
  const warm = generator(opts.seed ^ 0x5eed);
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (let i = 0; i < opts.warmup / opts.concurrency; i++) {
        let req;
        do req = warm();
        while (req.category !== "valid");
        await send(agent, server.url, req);
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const rssStart = rssMb(pid);
  let crashed;
  let stopping = false;
  void server.exited.then((e) => {
    if (!stopping) crashed ??= e;
  });
  const stats = Object.fromEntries(CATEGORIES.map((c) => [c, { sent: 0, statuses: {} }]));
  const problems = { crash: 0, "5xx": 0, "invalid-json": 0, "messageId-mismatch": 0, "duplicate-answer-mismatch": 0, hang: 0, transport: 0 };
  const examples = [];
  let rssPeak = rssStart ?? 0;
  let sent = 0;
  const started = Date.now();

  async function lane() {
    while (sent < opts.n && !crashed) {
      const req = next();
      const i = sent++;
      const res = await send(agent, server.url, req);
      const s = stats[req.category];
      s.sent++;
      const key = res.error ?? String(res.status);
      s.statuses[key] = (s.statuses[key] ?? 0) + 1;
      const found = check(req, res);
      // A repeated messageId must get exactly the answer of its first delivery (not an ERROR: a
      // deadline answer is never cached, the turn's own answer is).
      const answered = res.status === 200 && !/"messageName":"ERROR"/.test(res.text ?? "");
      if (req.first && answered) req.first.answer = res.text;
      if (req.dupOf?.answer !== undefined && answered && res.text !== req.dupOf.answer) found.push("duplicate-answer-mismatch");
      for (const p of found) {
        problems[p]++;
        if (examples.length < 20) examples.push({ request: i, category: req.category, problem: p, status: res.status, error: res.error, answer: res.text?.slice(0, 300), body: String(req.body).slice(0, 300) });
      }
      if (i % 1000 === 0) rssPeak = Math.max(rssPeak, rssMb(pid) ?? 0);
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  if (crashed) problems.crash = 1;
  const idleSeries = [];
  for (let waited = 0; waited < opts.idleMs; waited += 1000) {
    await new Promise((r) => setTimeout(r, Math.min(1000, opts.idleMs - waited)));
    idleSeries.push(round(rssMb(pid)));
  }
  const rssIdle = rssMb(pid);
  stopping = true;
  if (!crashed) server.child.kill("SIGTERM");
  await server.exited;
  server.cleanup();
  const rssRatio = rssStart && rssIdle ? rssIdle / rssStart : undefined;
  const ok = Object.values(problems).every((v) => v === 0) && (rssRatio === undefined || rssRatio <= 1.2);
  return {
    ok,
    seed: opts.seed,
    store: opts.store,
    requests: sent,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(sent / seconds),
    problems,
    rssMb: { start: round(rssStart), peak: round(rssPeak), idle: round(rssIdle), idleToStart: rssRatio && Math.round(rssRatio * 100) / 100, idleSeries },
    categories: stats,
    examples,
    serverLog: crashed ? server.output().slice(-4000) : undefined,
  };
}

const round = (v) => (v === undefined ? undefined : Math.round(v));

function printSummary(r) {
  const lines = [
    `fuzz: ${r.requests} requests, seed ${r.seed}, store ${r.store}, ${r.seconds} s (${r.perSecond}/s)`,
    `problems: ${Object.entries(r.problems).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `RSS MB: start ${r.rssMb.start}, peak ${r.rssMb.peak}, after idle ${r.rssMb.idle} (×${r.rssMb.idleToStart})`,
    ...Object.entries(r.categories).map(([c, s]) => `  ${c.padEnd(22)} ${String(s.sent).padStart(7)}  ${Object.entries(s.statuses).sort().map(([k, v]) => `${k}×${v}`).join(" ")}`),
    r.ok ? "fuzz: OK" : "fuzz: FAILED",
  ];
  process.stdout.write(lines.join("\n") + "\n");
  for (const e of r.examples) process.stdout.write(`  example: ${JSON.stringify(e)}\n`);
  if (r.serverLog) process.stdout.write(`server output (tail):\n${r.serverLog}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  const result = await fuzz(opts);
  printSummary(result);
  if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2));
  process.exit(result.ok ? 0 : 1);
}
