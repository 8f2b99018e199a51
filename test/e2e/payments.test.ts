// A whole purchase over HTTP against the real `smartapp serve` on the bundled demo shop, with the
// SmartPay sandbox in this process: the webhook asks for the pay dialog (POLICY_RUN_APP, §4.2), the
// pay-dialog emulator moves the invoice and re-enters with PAY_DIALOG_FINISHED (§4.3), the scenario
// checks the invoice with SmartPay and SmartStore lists the purchase. Then every way it can fail.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/payments/sandbox/server.js";
import type { SandboxClock } from "../../src/payments/sandbox/core.js";
import { runPayDialog, type PayOutcome } from "../../src/payments/sandbox/pay-dialog.js";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";
import { ledgerPlaces, type LedgerPlace } from "../../src/payments/core/testing/ledger-env.js";
import type { LedgerStoreConfig } from "../../src/payments/core/open-store.js";

const TOKEN = "e2e-smartpay-token";
const PAID = "Оплата прошла, спасибо за покупку!";

// Our own messageIds, far apart: PAY_DIALOG_FINISHED uses the answer's messageId + 1, and a retried
// messageId would get the cached answer.
let nextId = 5_000_000;
const text = (phrase: string, user: string) => ({ ...say(phrase, user), messageId: (nextId += 10) });

async function turn(server: RunningServer, phrase: string, user: string) {
  const request = text(phrase, user);
  const r = await post(server.url, request);
  expect(r.status).toBe(200);
  return { request, answer: r.json, bubbles: bubbles(r.json) };
}

/** Fill the cart and check out: the POLICY_RUN_APP answer and the request it answered. */
async function checkout(server: RunningServer, user: string, phrases = ["хочу слона"]) {
  for (const p of phrases) expect((await turn(server, p, user)).bubbles[0]).toMatch(/^Добавил:/);
  return turn(server, "оформить заказ", user);
}

async function pay(server: RunningServer, sandbox: Sandbox, co: { request: any; answer: any }, outcome: PayOutcome, messageName: "RUN_APP" | "SERVER_ACTION" = "RUN_APP") {
  const r = await runPayDialog(sandbox.core, { webhookUrl: `${server.url}/webhook`, request: co.request, answer: co.answer, outcome, messageName });
  expect(r.status).toBe(200);
  return { ...r, bubbles: bubbles(r.answer) };
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("payments end to end: smartapp serve + SmartPay sandbox", () => {
  let sandbox: Sandbox;
  let server: RunningServer;

  beforeAll(async () => {
    sandbox = await startSandbox({ tokens: [TOKEN] });
    server = await startServe(repoRoot, ["--store", "memory"], { SMARTPAY_URL: sandbox.smartPayUrl, SMARTPAY_TOKEN: TOKEN, SMARTPAY_TIMEOUT_MS: "300" });
  });
  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
  });

  it("buys an elephant: POLICY_RUN_APP → pay dialog → PAY_DIALOG_FINISHED (RUN_APP) → confirmed → listed in purchases", async () => {
    const user = "buyer";
    const co = await checkout(server, user, ["хочу слона", "и жирафа"]);
    const a = co.answer;
    expect(a.messageName).toBe("POLICY_RUN_APP");
    const invoiceId = a.payload.server_action.parameters.invoice_id;
    expect(typeof invoiceId).toBe("string");
    // The exact wire form of §4.2: ids echoed, server_action for payment_app with the caller's projectId.
    expect(a).toEqual({
      messageName: "POLICY_RUN_APP",
      messageId: co.request.messageId,
      sessionId: co.request.sessionId,
      uuid: co.request.uuid,
      payload: {
        ...(a.payload.pronounceText !== undefined ? { pronounceText: a.payload.pronounceText } : {}),
        projectName: a.payload.projectName,
        device: co.request.payload.device,
        server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: invoiceId, app_info: { projectId: "project-1" } } },
      },
    });
    expect(a.payload.items).toBeUndefined();
    const inv = sandbox.core.get(invoiceId);
    expect(inv.status).toBe("created");
    expect(inv.request.invoice.order).toMatchObject({ amount: 249000, currency: "RUB", service_id: "27" });
    expect(inv.request.user_id).toEqual({ encrypted_sub_id: `sub-${user}` });

    const done = await pay(server, sandbox, co, "success");
    expect(done.responseCode).toBe(0);
    expect(done.sent.messageName).toBe("RUN_APP");
    expect((done.answer as any).messageName).toBe("ANSWER_TO_USER");
    expect(done.bubbles).toEqual([PAID]);
    expect(sandbox.core.get(invoiceId).status).toBe("confirmed");

    expect((await turn(server, "мои покупки", user)).bubbles).toEqual(["Ваши покупки: Слон × 1, Жираф × 1."]);
    expect((await turn(server, "корзина", user)).bubbles).toEqual(["Корзина пуста."]);
  });

  it("a refund through the payment core: «верни деньги» refunds the paid order once; a retried request answers the same; a second ask finds nothing left", async () => {
    const user = "refunder";
    const co = await checkout(server, user, ["хочу зебру"]);
    const invoiceId = co.answer.payload.server_action.parameters.invoice_id;
    expect((await pay(server, sandbox, co, "success")).bubbles).toEqual([PAID]);
    const ask = await turn(server, "верни деньги", user);
    expect(ask.bubbles).toEqual(["Оформил возврат: 450,50 ₽ вернутся на карту."]);
    const inv = sandbox.core.get(invoiceId);
    expect(inv.status).toBe("refunded");
    // The documented body: current_amount, refund_amount and the bundle (the invoice's own, for everything left).
    expect(inv.refunds).toHaveLength(1);
    expect(inv.refunds[0]).toMatchObject({ amount: 45050, items: [{ item_code: "zebra", quantity: 1 }] });
    // The assistant retries the same request: the cached answer, no second refund.
    const retried = await post(server.url, ask.request);
    expect(bubbles(retried.json)).toEqual(ask.bubbles);
    expect(await turn(server, "верни деньги", user).then((t) => t.bubbles[0])).toMatch(/^Не удалось оформить возврат: nothing is left to refund of payment .* \(captured 45050, refunded 45050\)/);
    expect(sandbox.core.get(invoiceId).refunds).toHaveLength(1);
    expect((await turn(server, "мои покупки", user)).bubbles).toEqual(["Покупок пока нет."]);
  });

  it("PAY_DIALOG_FINISHED as SERVER_ACTION works the same way", async () => {
    const co = await checkout(server, "server-action", ["зебру"]);
    const done = await pay(server, sandbox, co, "success", "SERVER_ACTION");
    expect(done.sent.messageName).toBe("SERVER_ACTION");
    expect(done.bubbles).toEqual([PAID]);
  });

  it("closing the dialog after paying (code 2) ends as paid: the invoice decides", async () => {
    const co = await checkout(server, "closer");
    const done = await pay(server, sandbox, co, "close-after-pay");
    expect(done.responseCode).toBe(2);
    expect(done.bubbles).toEqual([PAID]);
    expect((await turn(server, "мои покупки", "closer")).bubbles).toEqual(["Ваши покупки: Слон × 1."]);
  });

  it("closing the dialog before paying (code 2) keeps the cart", async () => {
    const co = await checkout(server, "hesitant");
    const done = await pay(server, sandbox, co, "close-before-pay", "SERVER_ACTION");
    expect(done.bubbles).toEqual(["Оплата не завершена (статус счёта: created). Корзина сохранена — можно попробовать ещё раз."]);
    expect((await turn(server, "корзина", "hesitant")).bubbles).toEqual(["В корзине: Слон × 1. Итого 1500 ₽."]);
  });

  it("a declined payment (5) is reported and the invoice is cancelled", async () => {
    const co = await checkout(server, "declined");
    const done = await pay(server, sandbox, co, "decline");
    expect(done.responseCode).toBe(5);
    expect(done.bubbles).toEqual(["Платёж отклонён. Попробуйте другой способ оплаты."]);
    expect(sandbox.core.get(done.invoiceId).status).toBe("cancelled");
    expect((await turn(server, "мои покупки", "declined")).bubbles).toEqual(["Покупок пока нет."]);
  });

  it("an expired invoice (4) asks for a new order, which gets a new invoice", async () => {
    const co = await checkout(server, "late");
    const done = await pay(server, sandbox, co, "expired");
    expect(done.responseCode).toBe(4);
    expect(done.bubbles).toEqual(["Время на оплату истекло. Оформите заказ заново."]);
    expect(sandbox.core.get(done.invoiceId).status).toBe("cancelled");
    const again = await turn(server, "оформить", "late");
    expect(again.answer.messageName).toBe("POLICY_RUN_APP");
    expect(again.answer.payload.server_action.parameters.invoice_id).not.toBe(done.invoiceId);
  });

  it("an unknown outcome (6) is pending until the invoice settles, then paid", async () => {
    const co = await checkout(server, "unsure");
    const r = await runPayDialog(sandbox.core, { webhookUrl: `${server.url}/webhook`, request: co.request, answer: co.answer, outcome: "unknown", settleMs: 300 });
    expect(bubbles(r.answer)).toEqual(["Платёж ещё обрабатывается. Скажите «проверить оплату» через минуту."]);
    await new Promise((res) => setTimeout(res, 500));
    expect((await turn(server, "проверить оплату", "unsure")).bubbles).toEqual([PAID]);
  });

  it("checking out again while the invoice is being paid makes no second payable invoice", async () => {
    const user = "twice";
    const co = await checkout(server, user);
    const first = co.answer.payload.server_action.parameters.invoice_id;
    const r = await runPayDialog(sandbox.core, { webhookUrl: `${server.url}/webhook`, request: co.request, answer: co.answer, outcome: "unknown", settleMs: 60_000 });
    expect(bubbles(r.answer)).toEqual(["Платёж ещё обрабатывается. Скажите «проверить оплату» через минуту."]);
    expect((await turn(server, "оформить заказ", user)).bubbles).toEqual(["Платёж ещё обрабатывается. Скажите «проверить оплату» через минуту."]);
    const mine = () => sandbox.core.list().filter((i) => i.request.user_id?.encrypted_sub_id === `sub-${user}`);
    expect(mine().map((i) => i.id)).toEqual([first]);
    // Back to created (the payer left the form): the same invoice is shown again, still only one.
    sandbox.core.setStatus(first, "cancelled");
    const user2 = "twice-open";
    const co2 = await checkout(server, user2);
    const again = await turn(server, "оформить заказ", user2);
    expect(again.answer.payload.server_action.parameters.invoice_id).toBe(co2.answer.payload.server_action.parameters.invoice_id);
    expect(sandbox.core.list().filter((i) => i.request.user_id?.encrypted_sub_id === `sub-${user2}`)).toHaveLength(1);
  });

  it("a create that times out is retried safely: one invoice for the order", async () => {
    const user = "slow-create";
    await turn(server, "хочу слона", user);
    sandbox.inject({ method: "POST", path: "/smartpay/v1/invoices", latencyMs: 1500, times: 1 }); // the invoice is made, the answer comes too late
    try {
      const co = await turn(server, "оформить", user);
      expect(co.answer.messageName, JSON.stringify(co.answer) + server.output().slice(-3000)).toBe("POLICY_RUN_APP");
      const invoiceId = co.answer.payload.server_action.parameters.invoice_id;
      const mine = sandbox.core.list().filter((i) => i.request.user_id?.encrypted_sub_id === `sub-${user}`);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.id).toBe(invoiceId);
      expect(sandbox.core.findByOrder("27", mine[0]!.orderId).id).toBe(invoiceId);
    } finally {
      sandbox.clearFaults();
    }
  });
});

describe("payments end to end: SmartPay failures reach the user as answers", () => {
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await sandbox?.close();
  });

  it("a SmartPay slower than the webhook's deadline: no ERROR 504, the user hears the invoice is being prepared, and 'pay' again opens that invoice", async () => {
    const server = await startServe(repoRoot, ["--store", "memory"], { SMARTPAY_URL: sandbox.smartPayUrl, SMARTPAY_TOKEN: TOKEN });
    servers.push(server);
    const user = "slow-smartpay";
    await turn(server, "хочу слона", user);
    // SmartPay makes the invoice but answers after 8 s; the webhook must answer within 6 s.
    sandbox.inject({ method: "POST", path: "/smartpay/v1/invoices", latencyMs: 8000, when: "after", times: 1 });
    try {
      const started = Date.now();
      const co = await turn(server, "оформить заказ", user);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(co.answer.messageName, JSON.stringify(co.answer)).toBe("ANSWER_TO_USER");
      expect(co.bubbles).toEqual(["Счёт ещё готовится. Скажите «оплатить» ещё раз через несколько секунд."]);
      const mine = () => sandbox.core.list().filter((i) => i.request.user_id?.encrypted_sub_id === `sub-${user}`);
      expect(mine()).toHaveLength(1);
      const again = await turn(server, "оплатить", user);
      expect(again.answer.messageName).toBe("POLICY_RUN_APP");
      expect(again.answer.payload.server_action.parameters.invoice_id).toBe(mine()[0]!.id);
      expect(mine()).toHaveLength(1);
    } finally {
      sandbox.clearFaults();
    }
  }, 45_000); // a server start and an 8 s SmartPay hold: 19 s alone, more under the full suite

  it("a wrong token (401) is the scenario's failure answer", async () => {
    const server = await startServe(repoRoot, ["--store", "memory"], { SMARTPAY_URL: sandbox.smartPayUrl, SMARTPAY_TOKEN: "not-the-token" });
    servers.push(server);
    const co = await checkout(server, "wrong-token");
    expect(co.answer.messageName).toBe("ANSWER_TO_USER");
    expect(co.bubbles).toEqual(["Не получилось выставить счёт: Ошибка авторизации."]);
    expect(server.output()).not.toContain("not-the-token");
  });

  it("SmartPay unreachable is the scenario's failure answer, and the server keeps serving", async () => {
    const port = await closedPort();
    const server = await startServe(repoRoot, ["--store", "memory"], { SMARTPAY_URL: `http://127.0.0.1:${port}/smartpay/v1`, SMARTPAY_TOKEN: TOKEN });
    servers.push(server);
    const co = await checkout(server, "offline");
    expect(co.bubbles).toEqual(["Не получилось выставить счёт: Платёжный сервис не ответил. Попробуйте позже."]);
    expect((await turn(server, "мои покупки", "offline")).bubbles).toEqual(["Не удалось получить список покупок: Платёжный сервис не ответил. Попробуйте позже."]);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await turn(server, "корзина", "offline")).bubbles).toEqual(["В корзине: Слон × 1. Итого 1500 ₽."]);
  });

  it('"$pay_api_key" and $secrets resolve from SMARTAPP_SECRET_<name> in the worker and on the main thread alike', async () => {
    const { mkdirSync, mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(tmpdir(), "e2e-secret-"));
    writeFileSync(
      path.join(dir, "chatbot.yaml"),
      "name: secret-check\nentryPoint: main.sc\nscriptsPreLoad:\n  local:\n    - /jsapi/reactions.js\n    - /jsapi/payment.js\ninjector:\n  service_id: \"5\"\n",
    );
    mkdirSync(path.join(dir, "src"));
    writeFileSync(
      path.join(dir, "src", "main.sc"),
      [
        "theme: /",
        "    state: Check",
        "        q!: *",
        "        script:",
        '            $temp.known = $secrets.get("pay_api_key") ? "есть" : "нет";',
        '            var r = $payment.checkPayment("424242", $pay_api_key);',
        "            $temp.code = r.code;",
        "        a: секрет {{$temp.known}}, SmartPay {{$temp.code}}",
        "",
      ].join("\n"),
    );
    try {
      const server = await startServe(dir, ["--store", "memory"], { SMARTPAY_URL: sandbox.smartPayUrl, SMARTAPP_SECRET_pay_api_key: TOKEN, SMARTPAY_TOKEN: "" });
      servers.push(server);
      // Authorised by the secret (404: no such invoice), seen by the script too.
      expect((await turn(server, "проверь", "secret")).bubbles).toEqual(["секрет есть, SmartPay 404"]);
      expect(server.output()).not.toContain(TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


// The same restart on every ledger store: a SQLite file, Redis (a key prefix) and PostgreSQL (a schema).
const ledgers = await ledgerPlaces("payments e2e restart");
for (const { kind, make } of ledgers) describe.skipIf(!make)(`payments end to end: a restart in the middle of a payment loses nothing (${kind} ledger)`, () => {
  let sandbox: Sandbox;
  let dir: string;
  const servers: RunningServer[] = [];
  let place: LedgerPlace;
  let ledgerConfig: LedgerStoreConfig;
  let ledgerEnv: Record<string, string> = {};

  beforeAll(async () => {
    const { cpSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    sandbox = await startSandbox({ tokens: [TOKEN] });
    // A copy of the demo shop, so its session store and payment ledger (.smartapp/) are this test's own.
    dir = mkdtempSync(path.join(tmpdir(), "e2e-pay-restart-"));
    cpSync(path.join(repoRoot, "chatbot.yaml"), path.join(dir, "chatbot.yaml"));
    cpSync(path.join(repoRoot, "scenarios"), path.join(dir, "scenarios"), { recursive: true });
    place = make!();
    const c = place.config();
    ledgerConfig = c.kind === "sqlite" ? { kind: "sqlite", file: path.join(dir, ".smartapp", "payments.db") } : c;
    if (c.kind === "postgres") ledgerEnv = { PAYMENTS_STORE: "postgres", PAYMENTS_DATABASE_URL: c.url, PAYMENTS_DATABASE_SCHEMA: c.schema! };
    if (c.kind === "redis") ledgerEnv = { PAYMENTS_STORE: "redis", PAYMENTS_DATABASE_URL: c.url, SMARTAPP_REDIS_PREFIX: c.prefix! };
  });
  afterAll(async () => {
    const { rmSync } = await import("node:fs");
    for (const s of servers) await s.stop("SIGKILL");
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
    await place?.drop();
  });

  const start = async () => {
    const server = await startServe(dir, ["--store", "sqlite"], { SMARTPAY_URL: sandbox.smartPayUrl, SMARTPAY_TOKEN: TOKEN, ...ledgerEnv });
    servers.push(server);
    return server;
  };

  async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (ok(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it("paid while the server was down: after the restart the core finds the payment, the dialog hears payment.succeeded once, the ledger has one capture", async () => {
    const first = await start();
    const user = "restart";
    const co = await checkout(first, user, ["хочу слона"]);
    const invoiceId = co.answer.payload.server_action.parameters.invoice_id;
    // An orphan too: a second user's create whose answer never came (the server dies while it waits).
    const orphanUser = "restart-orphan";
    await turn(first, "хочу жирафа", orphanUser);
    sandbox.inject({ method: "POST", path: "/smartpay/v1/invoices", latencyMs: 20_000, when: "after", times: 1 });
    const orphanCall = post(first.url, text("оформить заказ", orphanUser)).catch(() => undefined);
    await until(async () => sandbox.core.list().filter((i) => i.request.user_id?.encrypted_sub_id === `sub-${orphanUser}`).length, (n) => n === 1, 5_000);

    await first.stop("SIGKILL");
    await orphanCall;
    sandbox.clearFaults();
    // The user pays in the assistant's dialog while our server is down: no PAY_DIALOG_FINISHED reaches us.
    sandbox.core.setStatus(invoiceId, "confirmed");
    const orphan = sandbox.core.list().find((i) => i.request.user_id?.encrypted_sub_id === `sub-${orphanUser}`)!;

    const second = await start();
    // The payment.succeeded event turn empties the cart of the paid order, without the user saying anything.
    const cart = await until(async () => (await turn(second, "корзина", user)).bubbles, (b) => b[0] === "Корзина пуста.");
    expect(cart).toEqual(["Корзина пуста."]);

    const { payments } = await import("../../src/cli/payments.js");
    let shown = "";
    // The orphan (made, never shown) is adopted by its order, then reconciled when SmartPay expires it.
    const ledger = async () => {
      let out = "";
      await payments("list", undefined, { dir, ledger: ledgerConfig }, (s) => (out += s));
      return out;
    };
    expect(await until(ledger, (l) => l.includes(`smartpay ${orphan.id} (created)`))).toContain(`smartpay ${orphan.id} (created)`);
    (sandbox.core.clock as SandboxClock).advance(21 * 60_000);
    // The list reads each invoice, then its attempt: wait for both to show the end (a read between the two may see one).
    const ended = new RegExp(`canceled .* smartpay ${orphan.id} \\(cancelled\\)`);
    expect(await until(ledger, (l) => ended.test(l))).toMatch(ended);
    expect(await payments("show", invoiceId, { dir, ledger: ledgerConfig }, (s) => (shown += s))).toBe(0);
    expect(shown).toMatch(/status paid/);
    expect(shown.match(/^ledger .* capture /gm)).toHaveLength(1);
    expect(shown.match(/^event .* payment\.succeeded {2}delivered/gm)).toHaveLength(1);
    let listed = "";
    expect(await payments("list", undefined, { dir, ledger: ledgerConfig }, (s) => (listed += s))).toBe(0);
    expect(listed).toMatch(new RegExp(`paid .* smartpay ${invoiceId} \\(confirmed\\)`));
    expect(listed).toContain("2 payment(s)");

    // A third start delivers nothing again.
    await second.stop("SIGTERM");
    const third = await start();
    await new Promise((r) => setTimeout(r, 1500));
    let again = "";
    await payments("show", invoiceId, { dir, ledger: ledgerConfig }, (s) => (again += s));
    expect(again.match(/^event /gm)).toHaveLength(1);
    expect((await turn(third, "корзина", user)).bubbles).toEqual(["Корзина пуста."]);
  }, 150_000);
});
