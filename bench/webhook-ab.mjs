// A/B of the webhook's own cost: `smartapp serve` from two (or more) built trees, alternated
// A/B/A/B in one run, on the "hello" or "session" workload of bench/webhook.mjs. Prints per server
// CPU ms/request (all threads, /proc), main-thread allocation KB/request and GC counts/pauses
// (bench/peers/alloc-probe.cjs), requests/s and p99; then the medians per tree. CPU and allocation
// per request are the robust numbers on a shared machine; requests/s and p99 move with its load.
// Usage: node bench/webhook-ab.mjs <root-A> <root-B> [...]   (each root holds dist/ and node_modules;
// "<root>,<node flag>,..." runs that root with extra node flags, e.g. ".,--max-semi-space-size=32")
// Env: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 50),
// BENCH_AB_ROUNDS (default 3), BENCH_AB_WORKLOAD (hello|session, default hello),
// BENCH_AB_STORE (sqlite|memory, default sqlite), BENCH_AB_NODE_FLAGS (extra node flags for every server).
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { message } from "./lib/message.mjs";
import { onProbeLines } from "./lib/probe-lines.mjs";
import { HELLO_SC, SESSION_SC, makeProject } from "./lib/projects.mjs";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const roots = process.argv.slice(2);
if (roots.length < 1) throw new Error("usage: node bench/webhook-ab.mjs <root-A> <root-B> [...]");
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const WORKLOAD = process.env.BENCH_AB_WORKLOAD ?? "hello";
const STORE = process.env.BENCH_AB_STORE ?? "sqlite";
const NODE_FLAGS = (process.env.BENCH_AB_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const USERS = 1000;

const SC = { hello: HELLO_SC, session: SESSION_SC };
const PHRASES = { hello: ["привет"], session: ["привет", "добавь", "сколько"] };

/** The flags `smartapp` restarts itself with in that tree (src/cli/launch-flags.ts; older trees: the snapshot flag). */
async function launchFlagsOf(root) {
  try {
    return (await import(path.join(root, "dist/cli/launch-flags.js"))).launchFlags([]);
  } catch {
    return ["--no-node-snapshot"];
  }
}

async function start(spec, dir) {
  const [rootArg, ...flags] = spec.split(",");
  const root = path.resolve(rootArg);
  const args = ["--require", path.join(here, "bench/peers/alloc-probe.cjs"), ...(await launchFlagsOf(root)), ...NODE_FLAGS, ...flags, path.join(root, "dist/cli/index.js"), "serve", dir, "--port", "0", "--store", STORE, "--no-sandbox"];
  return await new Promise((resolve, reject) => {
    const child = spawn("node", args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SMARTPAY_URL: "http://127.0.0.1:9" } });
    let out = "";
    const probes = [];
    child.probes = probes;
    onProbeLines(child.stderr, (probe) => probes.push(probe));
    const onData = (d) => {
      out += d;
      const m = /listening (\d+)|at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolve({ child, port: Number(m[1] ?? m[2]) });
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

function load(port, seconds, base) {
  let counter = 0;
  const phrases = PHRASES[WORKLOAD];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/webhook`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [{
          method: "POST",
          headers: { "content-type": "application/json" },
          setupRequest: (req) => {
            const n = counter++;
            return { ...req, body: message(base + n + 1, n % USERS, phrases[Math.floor(n / USERS) % phrases.length]) };
          },
        }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function once(root) {
  const dir = makeProject(SC[WORKLOAD]);
  const server = await start(root, dir);
  try {
    await load(server.port, WARMUP, 0);
    const cpu0 = cpuMs(server.child.pid);
    server.child.kill("SIGUSR2");
    const r = await load(server.port, DURATION, 10_000_000);
    server.child.kill("SIGUSR2");
    const cpu = cpuMs(server.child.pid) - cpu0;
    const deadline = Date.now() + 2000;
    while (server.child.probes.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const probe = server.child.probes.shift() ?? {};
    const n = r.requests.total;
    return { root, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, cpuMsPerReq: cpu / n, allocKbPerReq: probe.allocBytes / 1024 / n, ...(probe.gc ?? {}) };
  } finally {
    const exited = new Promise((res) => server.child.once("exit", res));
    server.child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const all = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const root of roots) {
    const r = await once(root);
    all.push(r);
    console.log(JSON.stringify({ round, ...r }));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const root of roots) {
  const rs = all.filter((r) => r.root === root);
  const keys = Object.keys(rs[0]).filter((k) => typeof rs[0][k] === "number");
  console.log(`median ${root}: ` + keys.map((k) => `${k}=${+median(rs.map((r) => r[k])).toFixed(3)}`).join(" "));
}
