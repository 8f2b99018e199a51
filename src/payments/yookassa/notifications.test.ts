// Incoming notifications end to end over HTTP: the emulator notifies a runtime-side route, which
// re-fetches every object before passing it on, and refuses senders outside the allowed ranges.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { YooKassaClient } from "./client.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "./emulator-core.js";
import { YOOKASSA_NOTIFICATION_RANGES } from "./ip-ranges.js";
import { inRanges } from "../../util/ip-ranges.js";
import { toAmount } from "./money.js";
import { yookassaNotificationRoute, type NotificationRouteOptions, type VerifiedNotification } from "./notifications.js";

const SHOP = "555";
let emu: RunningYooKassaEmulator;
let client: YooKassaClient;
let server: Server;
let notifyUrl = "";
const accepted: VerifiedNotification[] = [];
let failStore = false;
const LOCAL = ["127.0.0.1/32", "::1/128"];
const routeOpts: NotificationRouteOptions = {
  clientFor: (account) => (account === SHOP ? client : undefined),
  allowedRanges: LOCAL,
  accept: (input) => {
    if (failStore) throw new Error("disk full");
    accepted.push(input);
  },
};

beforeAll(async () => {
  emu = await startYooKassaEmulator({});
  client = new YooKassaClient({ baseUrl: emu.url, shopId: SHOP, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
  const app = express();
  app.post("/payments/yookassa/:account/notify", ...yookassaNotificationRoute(routeOpts));
  server = await new Promise((r) => {
    const s = app.listen(0, "127.0.0.1", () => r(s));
  });
  notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/yookassa/${SHOP}/notify`;
  await control("PUT", "/notification-url", { url: notifyUrl });
});
afterAll(async () => {
  await emu.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(async () => {
  accepted.length = 0;
  routeOpts.allowedRanges = LOCAL;
  failStore = false;
  await control("DELETE", "/faults");
});

async function control(method: "POST" | "DELETE" | "PUT" | "GET", path: string, body?: unknown) {
  const res = await request(`${emu.url}/__sandbox${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.body.json()) as Record<string, any>;
}
const link = (capture = true) => client.createPayment({ amount: toAmount(15000), capture, confirmation: { type: "redirect", return_url: "https://shop.example/" }, metadata: { order_id: randomUUID() } }, randomUUID());
const post = async (body: unknown, url = notifyUrl) => {
  const res = await request(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as { reason: string } };
};

describe("incoming YooKassa notifications", () => {
  it("pay → notification → re-fetched snapshot; refund → refund.succeeded with the refund and its payment", async () => {
    const p = await link();
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ account: SHOP, event: "payment.succeeded", payment: { id: p.id, status: "succeeded" }, snapshot: { providerPaymentId: p.id, status: "succeeded", capturedMinor: 15000 } }); // a succeeded payment reports its capture (docs/yookassa.md, the adapter)
    const r = await client.createRefund({ payment_id: p.id, amount: toAmount(5000) }, randomUUID());
    await control("POST", "/notifications/flush");
    expect(accepted[1]).toMatchObject({ event: "refund.succeeded", refund: { id: r.id, status: "succeeded" }, snapshot: { refundedMinor: 5000 }, dedupKey: `${SHOP}:refund.succeeded:${r.id}:refund:succeeded` });
  });

  it("a notification repeated 5 times reaches the sink with one dedup key", async () => {
    await control("POST", "/faults", { kind: "duplicate", copies: 4, times: 1 });
    const p = await link(false);
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    expect(accepted.map((a) => a.dedupKey)).toEqual(Array(5).fill(`${SHOP}:payment.waiting_for_capture:${p.id}:waiting_for_capture`));
  });

  it("a forged body is not believed: the fetched status is what passes", async () => {
    const p = await link();
    const res = await post({ type: "notification", event: "payment.succeeded", object: { id: p.id, status: "succeeded", paid: true, amount: { value: "150.00", currency: "RUB" } } });
    expect(res.status).toBe(200);
    expect(accepted[0]).toMatchObject({ event: "payment.succeeded", payment: { status: "pending" }, snapshot: { status: "pending" } });
    expect((await post({ type: "notification", event: "payment.succeeded", object: { id: randomUUID() } })).status).toBe(400);
    // The same forgery sent by the emulator's test control.
    await control("POST", "/notifications/send", { event: "payment.succeeded", object: { id: p.id, status: "succeeded", paid: true } });
    expect(accepted[1]).toMatchObject({ payment: { id: p.id, status: "pending" }, snapshot: { status: "pending" } });
  });

  it("refuses senders outside the allowed ranges, bad bodies and unknown shops", async () => {
    routeOpts.allowedRanges = YOOKASSA_NOTIFICATION_RANGES;
    const p = await link();
    expect((await post({ type: "notification", event: "payment.succeeded", object: { id: p.id } })).status).toBe(403);
    routeOpts.allowedRanges = "any";
    expect((await post("{nope")).status).toBe(400);
    expect((await post({ type: "notification", event: "payment.pending", object: { id: p.id } })).status).toBe(400);
    expect((await post({ type: "notification", event: "payment.succeeded", object: { id: p.id } }, notifyUrl.replace(`/${SHOP}/`, "/999/"))).status).toBe(404);
    expect(accepted).toHaveLength(0);
  });

  it("refuses a sender outside the allowed ranges before its body is read: no parse, no size error, the same 403", async () => {
    routeOpts.allowedRanges = YOOKASSA_NOTIFICATION_RANGES;
    const outsider = await post("{nope");
    expect(outsider.status).toBe(403);
    expect((await post(`{"type":"notification","pad":"${"x".repeat(300 * 1024)}"}`)).status).toBe(403);
  });

  it("answers 500 when the input could not be stored, so the emulator delivers it again", async () => {
    failStore = true;
    const p = await link();
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    expect(accepted).toHaveLength(0);
    failStore = false;
    await control("POST", "/clock", { advanceMs: 60_000 });
    expect(accepted.map((a) => a.payment.id)).toEqual([p.id]);
    const log = (await control("GET", "/notifications")).log.filter((t: { objectId: string }) => t.objectId === p.id);
    expect(log.map((t: { status: number }) => t.status)).toEqual([500, 200]);
  });
});

describe("sender ranges", () => {
  it("matches v4, v4-mapped v6 and v6 CIDRs", () => {
    expect(inRanges("185.71.76.31", YOOKASSA_NOTIFICATION_RANGES)).toBe(true);
    expect(inRanges("185.71.76.32", YOOKASSA_NOTIFICATION_RANGES)).toBe(false);
    expect(inRanges("::ffff:77.75.156.11", YOOKASSA_NOTIFICATION_RANGES)).toBe(true);
    expect(inRanges("77.75.156.12", YOOKASSA_NOTIFICATION_RANGES)).toBe(false);
    expect(inRanges("2a02:5180:0:1::15", YOOKASSA_NOTIFICATION_RANGES)).toBe(true);
    expect(inRanges("2a02:5181::1", YOOKASSA_NOTIFICATION_RANGES)).toBe(false);
    expect(inRanges("not-an-ip", YOOKASSA_NOTIFICATION_RANGES)).toBe(false);
  });
});
