// Webhook throughput and latency: our runtime (SQLite store) vs @salutejs/scenario on express vs a
// bare node:http server, on a one-state "hello" and a three-turn $session workload. Each server is a
// child process; autocannon runs here with 50 connections for DURATION seconds after a warm-up.
// Prints one JSON line per (round, workload, server). Env: BENCH_DURATION (s, default 10),
// BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (default 50), BENCH_WEBHOOK_ROUNDS (default 1; the
// three servers are measured back to back within a round so their ratios share the machine's load).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 1);
const START_TIMEOUT_MS = 30_000;
const USERS = 1000;

const HELLO_SC = `theme: /
    state: Hello
        q!: * привет *
        a: Привет!
    state: NoMatch
        event!: noMatch
        a: Не понял
`;
const SESSION_SC = `theme: /
    state: Hello
        q!: * привет *
        a: Привет!
    state: Add
        q!: * добавь *
        script:
            $session.count = ($session.count || 0) + 1;
        a: Добавлено: {{$session.count}}
    state: Status
        q!: * сколько *
        a: Всего: {{$session.count || 0}}
    state: NoMatch
        event!: noMatch
        a: Не понял
`;

function makeProject(sc) {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-webhook-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench\nentryPoint: main.sc\n");
  writeFileSync(path.join(dir, "src", "main.sc"), sc);
  return dir;
}

function start(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SMARTPAY_URL: "http://127.0.0.1:9" } });
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
        resolve({ child, port: Number(m[1] ?? m[2]) });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => {
      if (err.length < 100_000) err += d;
    });
    child.once("exit", onExit);
  });
}

/** SIGTERM, and wait for the exit so the next server never shares the CPU with this one's shutdown. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const PHRASES = { hello: ["привет"], session: ["привет", "добавь", "сколько"] };

function message(id, user, text) {
  return JSON.stringify({
    messageId: id,
    sessionId: `s-${user}`,
    messageName: "MESSAGE_TO_SKILL",
    uuid: { userId: `u-${user}`, sub: `u-${user}`, userChannel: "B2C" },
    payload: {
      intent: "scenario",
      message: { original_text: text, normalized_text: text, human_normalized_text: text },
      app_info: { projectId: "bench", applicationId: "bench", frontendType: "DIALOG" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      device: { platformType: "android", surface: "SBERBOX" },
      meta: { time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 0 } },
      new_session: false,
    },
  });
}

function load(port, workload, seconds) {
  let counter = 0;
  const phrases = PHRASES[workload];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/webhook`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req) => {
              const n = counter++;
              const user = n % USERS;
              const turn = Math.floor(n / USERS) % phrases.length;
              return { ...req, body: message(n + 1, user, phrases[turn]) };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

async function measure(name, workload, round, server) {
  try {
    await load(server.port, workload, WARMUP);
    const r = await load(server.port, workload, DURATION);
    return { bench: "webhook", round, name, workload, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.non2xx + r.timeouts };
  } finally {
    await stop(server.child);
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
    for (const workload of ["hello", "session"]) {
      const dir = makeProject(workload === "hello" ? HELLO_SC : SESSION_SC);
      try {
        const servers = [
          ["runtime (sqlite)", "node", ["dist/cli/index.js", "serve", dir, "--port", "0", "--store", "sqlite", "--no-sandbox"]],
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
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runWebhookBench((r) => console.log(JSON.stringify(r)));
}
