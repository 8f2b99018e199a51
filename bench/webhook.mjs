// Webhook throughput and latency: our runtime (SQLite and memory stores) vs @salutejs/scenario on
// express vs a bare node:http server, on a one-state "hello" and a three-turn $session workload, and
// a mixed workload ("hello" while 200 users' turns wait on a slow $http endpoint). Each server is a
// child process with bench/peers/alloc-probe.cjs preloaded; autocannon runs here with 50 connections
// for DURATION seconds after a warm-up; CPU per request is the server process's (all threads, from
// /proc), allocations per request its main thread's V8 heap. Prints one JSON line per (round,
// workload, server). Env: BENCH_DURATION (s, default 10),
// BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (default 50), BENCH_WEBHOOK_ROUNDS (default 1; the
// servers are measured back to back within a round so their ratios share the machine's load).
// "runtime (sqlite, --processes 2)" is a node:cluster primary with two serve workers: its CPU per
// request sums the primary and both workers; it has no allocation, GC or loop-delay figures.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { message } from "./lib/message.mjs";
import { onProbeLines } from "./lib/probe-lines.mjs";
import { HELLO_SC, HTTP_SC, SESSION_SC, makeProject } from "./lib/projects.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 1);
// BENCH_WEBHOOK_WORKLOADS: a comma-separated subset of hello,session,http (default all three).
const WORKLOADS = (process.env.BENCH_WEBHOOK_WORKLOADS ?? "hello,session,http").split(",").map((w) => w.trim());
const START_TIMEOUT_MS = 90_000; // two processes start the project twice, on a loaded machine
const USERS = 1000;


const PROBE = ["--require", path.join(root, "bench/peers/alloc-probe.cjs")];
// `smartapp` restarts itself with --no-node-snapshot and its young-generation size when started
// without them (src/cli/node-flags.ts, launch-flags.ts): given here, the measured process is the
// server itself, not a launcher waiting for it.
// BENCH_CPU_PROF=<dir>: our servers also write V8 CPU profiles (main thread and workers) there.
const { launchFlags } = await import(path.join(root, "dist/cli/launch-flags.js"));
const SERVE = [
  ...launchFlags([]),
  ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : []),
  "dist/cli/index.js",
  "serve",
];
const HTTP_USERS = 200;
const HTTP_STUB_MS = 50;

function start(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...PROBE, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SMARTPAY_URL: "http://127.0.0.1:9" } });
    let out = "";
    let err = "";
    const fail = (why) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} ${why}: ${out}${err.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onExit = (code) => fail(`exited with ${code}`);
    const onData = (d) => {
      out += d;
      const m = /listening (\d+)|at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stdout.resume(); // keep draining the server's per-request log lines
        child.off("exit", onExit);
        // `serve --processes n` names its workers: their CPU counts with the primary's.
        const workers = /share the port \(pids ([\d, ]+)\)/.exec(out)?.[1].split(", ").map(Number) ?? [];
        resolve({ child, port: Number(m[1] ?? m[2]), workers });
      }
    };
    child.stdout.on("data", onData);
    const allocs = [];
    child.allocs = allocs;
    child.stderr.on("data", (d) => {
      if (err.length < 100_000) err += d;
    });
    // The probe's lines (bench/peers/alloc-probe.cjs): allocated bytes, GC pauses, event-loop delay.
    onProbeLines(child.stderr, (probe) => allocs.push(probe));
    child.once("exit", onExit);
  });
}

/** SIGTERM, and wait for the exit so the next server never shares the CPU with this one's shutdown. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  // A profiled server writes its profiles on exit: give it longer to finish the turns in flight.
  const timer = setTimeout(() => child.kill("SIGKILL"), process.env.BENCH_CPU_PROF ? 60_000 : 10_000);
  await exited;
  clearTimeout(timer);
}

const PHRASES = { hello: ["привет"], session: ["привет", "добавь", "сколько"], weather: ["погода"] };


function load(port, workload, seconds, { connections = CONNECTIONS, users = USERS, prefix = "" } = {}) {
  let counter = 0;
  const phrases = PHRASES[workload];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/webhook`,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req) => {
              const n = counter++;
              const user = n % users;
              const turn = Math.floor(n / users) % phrases.length;
              return { ...req, body: message((prefix ? 1_000_000_000 : 0) + n + 1, `${prefix}${user}`, phrases[turn]) };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/** CPU time (user + system, all threads) of a process so far, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU time of the server: its process and, with --processes, every worker process (ms). */
const serverCpuMs = (server) => [server.child.pid, ...(server.workers ?? [])].reduce((sum, pid) => sum + cpuMs(pid), 0);

/** Runs `loads` against the server between two CPU readings and two allocation-probe signals. */
async function metered(server, loads) {
  const cpu0 = serverCpuMs(server);
  server.child.kill("SIGUSR2");
  const results = await Promise.all(loads());
  server.child.kill("SIGUSR2");
  const cpu = serverCpuMs(server) - cpu0;
  const deadline = Date.now() + 2000;
  while (server.child.allocs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const probe = server.child.allocs.shift();
  return { results, cpu, alloc: probe?.allocBytes, gc: probe?.gc, loopDelay: probe?.loopDelay };
}

const round2 = (x) => Math.round(x * 100) / 100;
const perRequest = (total, requests) => (total === undefined || requests === 0 ? undefined : total / requests);

async function measure(name, workload, round, server) {
  try {
    await load(server.port, workload, WARMUP);
    const { results: [r], cpu, ...probe } = await metered(server, () => [load(server.port, workload, DURATION)]);
    // With --processes the probe's window is the primary's, which serves nothing: no allocation,
    // loop-delay or GC figures for it (the workers' heaps are not measured).
    const { alloc, gc, loopDelay } = server.workers.length > 0 ? {} : probe;
    return {
      bench: "webhook", round, name, workload, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total,
      errors: r.errors + r.non2xx + r.timeouts, cpuMsPerReq: perRequest(cpu, r.requests.total), allocKbPerReq: perRequest(alloc && alloc / 1024, r.requests.total),
      // The server's main thread over the measured run: how late a 10 ms timer fired (ms), GC pauses.
      loopDelay, gc: gc && { ...gc, scavengeMs: round2(gc.scavengeMs), markCompactMs: round2(gc.markCompactMs), longestMs: round2(gc.longestMs) },
    };
  } finally {
    await stop(server.child);
  }
}

/** A local endpoint that answers every request after HTTP_STUB_MS. */
function slowStub() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('{"ok":true}'), HTTP_STUB_MS);
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** "hello" from CONNECTIONS connections while HTTP_USERS connections send turns that wait on the slow stub. */
async function measureHttpMix(round, extra = []) {
  const stub = await slowStub();
  const dir = makeProject(HTTP_SC(stub.address().port));
  const name = ["runtime (sqlite)", ...extra].join(" ");
  try {
    const server = await start("node", [...SERVE, dir, "--port", "0", "--store", "sqlite", "--no-sandbox", "--allow-http", "127.0.0.1", ...extra]);
    try {
      const both = (seconds) => [load(server.port, "hello", seconds), load(server.port, "weather", seconds, { connections: HTTP_USERS, users: HTTP_USERS, prefix: "w" })];
      await Promise.all(both(WARMUP));
      const { results: [hello, weather], cpu, alloc } = await metered(server, () => both(DURATION));
      const requests = hello.requests.total + weather.requests.total;
      return {
        bench: "webhook-http", round, name, rps: hello.requests.average, p50: hello.latency.p50, p99: hello.latency.p99, requests: hello.requests.total,
        errors: hello.errors + hello.non2xx + hello.timeouts, httpRps: weather.requests.average, httpP50: weather.latency.p50, httpP99: weather.latency.p99,
        httpErrors: weather.errors + weather.non2xx + weather.timeouts, cpuMsPerReq: perRequest(cpu, requests), allocKbPerReq: perRequest(alloc && alloc / 1024, requests),
      };
    } finally {
      await stop(server.child);
    }
  } catch (err) {
    return { bench: "webhook-http", round, name, failed: err instanceof Error ? err.message : String(err) };
  } finally {
    stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Servers: a = our runtime, b = the peer, c = the limit. `onResult` sees each line as it is measured. */
export async function runWebhookBench(onResult = () => undefined) {
  const results = [];
  const note = (r) => {
    results.push(r);
    onResult(r);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const workload of ["hello", "session"].filter((w) => WORKLOADS.includes(w))) {
      const dir = makeProject(workload === "hello" ? HELLO_SC : SESSION_SC);
      try {
        const servers = [
          ["runtime (sqlite)", "node", [...SERVE, dir, "--port", "0", "--store", "sqlite", "--no-sandbox"]],
          ["runtime (memory)", "node", [...SERVE, dir, "--port", "0", "--store", "memory", "--no-sandbox"]],
          ["runtime (sqlite, --processes 2)", "node", [...SERVE, dir, "--port", "0", "--store", "sqlite", "--no-sandbox", "--processes", "2"]],
          ["@salutejs/scenario (memory)", "node", ["bench/peers/salutejs-server.cjs", "0"]],
          ["bare node:http (limit)", "node", ["bench/peers/bare-server.mjs", "0"]],
        ];
        for (const [name, cmd, args] of servers) {
          try {
            note(await measure(name, workload, round, await start(cmd, args)));
          } catch (err) {
            note({ bench: "webhook", round, name, workload, failed: err instanceof Error ? err.message : String(err) });
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (WORKLOADS.includes("http")) {
      note(await measureHttpMix(round));
      // The same with turns that free their worker at $http while others wait (off by default).
      note(await measureHttpMix(round, ["--http-suspends", "8"]));
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runWebhookBench((r) => console.log(JSON.stringify(r)));
}
