// Webhook throughput and latency: our runtime (SQLite store) vs @salutejs/scenario on express vs a
// bare node:http server, on a one-state "hello" and a three-turn $session workload. Each server is a
// child process; autocannon runs here with 50 connections for DURATION seconds after a warm-up.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = 50;
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
    const onData = (d) => {
      out += d;
      const m = /listening (\d+)|at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        resolve({ child, port: Number(m[1] ?? m[2]) });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", () => undefined);
    child.once("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}: ${out}`)));
  });
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

async function measure(name, workload, server) {
  try {
    await load(server.port, workload, WARMUP);
    const r = await load(server.port, workload, DURATION);
    return { name, workload, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
  } finally {
    server.child.kill("SIGTERM");
  }
}

export async function runWebhookBench() {
  const results = [];
  for (const workload of ["hello", "session"]) {
    const dir = makeProject(workload === "hello" ? HELLO_SC : SESSION_SC);
    try {
      results.push(await measure("runtime (sqlite)", workload, await start("node", ["dist/cli/index.js", "serve", dir, "--port", "0", "--store", "sqlite", "--no-sandbox"])));
      results.push(await measure("@salutejs/scenario (memory)", workload, await start("node", ["bench/peers/salutejs-server.cjs", "0"])));
      results.push(await measure("bare node:http (limit)", workload, await start("node", ["bench/peers/bare-server.mjs", "0"])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runWebhookBench()) console.log(JSON.stringify(r));
}
