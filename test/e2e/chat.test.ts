// `smartapp chat` on the bundled demo, driven through streams: phrases, button numbers, the slash
// commands, and a purchase paid through the pay-dialog outcome the chat offers after $reactions.pay.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { chat } from "../../src/cli/chat.js";
import { readConfig } from "../../src/cli/config.js";
import { PAY_OUTCOMES } from "../../src/payments/sandbox/pay-dialog.js";
import { terminal } from "../helpers/terminal.js";
import { repoRoot } from "./server.js";

// chat starts its own SmartPay sandbox only when no real SmartPay is configured: an empty environment.
const config = readConfig({});

async function session(lines: string[], project = repoRoot, watch = false): Promise<string> {
  const { input, output, text } = terminal();
  const running = chat(project, { modules: [], input, output, watch }, config);
  for (const l of lines) input.write(l + "\n");
  input.end();
  await running;
  return text();
}

/** The output of each input line: what was printed after its echo and before the next prompt. */
function turns(out: string): string[] {
  return out.split("> ").slice(1).map((t) => t.slice(t.indexOf("\n") + 1));
}

it("plays the demo: phrases, button numbers, /state, /session, /event, /reset and a paid purchase", async () => {
  const success = PAY_OUTCOMES.indexOf("success") + 1;
  const out = await session([
    "/start", // 0
    "1", // 1: the first button, «Каталог»
    "хочу слона", // 2
    "/state", // 3
    "/session", // 4
    "оформить", // 5: the pay dialog is offered
    String(success), // 6: pay
    "мои покупки", // 7
    '/event PAY_DIALOG_FINISHED {"payment_response": {"response_code": 5, "invoice_id": "1"}}', // 8
    "/reset", // 9
    "/session", // 10
    "/quit",
  ]);
  const t = turns(out);
  expect(out).toMatch(/^smartapp chat: "demo-shop"/);
  expect(t[0]).toContain("[text] (/Start) Добро пожаловать в магазин «Слоны и Ко»!");
  expect(t[0]).toContain("[buttons] (/Start) 1) Каталог  2) Корзина  3) Мои покупки");
  expect(out.match(/Каталог/g)).toHaveLength(1 + 1); // the buttons once, and the «Каталог» answer to button 1
  expect(t[1]).toContain("[text] (/Catalog) У нас есть: Слон — 1500 ₽");
  expect(t[2]).toContain("[text] (/AddItem) Добавил: Слон. В корзине: Слон × 1 на 1500 ₽.");
  expect(t[3]!.trim()).toBe('"/AddItem"');
  expect(JSON.parse(t[4]!)).toMatchObject({ cart: { elephant: 1 } });

  const invoice = /\[pay\] \(\/Checkout\) invoice (\S+)/.exec(t[5]!)?.[1];
  expect(invoice, t[5]).toBeTruthy();
  expect(t[5]).toContain("Открываю оплату: 1500 ₽.");
  expect(t[5]).toContain(`pay dialog for invoice ${invoice}: ` + PAY_OUTCOMES.map((o, i) => `${i + 1}) ${o}`).join("  "));

  expect(t[6]).toContain("pay dialog: success → response_code 0");
  expect(t[6]).toContain("[text] (/Payment/Paid) Оплата прошла, спасибо за покупку!");
  expect(t[7]).toContain("[text] (/Purchases) Ваши покупки: Слон × 1.");
  // The order was paid and forgotten: a stray PAY_DIALOG_FINISHED finds no order.
  expect(t[8]).toContain("[text] (/Payment/NoInvoice) Не нашёл заказа для этой оплаты.");
  expect(t[9]).toContain("session and client cleared");
  expect(JSON.parse(t[10]!)).toEqual({});
});

it("a declined payment offered by the chat ends as rejected, and another line cancels the dialog", async () => {
  const decline = PAY_OUTCOMES.indexOf("decline") + 1;
  const out = await session(["хочу жирафа", "оформить", String(decline), "оформить", "корзина"]);
  const t = turns(out);
  expect(t[2]).toContain("pay dialog: decline → response_code 5");
  expect(t[2]).toContain("[text] (/Payment/Rejected) Платёж отклонён.");
  // A phrase instead of an outcome closes the offer and is handled as a phrase.
  expect(t[3]).toContain("pay dialog for invoice");
  expect(t[4]).toContain("[text] (/Cart) В корзине: Жираф × 1. Итого 990 ₽.");
  expect(t[4]).not.toContain("pay dialog: ");
});

it("echoes piped lines, fires a scheduled timeout, sends Canvas state, shows script logs and error positions", async () => {
  const out = await session(["wait", "/timeout", "/canvas {\"screen\": \"cart\"}", "screen", "log", "broken"], path.join(repoRoot, "test/fixtures/chat"));
  expect(out).toContain("> wait\n");
  const t = turns(out);
  expect(t[0]).toContain("[text] (/Wait) waiting");
  expect(t[0]).toContain("(timeout to /Wait/Late in 2 s: /timeout fires it now)");
  expect(t[1]).toContain("[text] (/Wait/Late) too late");
  expect(t[3]).toContain("[text] (/Canvas) screen is cart");
  expect(t[4]).toContain("hello from the script");
  expect(t[4]).toContain("[text] (/Log) logged");
  expect(t[5]).toMatch(/! script error: src\/main\.sc:25:\d+: .*field/);
});

it("numbers a script's 200,000 buttons and presses the last one by its number", async () => {
  const out = await session(["many", "200000"], path.join(repoRoot, "test/fixtures/chat"));
  const t = turns(out);
  expect(t[0]).toContain("200000) b200000");
  expect(t[0]).not.toContain("! ");
  expect(t[1]).toContain("[text] (/LastButton) pressed the last"); // the button's text was sent
});

it("reloads the project when a file is saved, and keeps the conversation", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "smartapp-chat-watch-"));
  cpSync(path.join(repoRoot, "test/fixtures/chat"), dir, { recursive: true });
  try {
    const { input, output, text } = terminal();
    const running = chat(dir, { modules: [], input, output, watch: true }, config);
    input.write("count\n");
    await expect.poll(text, { timeout: 20_000 }).toContain("[text] (/Count) 1");
    const main = path.join(dir, "src/main.sc");
    writeFileSync(main, readFileSync(main, "utf8").replace("a: logged", "a: logged anew"));
    await expect.poll(text, { timeout: 15_000 }).toMatch(/src\/main\.sc changed: reloaded/);
    input.write("log\ncount\n");
    input.end();
    await running;
    expect(text()).toContain("[text] (/Log) logged anew");
    expect(text()).toContain("[text] (/Count) 2");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("/why explains the last turn: candidates, the winner and why, logs, errors with file:line:col, the session diff", async () => {
  const out = await session(["/why", "log", "/why", "broken", "/why", "count", "/why"], path.join(repoRoot, "test/fixtures/chat"));
  const t = turns(out);
  expect(t[0]).toContain("nothing to explain yet: send a phrase first");
  // The one-line nlu summary stays on every turn.
  expect(t[1]).toContain("nlu: no intent; selected pattern → /Log (1.00)");
  expect(t[2]).toContain('turn: text "log" in /');
  expect(t[2]).toContain("✓ q!: log → /Log (src/main.sc:16, global, score 1, weight 1.00)");
  expect(t[2]).toContain("log [info] hello from the script (/Log)");
  expect(t[2]).toContain("executed: /Log; context / → /Log");
  expect(t[4]).toMatch(/error: script at src\/main\.sc:25:\d+ in \/Broken: .*field.* → nothing \(no handler, no messages\.onError\)/);
  expect(t[6]).toContain("$session: +n = 1");
});

it("pays a YooKassa link in the local emulator with /pay and shows the payment event's turn", async () => {
  const out = await session(["/pay", "хочу слона", "юкасса", "/pay", "корзина", "/quit"]);
  const t = turns(out);
  expect(t[0]).toContain("no YooKassa link yet");
  const paymentId = /YooKassa link of payment (\S+): \/pay pays it in the local emulator/.exec(t[2]!)?.[1];
  expect(paymentId, t[2]).toBeTruthy();
  expect(t[2]).toContain("[text] (/YooKassaCheckout) Оплата картой через ЮKassa: 1500 ₽.");
  expect(t[2]).toContain("[inlineButtons] (/YooKassaCheckout) 1) Оплатить 1500 ₽");
  expect(t[3]).toContain(`YooKassa payment ${paymentId}: pay → succeeded`);
  expect(t[3]).toContain("[payment event payment.succeeded]");
  expect(t[3]).toContain("[text] (/PaymentSucceeded) Оплата заказа прошла, спасибо за покупку!");
  expect(t[4]).toContain("Корзина пуста.");
}, 60_000);

