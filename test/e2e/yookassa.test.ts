// A YooKassa purchase over HTTP against the real `smartapp serve` (a child process) on the bundled demo
// shop: the link comes back as a button, the payer pays on the emulator's checkout page, YooKassa's
// notification is confirmed by a GET before anything changes, the typed event reaches the dialog
// (the cart is emptied), and the merchant's URL receives the seed-000 notifications, signed. Then
// what must change nothing: a forged notification, five copies of a real one, a restart in between.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentStore } from "../../src/payments/core/store.js";
import { payments } from "../../src/cli/payments.js";
import { sign } from "../../src/payments/merchant-webhooks/dispatcher.js";
import type { MerchantNotification } from "../../src/payments/merchant-webhooks/format.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { demoCopy, dialogTurns, poller } from "../helpers/demo-serve.js";
import { httpReceiver } from "../helpers/http-receiver.js";
import { repoRoot, startServe, type RunningServer } from "./server.js";

const SECRET = "merchant-e2e-secret";
const turn = dialogTurns(9_000_000);
const linkOf = (text: string) => /"deep_link":"([^"]+__checkout\/[^"]+)"/.exec(text)?.[1];

const until = poller(15_000);

/** The merchant: accepts everything with 200 and records the exact bytes. */
const merchant = () => httpReceiver<MerchantNotification>();

describe("YooKassa end to end: the demo shop on the local sandbox's emulator, out of the box", () => {
  let server: RunningServer;
  const shop = merchant();

  beforeAll(async () => {
    const hook = await shop.start();
    server = await startServe(repoRoot, ["--store", "memory"], { SMARTAPP_MERCHANT_NOTIFY_URL: hook, SMARTAPP_MERCHANT_NOTIFY_SECRET: SECRET }, { sandbox: true });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await shop.stop();
  });

  it("link button → checkout page → pay → notification → payment.succeeded in the dialog → merchant notified", async () => {
    expect(server.output()).toMatch(/YooKassa shop sandbox-shop at http:\/\/[\d.:]+\/yookassa\/v3; notifications: POST http:\/\/[\d.:]+\/payments\/yookassa\/sandbox-shop\/notify/);
    const user = "yk-buyer";
    expect((await turn(server, "хочу слона", user)).bubbles[0]).toMatch(/^Добавил:/);
    const co = await turn(server, "юкасса", user);
    expect(co.bubbles[0]).toContain("Оплата картой через ЮKassa");
    const link = linkOf(co.text)!;
    expect(link).toBeDefined();
    // A second «юкасса» for the same cart is the same link, not a second payment.
    expect(linkOf((await turn(server, "юкасса", user)).text)).toBe(link);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /<form method="post" action="([^"]+\/pay)"/.exec(html)![1]!;
    const paid = await fetch(action, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "pay=", redirect: "manual" });
    expect(paid.status).toBe(303);
    const back = paid.headers.get("location")!;
    expect(back).toBe(`${server.url}/payments/yookassa/return`);
    expect((await fetch(back)).status).toBe(200);

    // The event turn empties the cart of the paid order.
    await until("the cart emptied by payment.succeeded", async () => (await turn(server, "корзина", user)).bubbles[0] === "Корзина пуста.");
    const notes = await until("two merchant notifications", () => (shop.got.length >= 2 ? shop.got : undefined));
    expect(notes.map((n) => n.body.state)).toEqual(["pending", "succeeded"]);
    const paymentId = /__checkout\/([^/?#]+)/.exec(link)![1];
    for (const n of notes) {
      expect(n.body).toMatchObject({ provider: "yandex_kassa", provider_id: paymentId, currency: "RUB", amount: 150000, contact: { id: `sub-${user}` } }); // the channel user: uuid.sub
      expect(typeof n.body.id).toBe("number");
      expect(typeof n.body.created_at).toBe("number");
      expect(n.headers["x-payment-signature"]).toBe(sign(SECRET, n.raw));
    }
    expect(notes[1]!.body.payload).toMatchObject({ type: "notification", event: "payment.succeeded", object: { id: paymentId, status: "succeeded" } });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/smartapp_merchant_notifications\{status="delivered"\} 2/);
  }, 60_000);
});

describe("YooKassa end to end: an external emulator, forged and repeated notifications, a restart", () => {
  let emu: RunningYooKassaEmulator;
  let dir: string;
  const shop = merchant();
  let hook = "";
  const env = () => ({
    YOOKASSA_URL: emu.url,
    YOOKASSA_SHOP_ID: "shop-e2e",
    YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    YOOKASSA_TRUSTED_IPS: "127.0.0.1/32,::1",
    SMARTAPP_MERCHANT_NOTIFY_URL: hook,
    SMARTAPP_MERCHANT_NOTIFY_SECRET: SECRET,
  });
  const control = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${emu.url}/__sandbox${p}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return r.json() as Promise<any>;
  };

  beforeAll(async () => {
    emu = await startYooKassaEmulator({});
    hook = await shop.start();
    dir = demoCopy("yk-demo-"); // sessions and the ledger survive a restart there
  });
  afterAll(async () => {
    await emu?.close();
    await shop.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a forged notification changes nothing; a restart before the real one loses nothing; five copies change state once; the receipt is stored; «верни деньги» refunds once", async () => {
    const user = "yk-restart";
    let server = await startServe(dir, ["--store", "sqlite"], env());
    let paymentId: string;
    try {
      await control("PUT", "/notification-url", { url: `${server.url}/payments/yookassa/shop-e2e/notify` });
      await turn(server, "хочу жирафа", user);
      const link = linkOf((await turn(server, "юкасса", user)).text)!;
      paymentId = /__checkout\/([^/?#]+)/.exec(link)![1]!;

      // Forged: "succeeded" for a payment that is pending. The runtime asks YooKassa and believes it.
      const pending = (await (await fetch(`${emu.url}/payments/${paymentId}`, { headers: { authorization: `Basic ${Buffer.from(`shop-e2e:${DEFAULT_EMULATOR_SECRET_KEY}`).toString("base64")}` } })).json()) as Record<string, unknown>;
      await control("POST", "/notifications/send", { event: "payment.succeeded", object: { ...pending, status: "succeeded", paid: true } });
      await control("POST", "/notifications/flush");
      const forged = await until("the forged notification delivered", async () => {
        const log = (await control("GET", "/notifications")).log as { status: number }[];
        return log.length > 0 ? log : undefined;
      });
      expect(forged.at(-1)).toMatchObject({ status: 200 });
      expect((await turn(server, "корзина", user)).bubbles[0]).toMatch(/^В корзине: Жираф/);
    } finally {
      await server.stop();
    }

    // Paid while the server is down: YooKassa's notification fails and waits for its retry.
    await control("POST", `/payments/${paymentId}/pay`);
    await control("POST", "/notifications/flush");

    server = await startServe(dir, ["--store", "sqlite"], env());
    try {
      // The poller finds the payment at start, before any notification arrives.
      await until("payment.succeeded after the restart", async () => (await turn(server, "корзина", user)).bubbles[0] === "Корзина пуста.");
      await control("PUT", "/notification-url", { url: `${server.url}/payments/yookassa/shop-e2e/notify` });
      await control("POST", "/clock", { advanceMs: 3600_000 }); // YooKassa's own retry falls due and is delivered
      // The same notification five more times, with the real (succeeded) object.
      const paid = await (await fetch(`${emu.url}/payments/${paymentId}`, { headers: { authorization: `Basic ${Buffer.from(`shop-e2e:${DEFAULT_EMULATOR_SECRET_KEY}`).toString("base64")}` } })).json();
      for (let i = 0; i < 5; i++) await control("POST", "/notifications/send", { event: "payment.succeeded", object: paid });
      await control("POST", "/notifications/flush");
      // forged + the retry after the restart + five copies, all answered 200 (the try while down failed)
      await until("the copies delivered", async () => ((await control("GET", "/notifications")).log as { status: number }[]).filter((l) => l.status === 200).length >= 7 || undefined);
      await until("two merchant notifications", () => (shop.got.filter((n) => n.body.provider_id === paymentId).length >= 2 ? true : undefined));
      // The buyer changes their mind: «верни деньги» refunds the YooKassa payment through the core, once.
      expect((await turn(server, "верни деньги", user)).bubbles).toEqual(["Оформил возврат: 990 ₽ вернутся на карту."]);
      expect((await turn(server, "верни деньги", user)).bubbles[0]).toMatch(/^Не удалось оформить возврат: nothing is left to refund of orderId \S+-yk \(captured 99000, refunded 99000\)\.$/);
      // refund.succeeded and payment.refunded run in the dialog before the server stops.
      await until("the refund's events delivered", async () => {
        const live = new PaymentStore(path.join(dir, ".smartapp", "payments.db"));
        try {
          const [inv] = await live.invoices();
          const events = await live.events(inv!.id);
          return events.length === 3 && events.every((e) => e.deliveredAt !== undefined) ? true : undefined;
        } finally {
          await live.close();
        }
      });
    } finally {
      await server.stop();
    }

    const store = new PaymentStore(path.join(dir, ".smartapp", "payments.db"));
    try {
      const [invoice] = await store.invoices();
      expect(invoice).toMatchObject({ provider: "yookassa", status: "paid", capturedMinor: 99000 });
      expect(invoice).toMatchObject({ refundedMinor: 99000 });
      expect((await store.ledger(invoice!.id)).map((l) => l.kind)).toEqual(["capture", "refund"]);
      expect((await store.events(invoice!.id)).map((e) => e.name)).toEqual(["payment.succeeded", "refund.succeeded", "payment.refunded"]);
      expect((await store.events(invoice!.id)).every((e) => e.deliveredAt !== undefined)).toBe(true);
      const notes = await store.unprocessedInbox();
      expect(notes).toEqual([]);
    } finally {
      await store.close();
    }
    const mine = shop.got.filter((n) => n.body.provider_id === paymentId).map((n) => n.body.state);
    expect(mine).toEqual(["pending", "succeeded"]);
    // `smartapp payments notifications` lists them from the project's outbox.
    let printed = "";
    expect(await payments("notifications", undefined, { dir }, (t) => (printed += t))).toBe(0);
    expect(printed).toMatch(/pending\s+delivered\s+tries 1/);
    expect(printed).toMatch(/succeeded\s+delivered\s+tries 1/);
    expect(printed).toContain("2 notification(s)");
    printed = "";
    expect(await payments("show", paymentId, { dir }, (t) => (printed += t))).toBe(0);
    expect(printed).toMatch(/attempt .*: succeeded, yookassa /);
    expect(printed).toContain("Idempotence-Key ");
    // The 54-FZ receipt sent with the payment is stored with it.
    expect(printed).toContain("receipt (54-FZ) for receipts@elephants.example");
    expect(printed).toMatch(/Жираф: 1 × \d+\.00 RUB, VAT code 1, commodity, full_payment/);
    expect(printed).toMatch(/^refund \S+: succeeded, 990\.00 RUB, key \S+, yookassa \S+/m);
    expect(printed).toMatch(/^ledger .* refund +990\.00 RUB/m);
  }, 120_000);
});
