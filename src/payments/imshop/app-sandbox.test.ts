// The sandbox's shop app as the sync URL, over HTTP: the merchant's real outbox and dispatcher send to
// it while its faults say "down" or "slow", on an injected clock, and it checks every signature.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import express from "express";
import { request } from "undici";
import { listenHttp } from "../../util/listen.js";
import { MerchantOutbox } from "../merchant-webhooks/outbox.js";
import { MerchantWebhookDispatcher, sign } from "../merchant-webhooks/dispatcher.js";
import { checkPay, createShopAppSandbox, MAX_RECEIVED, type ShopAppSandbox } from "./app-sandbox.js";

const SECRET = "imshop-sandbox-secret";
const TOKEN = "admin-token";
let server: Server;
let origin: string;
let app: ShopAppSandbox;
let virtual = Date.parse("2026-12-01T12:00:00Z");
const shown: string[] = [];

beforeAll(async () => {
  app = createShopAppSandbox({ adminToken: TOKEN, now: () => virtual, defaults: { secret: SECRET }, show: (l) => shown.push(l) });
  const e = express();
  e.use("/imshop-app", app.router);
  ({ server, origin } = await listenHttp(e, 0, "127.0.0.1"));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const admin = async (method: "POST" | "DELETE" | "GET", p: string, body?: unknown, token = TOKEN) => {
  const res = await request(`${origin}/imshop-app/__sandbox${p}`, { method, headers: { "x-sandbox-admin-token": token }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
};

describe("the sandbox's shop app as the sync URL", () => {
  it("down, then up: the dispatcher's next try on the schedule delivers the status once", async () => {
    const outbox = new MerchantOutbox(":memory:");
    const dispatcher = new MerchantWebhookDispatcher({ outbox, secret: SECRET, now: () => virtual, random: () => 0.5 });
    try {
      expect((await admin("POST", "/faults", { status: 503, times: 1 })).body).toEqual({ fault: { status: 503, times: 1 } });
      const body = JSON.stringify({ orderId: "o-1", paymentId: "p-1", success: true, paymentCaptured: true });
      outbox.add({ eventId: "imshop:p-1:succeeded", paymentKey: "imshop:p-1", state: "succeeded", url: `${origin}/imshop-app/sync`, body, createdAt: virtual });
      expect(await dispatcher.runOnce()).toBe(0);
      expect(await dispatcher.runOnce()).toBe(0); // not due yet: the first pause is a minute
      virtual += 61_000;
      expect(await dispatcher.runOnce()).toBe(1);
      expect(app.received.map((r) => [r.answered, r.signatureOk, r.at])).toEqual([
        [503, true, "2026-12-01T12:00:00.000Z"],
        [200, true, "2026-12-01T12:01:01.000Z"],
      ]);
      expect(shown.at(-1)).toBe(`shop app: sync status ${body}; answered 200`);
    } finally {
      outbox.close();
    }
  });

  it("slow: an answer later than the sender's timeout is a failed try; a forged signature is shown as such", async () => {
    app.received.length = 0;
    expect((await admin("POST", "/faults", { latencyMs: 400 })).status).toBe(200);
    const outbox = new MerchantOutbox(":memory:");
    const dispatcher = new MerchantWebhookDispatcher({ outbox, secret: SECRET, now: () => virtual, timeoutMs: 100 });
    try {
      outbox.add({ eventId: "imshop:p-2:succeeded", paymentKey: "imshop:p-2", state: "succeeded", url: `${origin}/imshop-app/sync`, body: "{}", createdAt: virtual });
      expect(await dispatcher.runOnce()).toBe(0);
      expect(outbox.heads()[0]).toMatchObject({ tries: 1, lastError: expect.stringMatching(/timeout|aborted/i) });
    } finally {
      outbox.close();
    }
    expect((await admin("DELETE", "/faults")).body).toEqual({ fault: null });
    const raw = JSON.stringify({ orderId: "o-3", paymentId: "p-3", success: true, paymentCaptured: false });
    const forged = await request(`${origin}/imshop-app/sync`, { method: "POST", headers: { "x-payment-signature": sign("not-the-secret", raw) }, body: raw });
    expect(forged.statusCode).toBe(200);
    await forged.body.dump();
    expect(app.received.find((r) => (r.body as { paymentId?: string }).paymentId === "p-3")).toMatchObject({ signatureOk: false, answered: 200 });
    expect(shown.some((l) => l.includes('"p-3"') && l.includes("(bad signature)"))).toBe(true);
  });

  it("the admin routes need the token; a bad fault or pay request is a 400 with the reason", async () => {
    expect((await admin("GET", "/sync", undefined, "wrong")).status).toBe(401);
    expect((await admin("POST", "/faults", { status: 99 })).status).toBe(400);
    expect((await admin("POST", "/faults", {})).status).toBe(400);
    expect(await admin("POST", "/pay", { orderId: "o-1", action: "teleport" })).toEqual({ status: 400, body: { error: expect.stringContaining("pay, decline, abandon") } });
    // No webhook named and none known (serve fills it in): said so.
    expect(await admin("POST", "/pay", { orderId: "o-1" })).toEqual({ status: 400, body: { error: expect.stringContaining("webhookUrl") } });
    // A webhook that does not answer is the merchant's failure, answered 502, not a sandbox crash.
    expect(await admin("POST", "/pay", { orderId: "o-1", webhookUrl: "http://127.0.0.1:9/payments/imshop" })).toMatchObject({ status: 502 });
  });

  it("what anyone posts to /sync is shown with its control characters escaped, and only the latest statuses are kept", async () => {
    const post = (body: string) => request(`${origin}/imshop-app/sync`, { method: "POST", headers: { "content-type": "text/plain" }, body }).then((r) => r.body.text());
    shown.length = 0;
    await post('{"x":1}\nsmartapp: order 7 paid\x1b]52;c;cm0gLXJmIH4=\x07');
    // Only this post's line: a request an earlier test delayed (the 400 ms fault) may still be shown now.
    const mine = shown.filter((l) => l.includes('{"x":1}'));
    expect(mine).toHaveLength(1);
    expect(mine[0]).not.toMatch(/[\n\x1b\x07]/);
    expect(mine[0]).toContain('{"x":1}\\nsmartapp: order 7 paid\\x1b]52;c;');
    for (let i = 0; i < MAX_RECEIVED + 50; i++) await post(`{"n":${i}}`);
    expect(app.received).toHaveLength(MAX_RECEIVED);
    expect(app.received.at(-1)!.body).toEqual({ n: MAX_RECEIVED + 49 });
  });

  it("checkPay fills the defaults and checks the fields (pure)", () => {
    expect(checkPay({ orderId: "o-9" }, { webhookUrl: "http://x/payments/imshop", secret: "s" })).toEqual({ ok: true, args: { webhookUrl: "http://x/payments/imshop", secret: "s", orderId: "o-9", orderUuid: "sandbox-o-9", action: "pay" } });
    expect(checkPay({ orderId: "o-9", register: { amount: "1" } }, { webhookUrl: "http://x", secret: "s" })).toEqual({ ok: false, error: expect.stringContaining("register") });
    expect(checkPay({ orderId: "o-9" }, { webhookUrl: "http://x" })).toEqual({ ok: false, error: expect.stringContaining("secret") });
    expect(checkPay([], {})).toMatchObject({ ok: false });
  });
});
