// Webhook acquiring over HTTP against the real `smartapp serve` (a child process): IMSHOP_SECRET mounts
// /payments/imshop, the acquirer is the local sandbox's YooKassa emulator, and the sandbox's shop app
// (runCardPayment) pays an order by card. A wrong secret is refused with 401 and changes nothing; a
// capture answered `pending` is settled by serve's own 5-second round and its status reaches the
// sync URL once; an order the scenario registered ($imshop.registerOrder) brings payment.succeeded to
// that user's dialog; the order no dialog owns keeps its events in the ledger and in no dialog.
import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentStore } from "../../src/payments/core/store.js";
import { UNOWNED_PREFIX } from "../../src/payments/imshop/acquiring.js";
import { FAILURE_REGEX, SUCCESS_REGEX } from "../../src/payments/imshop/protocol.js";
import { postCommand, runCardPayment } from "../../src/payments/imshop/shop-app.js";
import { sign } from "../../src/payments/merchant-webhooks/dispatcher.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { ledgerPlaces } from "../../src/payments/core/testing/ledger-env.js";
import { PostgresImshopStore } from "../../src/payments/imshop/store-postgres.js";
import { demoCopy, dialogTurns, poller } from "../helpers/demo-serve.js";
import { httpReceiver } from "../helpers/http-receiver.js";
import { repoRoot, startServe, type RunningServer } from "./server.js";

const SECRET = "imshop-e2e-secret";
const webhookOf = (server: RunningServer) => `${server.url}/payments/imshop`;
const dialogTurn = dialogTurns(7_000_000);
const turn = async (server: RunningServer, phrase: string, user: string) => (await dialogTurn(server, phrase, user)).bubbles;
const until = poller(20_000, 200);

/** The app platform's sync URL: records every status POSTed to it, answers 200. */
const syncEndpoint = () => httpReceiver<Record<string, unknown>>({ path: "/imshop-sync", text: "ok" });

describe("webhook acquiring end to end: smartapp serve with IMSHOP_SECRET, the shop app against it", () => {
  let server: RunningServer;
  let dir: string;
  const sync = syncEndpoint();
  const webhook = () => `${server.url}/payments/imshop`;
  const register = async (body: Record<string, unknown>, secret = SECRET) => {
    const res = await request(`${webhook()}/orders`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = demoCopy("imshop-e2e-");
    const syncUrl = await sync.start();
    server = await startServe(dir, [], { IMSHOP_SECRET: SECRET, IMSHOP_SYNC_URL: syncUrl }, { sandbox: true });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await sync.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("says where webhook acquiring listens, and never prints the secret", () => {
    expect(server.output()).toContain(`webhook acquiring at POST ${server.url}/payments/imshop`);
    expect(server.output()).not.toContain(SECRET);
  });

  it("a wrong secret is refused with 401 and changes nothing", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    expect(await register({ orderId, amount: 1000, description: "Заказ" }, "wrong")).toMatchObject({ status: 401, body: { success: false } });
    const cmd = await postCommand(webhook(), "wrong", { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId });
    expect(cmd.status).toBe(401);
    expect(cmd.answer).toMatchObject({ success: false, error: expect.stringContaining("unauthorized") });
    // Nothing was registered: with the right secret the order is still unknown to `create`.
    const known = await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId });
    expect(known).toMatchObject({ status: 200, answer: { success: false, error: expect.stringContaining("not known") } });
  });

  it("pays by card: create → the emulator's page → the success regex → capture; a repeat changes nothing", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    expect(await register({ orderId, amount: 150_000, description: "Заказ в приложении" })).toMatchObject({ status: 201 });
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: randomUUID(), action: "pay" });
    expect(run.create).toMatchObject({ success: true, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX });
    const paymentId = (run.create as { paymentId: string }).paymentId;
    expect(run.matched).toBe("success");
    expect(run.redirects.at(-1)).toBe(`${server.url}/payments/imshop/done/${paymentId}/success`);
    expect(run.capture).toEqual({ success: true, paymentId, paymentCaptured: true });
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: true });
    // A declined card: the failure regex matches, nothing is captured.
    const declined = `o-${randomUUID().slice(0, 8)}`;
    await register({ orderId: declined, amount: 5_000, description: "Заказ" });
    const no = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId: declined, orderUuid: randomUUID(), action: "decline" });
    expect(no.matched).toBe("failure");
    expect(no.capture).toBeUndefined();
  });

  it("every command's failures over HTTP: a paid order's create, an unknown or declined payment's capture, wallets, malformed commands; a duplicate create is one payment", async () => {
    const cmd = (body: Record<string, unknown>) => postCommand(webhook(), SECRET, body);
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    await register({ orderId, amount: 20_000, description: "Заказ" });
    const create = { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId };
    // A double tap: the same payment and link, made once at YooKassa.
    const [a, b] = await Promise.all([cmd(create), cmd(create)]);
    expect(a.answer).toMatchObject({ success: true });
    expect(b.answer).toEqual(a.answer);
    const paymentId = (a.answer as { paymentId: string }).paymentId;
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: create.orderUuid, action: "pay" });
    expect(run.capture).toEqual({ success: true, paymentId, paymentCaptured: true });
    // create of a paid order: refused, naming its payment; never a second payment.
    expect((await cmd(create)).answer).toEqual({ success: false, paymentId, paymentCaptured: true, error: `order ${orderId} is paid already` });
    // capture of a payment nobody made.
    expect((await cmd({ command: "capture", paymentMethodId: "yookassa/card", paymentId: "no-such-payment" })).answer).toMatchObject({ success: false, error: expect.stringContaining("not known") });
    // capture of a declined payment.
    const declinedOrder = `o-${randomUUID().slice(0, 8)}`;
    await register({ orderId: declinedOrder, amount: 4_000, description: "Заказ" });
    const declined = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId: declinedOrder, orderUuid: randomUUID(), action: "decline" });
    const declinedId = (declined.create as { paymentId: string }).paymentId;
    expect((await cmd({ command: "capture", paymentMethodId: "yookassa/card", paymentId: declinedId })).answer).toMatchObject({ success: false, paymentId: declinedId, error: expect.stringContaining("declined") });
    // Wallet cryptograms: YooKassa takes none, so both are refused with the reason and nothing is made.
    const walletOrder = `o-${randomUUID().slice(0, 8)}`;
    await register({ orderId: walletOrder, amount: 1_000, description: "Заказ" });
    const apple = await cmd({ command: "applepay", paymentMethodId: "yookassa/applepay", orderUuid: randomUUID(), orderId: walletOrder, applePayData: "eyJkYXRhIjoiIn0=" });
    expect(apple).toEqual({ status: 200, answer: { success: false, error: expect.stringContaining("Apple Pay is not available") } });
    const google = await cmd({ command: "androidpay", paymentMethodId: "yookassa/googlepay", orderUuid: randomUUID(), orderId: walletOrder, androidPayData: "eyJkYXRhIjoiIn0=" });
    expect(google).toEqual({ status: 200, answer: { success: false, error: expect.stringContaining("Google Pay is not available") } });
    // Malformed commands: 400 naming what is wrong.
    expect(await cmd({ command: "refund", paymentId })).toMatchObject({ status: 400, answer: { success: false } });
    expect(await cmd({ command: "applepay", paymentMethodId: "x", orderUuid: "u", orderId: walletOrder, androidPayData: "eyJ9" })).toMatchObject({ status: 400, answer: { success: false, error: expect.stringContaining("applePayData") } });
    expect(await cmd({ command: "create", paymentMethodId: "yookassa/card", orderUuid: "u" })).toMatchObject({ status: 400, answer: { success: false, error: expect.stringContaining("orderId") } });
    // The wallet order is still payable by card: the refused commands made nothing.
    expect((await cmd({ command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId: walletOrder })).answer).toMatchObject({ success: true });
  }, 40_000);

  it("a smartpay/… method pays through the local SmartPay sandbox: its payer page, return_url → the success regex, capture completes the hold", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const receipt = { tax_system_code: 1, items: [{ description: "Слон", quantity: 2, amount: { value: "250.00", currency: "RUB" }, vat_code: 4 }] };
    // Without a receipt SmartPay cannot be asked (its order_bundle carries the taxes): refused, with the reason.
    expect(await register({ orderId: `${orderId}-bare`, amount: 50_000, description: "Заказ" })).toMatchObject({ status: 201 });
    expect((await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "smartpay/card", orderUuid: randomUUID(), orderId: `${orderId}-bare` })).answer).toMatchObject({ success: false, error: expect.stringContaining("receipt") });
    expect(await register({ orderId, amount: 50_000, description: "Заказ", receipt })).toMatchObject({ status: 201 });
    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId, orderUuid: randomUUID(), action: "pay", paymentMethodId: "smartpay/card" });
    const paymentId = (run.create as { paymentId: string }).paymentId;
    expect((run.create as { paymentUrl: string }).paymentUrl).toMatch(/\/pay\/\d+\/[\w-]+$/);
    expect(run.redirects).toEqual([`${server.url}/payments/imshop/done/${paymentId}/success`]);
    expect(run.capture).toEqual({ success: true, paymentId, paymentCaptured: true });
    const store = new PaymentStore(path.join(dir, ".smartapp", "payments.db"));
    try {
      expect(await store.findByOrder("smartpay", "27", orderId)).toMatchObject({ status: "paid", capturedMinor: 50_000 });
    } finally {
      await store.close();
    }
  });

  it("a capture before the payer finished is pending; serve's own round settles it and the sync URL gets the status once, signed", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    await register({ orderId, amount: 70_000, description: "Заказ" });
    const orderUuid = randomUUID();
    const created = await postCommand(webhook(), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid, orderId });
    const paymentId = (created.answer as { paymentId: string }).paymentId;
    expect((await postCommand(webhook(), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
    // The payer finishes on the page (the same payment: create is idempotent per order), without the app capturing.
    const page = await request((created.answer as { paymentUrl: string }).paymentUrl);
    const html = await page.body.text();
    const action = /<form[^>]*action="([^"]+\/pay)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    expect(action).toBeDefined();
    const paid = await request(new URL(action!, (created.answer as { paymentUrl: string }).paymentUrl), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" });
    await paid.body.dump();
    const status = await until("the status on the sync URL", () => sync.got.find((g) => g.body.paymentId === paymentId));
    expect(status.body).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    expect(status.headers["x-payment-signature"]).toBe(sign(SECRET, status.raw));
    await new Promise((r) => setTimeout(r, 6_000)); // another round: nothing is sent twice
    expect(sync.got.filter((g) => g.body.paymentId === paymentId)).toHaveLength(1);
    // /metrics counts the sync statuses apart from the merchant notifications.
    const metrics = await (await request(`${server.url}/metrics`)).body.text();
    expect(metrics).toMatch(/^smartapp_imshop_sync_statuses\{status="delivered"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^smartapp_imshop_sync_statuses\{status="pending"\} 0$/m);
  }, 40_000);

  it("an order the scenario registered is linked to its user: the shop app pays, payment.succeeded reaches that dialog", async () => {
    const user = "imshop-buyer";
    expect((await turn(server, "хочу слона", user))[0]).toMatch(/^Добавил:/);
    const [registered] = await turn(server, "закажу в приложении", user);
    const orderId = /^Заказ (app-\S+) на /.exec(registered ?? "")?.[1];
    expect(registered).toMatch(/ждёт оплаты в приложении магазина\.$/);
    expect(orderId).toBeDefined();
    expect((await turn(server, "статус заказа", user))[0]).toBe(`Заказ ${orderId} ещё не оплачен.`);
    // The merchant side sees it as a registered order, owned by the dialog (uuid.sub of the channel).
    expect(await register({ orderId, amount: 1, description: "другие условия" })).toMatchObject({ status: 409, body: { order: { orderId, userKey: `sub-${user}` } } });
    // Another dialog cannot see it as its own: its own status is empty.
    expect((await turn(server, "статус заказа", "someone-else"))[0]).toBe("Заказов в приложении нет.");

    const run = await runCardPayment({ webhookUrl: webhook(), secret: SECRET, orderId: orderId!, orderUuid: randomUUID(), action: "pay" });
    expect(run.capture).toMatchObject({ success: true, paymentCaptured: true });
    // The event turn (delivered by the runtime, not by the user) marks the order paid; the user's next turn says so.
    await until("payment.succeeded in the dialog", async () => ((await turn(server, "статус заказа", user))[0] === `Заказ ${orderId} оплачен, спасибо!` ? true : undefined));
    expect((await turn(server, "корзина", user))[0]).toBe("Корзина пуста.");
  }, 40_000);

  it("the events of an order no dialog owns stay in the ledger, delivered to nobody", async () => {
    await server.stop();
    const store = new PaymentStore(path.join(dir, ".smartapp", "payments.db"));
    try {
      // The one order a dialog registered is that dialog's; every other has no owner.
      const invoices = (await store.invoices()).filter((i) => i.provider === "yookassa" && i.userKey !== "sub-imshop-buyer");
      expect(invoices.length).toBeGreaterThanOrEqual(3);
      for (const inv of invoices) expect(inv.userKey.startsWith(UNOWNED_PREFIX)).toBe(true);
      const succeeded = (await store.events()).filter((e) => e.name === "payment.succeeded" && e.userKey.startsWith(UNOWNED_PREFIX));
      expect(succeeded.length).toBeGreaterThanOrEqual(2);
      // Settled (no retries pending), without a dialog turn: no session was made for those keys.
      for (const e of succeeded) expect(e).toMatchObject({ deliveredAt: expect.any(String), lastError: undefined });
      const sessions = new Database(path.join(dir, ".smartapp", "sessions.sqlite"), { readonly: true });
      try {
        const keys = (sessions.prepare("SELECT user_key FROM sessions").all() as { user_key: string }[]).map((r) => r.user_key);
        expect(keys.filter((k) => k.includes(UNOWNED_PREFIX))).toEqual([]);
      } finally {
        sessions.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe("the sandbox plays the shop app: serve's own sandbox drives the webhook and is its sync URL", () => {
  let server: RunningServer;
  let dir: string;
  let sandboxUrl: string;
  let token: string;
  const admin = async (method: string, p: string, body?: unknown) => {
    const res = await request(`${sandboxUrl}${p}`, { method: method as "POST", headers: { "x-sandbox-admin-token": token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const metric = async (status: string) => Number(new RegExp(`^smartapp_imshop_sync_statuses\\{status="${status}"\\} (\\d+)$`, "m").exec(await (await request(`${server.url}/metrics`)).body.text())?.[1]);
  const received = async () => (await admin("GET", "/imshop-app/__sandbox/sync")).body.received as { at: string; body: Record<string, unknown>; signatureOk?: boolean; answered: number }[];

  beforeAll(async () => {
    dir = demoCopy("imshop-app-");
    server = await startServe(dir, ["--store", "memory"], { IMSHOP_SECRET: SECRET, IMSHOP_SYNC_URL: "" }, { sandbox: true });
    const m = /SmartPay sandbox at (http:\/\/[\d.:]+)\/smartpay\/v1 .*admin token: (\S+)/.exec(server.output())!;
    [sandboxUrl, token] = [m[1]!, m[2]!];
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("says where the shop app is; without IMSHOP_SYNC_URL the statuses go to it", () => {
    expect(server.output()).toContain(`webhook acquiring at POST ${server.url}/payments/imshop (statuses to ${sandboxUrl}/imshop-app/sync)`);
    expect(server.output()).toContain(`POST ${sandboxUrl}/imshop-app/__sandbox/pay`);
  });

  it("`smartapp sandbox imshop-app` registers and pays an order through serve's webhook, printing each step", async () => {
    const { spawnSync } = await import("node:child_process");
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const run = (args: string[]) =>
      spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), "sandbox", "imshop-app", ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, IMSHOP_SECRET: "" } });
    const paid = run(["--order", orderId, "--amount", "150000", "--action", "pay", "--sandbox", sandboxUrl, "--token", token]);
    expect(paid.status).toBe(0);
    const lines = paid.stdout.trim().split("\n");
    expect(lines[0]).toBe("register 201");
    expect(lines[1]).toMatch(/^create: payment \S+$/);
    expect(lines).toContain("payer: pay");
    expect(lines.at(-2)).toBe("successRegex matched");
    expect(lines.at(-1)).toBe("capture: captured");
    const declined = run(["--order", `${orderId}-d`, "--amount", "5000", "--action", "decline", "--decline-reason", "card_expired", "--sandbox", sandboxUrl, "--token", token]);
    expect(declined.stdout.trim().split("\n").at(-1)).toBe("failureRegex matched");
    // The admin token is required; a wrong one is refused with the reason.
    const refused = run(["--order", orderId, "--sandbox", sandboxUrl, "--token", "wrong"]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain("401 the /__sandbox routes need the X-Sandbox-Admin-Token header");
    await until("serve's log shows the run", () => server.output().includes(`shop app: order ${orderId}: register 201 → create: payment`) || undefined);
  }, 60_000);

  it("an abandoned page, then the virtual clock past the link's life: the pending capture's status reaches the shop app, signed, with retry", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const run = await admin("POST", "/imshop-app/__sandbox/pay", { orderId, action: "abandon", register: { amount: 12_000, description: "Заказ" } });
    expect(run.status).toBe(200);
    expect(run.body.steps.at(-1)).toBe("no regex matched: the app waits (a capture now is answered pending)");
    const paymentId = run.body.create.paymentId as string;
    expect((await postCommand(webhookOf(server), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
    // The YooKassa emulator shares the sandbox's clock: two hours on, the unpaid link has expired.
    expect((await admin("POST", "/yookassa/v3/__sandbox/clock", { advanceMs: 2 * 3600_000 })).status).toBe(200);
    const got = await until("the status at the shop app", async () => (await received()).find((r) => r.body.paymentId === paymentId));
    expect(got).toMatchObject({ body: { orderId, paymentId, success: true, paymentCaptured: false, retry: true }, signatureOk: true, answered: 200 });
    expect(Date.parse(got.at) - Date.now()).toBeGreaterThan(3600_000); // recorded on the virtual clock
    // serve's log (JSON lines here) shows what the shop app received.
    await until("serve's log shows it", () => server.output().split("\n").some((l) => l.includes("shop app: sync status") && l.includes(paymentId) && l.includes("answered 200")) || undefined);
  }, 40_000);

  it("the shop app pays a smartpay/… order through serve's webhook and the SmartPay sandbox's payer page", async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const receipt = { tax_system_code: 2, items: [{ description: "Заказ", quantity: 1, amount: { value: "90.00" }, vat_code: 1 }] };
    const run = await admin("POST", "/imshop-app/__sandbox/pay", { orderId, action: "pay", paymentMethodId: "smartpay/card", register: { amount: 9_000, description: "Заказ", receipt } });
    expect(run.status).toBe(200);
    expect(run.body.create.paymentUrl).toMatch(new RegExp(`^${sandboxUrl}/pay/`));
    expect(run.body.matched).toBe("success");
    expect(run.body.capture).toEqual({ success: true, paymentId: run.body.create.paymentId, paymentCaptured: true });
    expect((await admin("GET", `/__sandbox/invoices/${run.body.create.paymentId as string}`)).body).toMatchObject({ invoice_status: "confirmed", captured: 9_000 });
  }, 40_000);

  it("the sync URL down: the shop app answers 503 and the runtime keeps the status for its next try", async () => {
    expect((await admin("POST", "/imshop-app/__sandbox/faults", { status: 503 })).body).toEqual({ fault: { status: 503 } });
    expect((await admin("POST", "/imshop-app/__sandbox/faults", { times: 0 })).status).toBe(400);
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const run = await admin("POST", "/imshop-app/__sandbox/pay", { orderId, action: "abandon", register: { amount: 3_000, description: "Заказ" } });
    const paymentId = run.body.create.paymentId as string;
    await postCommand(webhookOf(server), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId });
    await admin("POST", `/yookassa/v3/__sandbox/payments/${paymentId}/pay`, {}); // the payer came back and paid
    const down = await until("a try against the sync URL", async () => (await received()).find((r) => r.body.paymentId === paymentId));
    expect(down).toMatchObject({ body: { orderId, paymentId, paymentCaptured: true }, answered: 503 });
    await new Promise((r) => setTimeout(r, 3_000)); // the next try waits for the schedule (a minute first), not the next second
    expect((await received()).filter((r) => r.body.paymentId === paymentId)).toHaveLength(1);
    expect(await metric("pending")).toBeGreaterThanOrEqual(1);
    expect((await admin("DELETE", "/imshop-app/__sandbox/faults")).body).toEqual({ fault: null });
    // The retries run on the sandbox's virtual clock: past the schedule's first pause (a minute, ±10 %),
    // the next try goes out and is answered 200; nothing is sent after it.
    expect((await admin("POST", "/yookassa/v3/__sandbox/clock", { advanceMs: 70_000 })).status).toBe(200);
    const up = await until("the retry on the virtual clock", async () => (await received()).find((r) => r.body.paymentId === paymentId && r.answered === 200));
    expect(up).toMatchObject({ body: { orderId, paymentId, paymentCaptured: true }, signatureOk: true });
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await received()).filter((r) => r.body.paymentId === paymentId).map((r) => r.answered)).toEqual([503, 200]);
    expect(await metric("pending")).toBe(0);
  }, 40_000);
});

const pgPlace = (await ledgerPlaces("imshop e2e, two serves")).find((p) => p.kind === "postgres")!;

describe("two `smartapp serve` processes serve one shop: the orders live in the PostgreSQL ledger", () => {
  let emu: RunningYooKassaEmulator;
  let place: ReturnType<NonNullable<typeof pgPlace.make>>;
  const servers: RunningServer[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    if (!pgPlace.make) return;
    place = pgPlace.make();
    const config = place.config();
    if (config.kind !== "postgres") throw new Error("expected postgres");
    emu = await startYooKassaEmulator({});
    // One public origin for both (as behind a load balancer): A's port, chosen before either starts.
    const probe = createServer();
    const port = await new Promise<number>((r) => probe.listen(0, "127.0.0.1", () => r((probe.address() as AddressInfo).port)));
    await new Promise((r) => probe.close(r));
    const env = {
      IMSHOP_SECRET: SECRET,
      IMSHOP_PUBLIC_URL: `http://127.0.0.1:${port}`,
      YOOKASSA_URL: emu.url,
      YOOKASSA_SHOP_ID: "shop-two",
      YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
      PAYMENTS_DATABASE_URL: config.url,
      PAYMENTS_DATABASE_SCHEMA: config.schema!,
    };
    for (const extra of [["--port", String(port)], []]) {
      const dir = demoCopy("imshop-two-");
      dirs.push(dir);
      servers.push(await startServe(dir, ["--store", "memory", "--payments-store", "postgres", ...extra], env));
    }
  }, 90_000);
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await emu?.close();
    await place?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.skipIf(!pgPlace.make)("registered on one, created on both at once (one payment), paid and captured through the other", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    expect(a.output()).toContain("payment ledger: postgres");
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const reg = await request(`${webhookOf(b)}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify({ orderId, amount: 42_000, description: "Заказ" }) });
    expect(reg.statusCode).toBe(201);
    await reg.body.dump();
    const cmd = { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId };
    const [x, y] = await Promise.all([postCommand(webhookOf(a), SECRET, cmd), postCommand(webhookOf(b), SECRET, cmd)]);
    expect(x.answer).toMatchObject({ success: true });
    expect(y.answer).toEqual(x.answer);
    const paymentId = (x.answer as { paymentId: string }).paymentId;
    expect((x.answer as { paymentUrl: string }).paymentUrl).toContain(`${emu.url}/__checkout/${paymentId}`);
    const run = await runCardPayment({ webhookUrl: webhookOf(a), secret: SECRET, orderId, orderUuid: cmd.orderUuid, action: "pay" });
    expect(run.matched).toBe("success");
    expect(run.redirects.at(-1)).toBe(`${a.url}/payments/imshop/done/${paymentId}/success`);
    expect((await postCommand(webhookOf(b), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: true });
    // Nothing of it is in either host's imshop.db: the orders are in the ledger's schema.
    const config = place.config();
    const store = new PostgresImshopStore({ url: (config as { url: string }).url, schema: (config as { schema: string }).schema });
    try {
      expect(await store.order(orderId)).toMatchObject({ orderId, amountMinor: 42_000, try: 0, orderUuid: cmd.orderUuid });
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe("a `pending` capture finished by the asynchronous POST after `smartapp serve` restarts", () => {
  let emu: RunningYooKassaEmulator;
  let dir: string;
  let server: RunningServer | undefined;
  const sync = syncEndpoint();
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await startYooKassaEmulator({}); // outside serve: the payment outlives serve's restart
    dir = demoCopy("imshop-restart-");
    env = { IMSHOP_SECRET: SECRET, IMSHOP_SYNC_URL: await sync.start(), YOOKASSA_URL: emu.url, YOOKASSA_SHOP_ID: "shop-restart", YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY };
  });
  afterAll(async () => {
    await server?.stop();
    await emu?.close();
    await sync.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("captured while serve was down: the restarted serve settles it and the sync URL gets the status once, signed", async () => {
    server = await startServe(dir, ["--store", "sqlite"], env);
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const reg = await request(`${webhookOf(server)}/orders`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ orderId, amount: 8_000, description: "Заказ" }) });
    expect(reg.statusCode).toBe(201);
    await reg.body.dump();
    const created = await postCommand(webhookOf(server), SECRET, { command: "create", paymentMethodId: "yookassa/card", orderUuid: randomUUID(), orderId });
    const paymentId = (created.answer as { paymentId: string }).paymentId;
    expect((await postCommand(webhookOf(server), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: false, pending: true });
    await server.stop();
    server = undefined;

    // The payer pays while serve is down.
    const paid = await request(`${emu.url}/__sandbox/payments/${paymentId}/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(paid.statusCode).toBe(200);
    await paid.body.dump();
    expect(sync.got.filter((g) => g.body.paymentId === paymentId)).toEqual([]);

    server = await startServe(dir, ["--store", "sqlite"], env);
    const status = await until("the status on the sync URL after the restart", () => sync.got.find((g) => g.body.paymentId === paymentId));
    expect(status.body).toEqual({ orderId, paymentId, success: true, paymentCaptured: true });
    expect(status.headers["x-payment-signature"]).toBe(sign(SECRET, status.raw));
    // Captured once at YooKassa; the app's own capture now is answered from the ledger.
    expect((await postCommand(webhookOf(server), SECRET, { command: "capture", paymentMethodId: "yookassa/card", paymentId })).answer).toEqual({ success: true, paymentId, paymentCaptured: true });
    await new Promise((r) => setTimeout(r, 6_000)); // another settle round: nothing is sent twice
    expect(sync.got.filter((g) => g.body.paymentId === paymentId)).toHaveLength(1);
    const ledger = new PaymentStore(path.join(dir, ".smartapp", "payments.db"));
    try {
      const invoice = (await ledger.invoices()).find((i) => i.orderId === orderId);
      expect(invoice).toMatchObject({ status: "paid", capturedMinor: 8_000 });
      expect((await ledger.ledger(invoice!.id)).map((l) => l.kind)).toEqual(["capture"]);
    } finally {
      await ledger.close();
    }
  }, 90_000);
});
