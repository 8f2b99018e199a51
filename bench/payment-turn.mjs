// A payment turn end to end: the SmartPay sandbox (dist's startSandbox) in this process, and
// `smartapp serve` on the demo shop at the repo root as a child process with SMARTPAY_URL /
// SMARTPAY_TOKEN pointing at the sandbox (store: memory, so the repo gets no session file).
// Per round, one fresh user: "хочу слона" (not timed), then timed over HTTP
//   checkout:  "оформить заказ" → createPayment against the sandbox → POLICY_RUN_APP
//   finished:  the pay dialog pays the invoice in the sandbox, PAY_DIALOG_FINISHED → checkPayment → "paid"
// Prints {bench, turn, rounds, medianMs, p90Ms} per turn. Env: BENCH_PAY_ROUNDS (default 40).
// Run after `npm run build`: node bench/payment-turn.mjs
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { fetch } from "undici";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (rel) => pathToFileURL(path.join(root, "dist", rel)).href;
const { startSandbox } = await import(dist("payments/sandbox/server.js"));
const { buildPayDialogFinished, invoiceIdOf, playPayDialog, parseExact, stringifyExact } = await import(dist("payments/sandbox/pay-dialog.js"));

const ROUNDS = Number(process.env.BENCH_PAY_ROUNDS ?? 40);
const WARMUP = 5;
const TOKEN = "bench-smartpay-token";
const PAID = "Оплата прошла, спасибо за покупку!";

function startServe(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/cli/index.js", "serve", ".", "--port", "0", "--store", "memory"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    const onData = (d) => {
      out += d;
      const m = /at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        child.stdout.resume();
        child.off("exit", onExit);
        resolve({ child, url: `http://127.0.0.1:${m[1]}` });
      }
    };
    const onExit = (code) => reject(new Error(`smartapp serve exited with ${code}: ${out}${err.slice(-2000)}`));
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => {
      if (err.length < 100_000) err += d;
    });
    child.once("exit", onExit);
  });
}

let nextId = 1_000_000;
function say(text, user) {
  return {
    messageId: (nextId += 10),
    sessionId: `session-${user}`,
    messageName: "MESSAGE_TO_SKILL",
    uuid: { userId: `uid-${user}`, sub: `sub-${user}`, userChannel: "B2C" },
    payload: {
      intent: "scenario",
      message: { original_text: text, normalized_text: text },
      app_info: { projectId: "project-1", applicationId: "app-1", frontendType: "DIALOG" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      device: { platformType: "android", surface: "SBERBOX", deviceId: "d1" },
      meta: { time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 1700000000000 } },
      new_session: false,
    },
  };
}

async function post(url, body) {
  const res = await fetch(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: stringifyExact(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${text.slice(0, 300)}`);
  return parseExact(text);
}

const bubbles = (answer) => (answer?.payload?.items ?? []).filter((i) => i.bubble).map((i) => i.bubble.text);

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

function summary(turn, samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { bench: "payment-turn", turn, rounds: s.length, medianMs: Number(at(0.5).toFixed(2)), p90Ms: Number(at(0.9).toFixed(2)) };
}

const sandbox = await startSandbox({ tokens: [TOKEN] });
let server;
try {
  server = await startServe({ SMARTPAY_URL: sandbox.smartPayUrl, SMARTPAY_TOKEN: TOKEN });
  const checkout = [];
  const finished = [];
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const user = `bench-${process.pid}-${round}`;
    const added = await post(server.url, say("хочу слона", user));
    if (!/^Добавил:/.test(bubbles(added)[0] ?? "")) throw new Error(`adding to the cart answered ${JSON.stringify(added).slice(0, 300)}`);

    const request = say("оформить заказ", user);
    const co = await timed(() => post(server.url, request));
    if (co.value?.messageName !== "POLICY_RUN_APP") throw new Error(`checkout answered ${JSON.stringify(co.value).slice(0, 300)}`);

    const invoiceId = invoiceIdOf(co.value);
    const { responseCode } = playPayDialog(sandbox.core, invoiceId, "success", { payer: `sub-${user}` });
    const finishedMsg = buildPayDialogFinished(request, co.value, invoiceId, responseCode);
    const fin = await timed(() => post(server.url, finishedMsg));
    if (bubbles(fin.value)[0] !== PAID) throw new Error(`PAY_DIALOG_FINISHED answered ${JSON.stringify(fin.value).slice(0, 300)}`);

    if (round >= WARMUP) {
      checkout.push(co.ms);
      finished.push(fin.ms);
    }
  }
  console.log(JSON.stringify(summary("checkout (cart → createPayment → POLICY_RUN_APP)", checkout)));
  console.log(JSON.stringify(summary("PAY_DIALOG_FINISHED → checkPayment → paid", finished)));
} finally {
  if (server) {
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  }
  await sandbox.close();
}
