// Bytes per stored session for each store after 10,000 sessions of a small realistic state.
// Prints one JSON line per store. Uses the build: `npm run build && node bench/store-memory.mjs`.
// Env: BENCH_SESSIONS (default 10000), REDIS_URL (default redis://127.0.0.1:6379).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The heap figure needs a real GC; re-run ourselves with --expose-gc when it is not available.
if (typeof globalThis.gc !== "function") {
  const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}

const { MemoryStore, SqliteStore, RedisStore } = await import("../dist/storage/index.js").catch((err) => {
  console.error(`bench/store-memory: cannot load dist/storage (run \`npm run build\` first): ${err.message}`);
  process.exit(1);
});
const { default: Database } = await import("better-sqlite3");
const { Redis } = await import("ioredis");

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const BATCH = 100; // concurrent users per wave, like a busy server

// What a shop scenario keeps between turns: a cart, a few client fields, the current state.
const stateFor = (i) => ({
  session: {
    contextPath: "/Shop/Cart",
    lastQuery: "добавь пиццу маргарита",
    step: "cart",
    orderId: `ord-${i}`,
    cart: [{ sku: `pizza-${i % 7}`, qty: 1 + (i % 3), priceMinor: 54_900 }],
  },
  client: { name: "Анна", phone: `+7999000${String(i).padStart(4, "0")}`, visits: i % 17 },
  contextPath: "/Shop/Cart",
  sessionId: `sess-${i}`,
  lastButtons: { "оформить": "/Shop/Checkout", "назад": "/Shop" },
});

const stateJsonBytes = Math.round(
  Array.from({ length: 100 }, (_, i) => Buffer.byteLength(JSON.stringify(stateFor(i)))).reduce((a, b) => a + b) / 100,
);

async function fill(store) {
  for (let start = 0; start < SESSIONS; start += BATCH) {
    const wave = [];
    for (let i = start; i < Math.min(start + BATCH, SESSIONS); i++) {
      wave.push(store.transact(`user-${i}`, async () => ({ commit: { state: stateFor(i) }, result: undefined })));
    }
    await Promise.all(wave);
  }
}

const report = (store, fields) =>
  console.log(JSON.stringify({ bench: "store-memory", store, sessions: SESSIONS, stateJsonBytes, ...fields }));

function settledHeap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function memory() {
  const before = settledHeap();
  const store = new MemoryStore({ answerTtlSec: 0 });
  await fill(store);
  const after = settledHeap();
  report("memory", { bytesPerSession: Math.round((after - before) / SESSIONS), method: "heapUsed delta after gc" });
  await store.close();
}

async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), "smartapp-bench-"));
  try {
    const path = join(dir, "sessions.sqlite");
    const store = new SqliteStore({ path, answerTtlSec: 0 });
    await fill(store);
    await store.close(); // the last connection checkpoints the WAL into the main file
    const db = new Database(path, { readonly: true });
    const pageSize = db.pragma("page_size", { simple: true });
    const pages = db.pragma("page_count", { simple: true });
    const free = db.pragma("freelist_count", { simple: true });
    db.close();
    report("sqlite", {
      bytesPerSession: Math.round(statSync(path).size / SESSIONS),
      pageBytesPerSession: Math.round(((pages - free) * pageSize) / SESSIONS),
      pageSize,
      pages,
      method: "file size after checkpoint; used pages x page size",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function redis() {
  const raw = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  raw.on("error", () => undefined);
  try {
    await raw.connect();
  } catch (err) {
    report("redis", { skipped: `Redis at ${REDIS_URL} unreachable: ${err.message}` });
    return;
  }
  const prefix = `smartapp-bench:${process.pid}:${Date.now()}:`;
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await raw.info("memory"))[1]);
  try {
    const before = await usedMemory();
    const store = new RedisStore({ url: REDIS_URL, prefix, answerTtlSec: 0 });
    await fill(store);
    await store.close();
    const after = await usedMemory();
    const sample = Array.from({ length: 200 }, (_, k) => Math.floor((k * SESSIONS) / 200));
    let sampled = 0;
    for (const i of sample) sampled += await raw.memory("USAGE", `${prefix}{user-${i}}:state`, "SAMPLES", 0);
    report("redis", {
      bytesPerSession: Math.round(sampled / sample.length),
      usedMemoryDeltaPerSession: Math.round((after - before) / SESSIONS),
      method: "MEMORY USAGE of 200 state keys; INFO used_memory delta (includes other clients' activity)",
    });
  } finally {
    let cursor = "0";
    do {
      const [next, keys] = await raw.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await raw.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await raw.quit();
  }
}

await memory();
await sqlite();
await redis();
