// The webhook layer's own CPU per request, in-process, for two (or more) builds alternated in one
// process: each build's `startWebhookServer` (src/channels/smartapp/server.ts) with its default
// logger and metrics, in front of a stub executor that answers every turn at once with the same
// "hello" result (so no engine or store time is counted), driven over loopback by a minimal
// keep-alive client (50 connections, the bodies of bench/lib/message.mjs for 1,000 users). The
// client's share is the same for every build, so the differences are the servers'. Prints per build
// µs of process CPU per request (process.cpuUsage: user + system, all threads) and KB the heap
// allocated per request, medians over the rounds, the builds taking turns (A B B A …).
// The log lines go to stdout: run with `> /dev/null` (or a file) so the terminal does not count.
// Usage: node bench/webhook-layer.mjs <dist-A> [<dist-B> ...] [> /dev/null]   ("bare" as a dist: a
// node:http server that reads the body, parses it and answers a fixed JSON: the harness's floor)
// Env: BENCH_LAYER_ROUNDS (default 12), BENCH_LAYER_REQUESTS (per round, default 4000),
// BENCH_CONNECTIONS (default 50).
import net from "node:net";
import path from "node:path";
import v8 from "node:v8";
import { pathToFileURL } from "node:url";
import { message } from "./lib/message.mjs";

const dists = process.argv.slice(2).map((d) => path.resolve(d));
if (dists.length === 0) throw new Error("usage: node bench/webhook-layer.mjs <dist-A> [<dist-B> ...]");
const ROUNDS = Number(process.env.BENCH_LAYER_ROUNDS ?? 12);
const REQUESTS = Number(process.env.BENCH_LAYER_REQUESTS ?? 4000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const USERS = 1000;

const result = {
  replies: [{ type: "text", text: "Привет! Чем могу помочь?" }],
  response: { replies: [{ type: "text", text: "Привет! Чем могу помочь?" }] },
  state: {},
  endSession: false,
  mails: [],
};
const executor = { run: async () => ({ result, cached: false }), close: async () => undefined };

const servers = [];
/** "bare": node:http reading the body and answering a fixed JSON, the floor of this harness. */
async function bare() {
  const http = await import("node:http");
  const answer = JSON.stringify({ messageName: "ANSWER_TO_USER", payload: { pronounceText: "Привет! Чем могу помочь?" } });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString());
      res.setHeader("Content-Type", "application/json");
      res.end(answer);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, close: () => new Promise((resolve) => server.close(resolve)) };
}

for (const dist of dists) {
  if (path.basename(dist) === "bare") {
    servers.push({ dist: "bare", running: await bare(), cpu: [], alloc: [] });
    continue;
  }
  const { startWebhookServer } = await import(pathToFileURL(path.join(dist, "channels/smartapp/server.js")).href);
  servers.push({ dist, running: await startWebhookServer({ executor, port: 0 }), cpu: [], alloc: [] });
}

let sent = 0;
function request() {
  const n = sent++;
  const body = message(n + 1, n % USERS, "привет");
  return Buffer.from(`POST /webhook HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
// Built before the rounds: the client's work per request is a write of a ready buffer.
const prepared = Array.from({ length: USERS * 3 }, request);

/** Sends `total` requests over CONNECTIONS keep-alive connections; resolves when all are answered. */
function drive(port, total) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let answered = 0;
    const sockets = [];
    const next = (socket) => {
      if (started >= total) return;
      socket.write(prepared[started++ % prepared.length]);
    };
    for (let c = 0; c < CONNECTIONS; c++) {
      const socket = net.connect(port, "127.0.0.1");
      sockets.push(socket);
      socket.setNoDelay(true);
      let buf = Buffer.alloc(0);
      socket.on("error", reject);
      socket.on("connect", () => next(socket));
      socket.on("data", (chunk) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        for (;;) {
          const end = buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buf.subarray(0, end).toString("latin1");
          if (!head.startsWith("HTTP/1.1 200")) return reject(new Error(`unexpected answer: ${head}`));
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
          if (buf.length < end + 4 + length) return;
          buf = buf.subarray(end + 4 + length);
          answered++;
          if (answered === total) {
            for (const s of sockets) s.destroy();
            return resolve();
          }
          next(socket);
        }
      });
    }
  });
}

async function measure(server) {
  const { port } = server.running.server.address();
  const before = v8.getHeapStatistics();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const t0 = process.cpuUsage();
  await drive(port, REQUESTS);
  const t = process.cpuUsage(t0);
  let bytes = 0;
  let last = before.used_heap_size;
  for (const gc of profiler.stop().statistics) {
    bytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  bytes += Math.max(0, v8.getHeapStatistics().used_heap_size - last);
  return { cpuUs: (t.user + t.system) / REQUESTS, allocKb: bytes / REQUESTS / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const s of servers) await measure(s); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse();
  for (const s of order) {
    const m = await measure(s);
    s.cpu.push(m.cpuUs);
    s.alloc.push(m.allocKb);
  }
}
for (const s of servers) {
  process.stderr.write(`${JSON.stringify({ dist: s.dist, cpuUsPerReq: +median(s.cpu).toFixed(2), allocKbPerReq: +median(s.alloc).toFixed(2), cpuRounds: s.cpu.map((x) => +x.toFixed(1)) })}\n`);
}
for (const s of servers) await s.running.close();
process.exit(0);
