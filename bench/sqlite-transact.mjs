// The SQLite session store under a server-like load, in-process: 1,000 users round-robin, a state of
// ≈ 1.5 KB and an answer of ≈ 700 bytes per turn (with its messageId, as the webhook commits them),
// 50 turns in flight at once (so group commits of ≈ 50, as under 50 connections), the checkpoint
// worker on its own connection. The turn itself does next to nothing: what is measured is the store.
// Variants (store options and pragmas) run on files of their own and alternate round by round in this
// one process; each prints the median over rounds of
//   cpuUs   — CPU of the main thread per turn (/proc/self/task/<pid>/schedstat: this thread only),
//   readUs  — wall time inside the store's read of state + answer per turn (readWithAnswer; it moves
//             with the machine's load, cpuUs is the number to compare).
// Needs `npm run build` (or BENCH_DIST=<another build's dist>).
// Usage: node bench/sqlite-transact.mjs [rounds=11] [turns=4000]
//   BENCH_SQLITE_VARIANTS=name,... (default: all below)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fromDist } from "./lib/dist.mjs";

const { SqliteStore } = await fromDist("storage/sqlite.js");

const ROUNDS = Number(process.argv[2] ?? 11);
const TURNS = Number(process.argv[3] ?? 4000);
const USERS = 1000;
const IN_FLIGHT = 50;

/** name → { options for the store, pragmas set on its connection after it opened } */
const ALL = {
  default: { options: { stateCache: 0 }, pragmas: [] },
  cache64m: { options: { stateCache: 0 }, pragmas: ["cache_size = -65536"] },
  mmap: { options: { stateCache: 0 }, pragmas: ["mmap_size = 268435456"] },
  stateCache: { options: {}, pragmas: [] },
  // Fewer users cached than take turns: every turn misses (reads the row and its answers' ids).
  stateCacheMisses: { options: { stateCache: USERS / 2 }, pragmas: [] },
};
const names = (process.env.BENCH_SQLITE_VARIANTS ?? Object.keys(ALL).join(",")).split(",").map((s) => s.trim());

const tid = process.pid; // the main thread's task id is the process id
const threadCpuNs = () => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);

const padding = "x".repeat(1400);
const answerBody = JSON.stringify({ messageName: "ANSWER_TO_USER", payload: { pronounceText: "Привет! ".repeat(40), items: [{ bubble: { text: "Привет!" } }] } });

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-sqlite-transact-"));
const variants = names.map((name) => {
  const def = ALL[name];
  if (!def) throw new Error(`unknown variant ${name}`);
  const store = new SqliteStore({ path: path.join(dir, `${name}.sqlite`), ...def.options });
  for (const p of def.pragmas) store.db.pragma(p);
  // Time inside the read of state + answer (the store's readWithAnswer, however it is reached).
  const inner = store.readWithAnswer.bind(store);
  const v = { name, store, readNs: 0n, counter: 0, cpu: [], read: [] };
  store.readWithAnswer = (user, id) => {
    const t0 = process.hrtime.bigint();
    try {
      return inner(user, id);
    } finally {
      v.readNs += process.hrtime.bigint() - t0;
    }
  };
  return v;
});

async function runTurns(v, turns) {
  const one = (n) =>
    v.store.transact(
      `u-${n % USERS}`,
      async (current) => {
        const state = current ?? { session: { pad: padding, n: 0 }, client: {}, contextPath: "/" };
        state.session.n = (state.session.n ?? 0) + 1;
        return { commit: { state, answer: { messageId: `m-${n}`, body: answerBody } }, result: undefined };
      },
      { messageId: `m-${n}` },
    );
  for (let done = 0; done < turns; done += IN_FLIGHT) {
    const batch = [];
    for (let i = 0; i < IN_FLIGHT && done + i < turns; i++) batch.push(one(v.counter++));
    await Promise.all(batch);
  }
}

// Fill: every user has a state, the answer cache holds its cap of 10,000 answers.
for (const v of variants) await runTurns(v, 12_000);
for (let round = -2; round < ROUNDS; round++) {
  for (const v of variants) {
    v.readNs = 0n;
    const c0 = threadCpuNs();
    await runTurns(v, TURNS);
    const cpu = threadCpuNs() - c0;
    if (round >= 0) {
      v.cpu.push(cpu / TURNS / 1000);
      v.read.push(Number(v.readNs) / TURNS / 1000);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const v of variants) {
  console.log(JSON.stringify({ bench: "sqlite-transact", variant: v.name, turns: TURNS, rounds: ROUNDS, cpuUs: +median(v.cpu).toFixed(2), readUs: +median(v.read).toFixed(2) }));
  await v.store.close();
}
rmSync(dir, { recursive: true, force: true });
