// The YooKassa client against the emulator over real HTTP (ephemeral 127.0.0.1 port).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { YooKassaClient } from "./client.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import {
  YooKassaInternalServerError,
  YooKassaInvalidCredentialsError,
  YooKassaInvalidRequestError,
  YooKassaNotFoundError,
  YooKassaTooManyRequestsError,
} from "./errors.js";
import { toAmount } from "./money.js";
import type { CreatePaymentRequest, Receipt } from "./types.js";

const SECRET = "test_secret_for_client_tests";
let emu: RunningYooKassaEmulator;
let client: YooKassaClient;
const key = () => randomUUID();

beforeAll(async () => {
  emu = await startYooKassaEmulator({ secretKey: SECRET });
  client = new YooKassaClient({ baseUrl: emu.url, shopId: "100500", secretKey: SECRET, timeoutMs: 5000, retryDelayMs: 5 });
});
afterAll(() => emu.close());
afterEach(async () => {
  await control("DELETE", "/faults");
});

async function control(method: "POST" | "DELETE" | "PUT", path: string, body: unknown = {}) {
  const res = await request(`${emu.url}/__sandbox${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

const link = (minor: number, extra: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest => ({
  amount: toAmount(minor),
  capture: true,
  confirmation: { type: "redirect", return_url: "https://shop.example/return" },
  description: "Order 72",
  metadata: { attempt_id: "att_1" },
  ...extra,
});

const receipt = (items: [price: number, qty: number][], customer: Receipt["customer"] = { email: "buyer@example.com" }): Receipt => ({
  customer,
  items: items.map(([price, quantity], i) => ({ description: `Item ${i + 1}`, quantity, amount: toAmount(price), vat_code: 4, payment_mode: "full_payment", payment_subject: "commodity" })),
});

describe("YooKassa client: payments", () => {
  it("creates a link, the payer pays through test control, GET shows succeeded", async () => {
    const created = await client.createPayment(link(90000), key());
    expect(created).toMatchObject({ status: "pending", paid: false, amount: { value: "900.00", currency: "RUB" }, metadata: { attempt_id: "att_1" }, recipient: { account_id: "100500" }, test: true });
    expect(created.confirmation?.confirmation_url).toBe(`${emu.url}/__checkout/${created.id}`);

    const page = await request(created.confirmation!.confirmation_url!);
    expect(await page.body.text()).toContain("Pay 900.00 RUB");

    expect((await control("POST", `/payments/${created.id}/pay`)).status).toBe(200);
    const got = await client.getPayment(created.id);
    expect(got).toMatchObject({ status: "succeeded", paid: true, refundable: true, refunded_amount: { value: "0.00" } });
    expect(got.captured_at).toBeTypeOf("string");
    expect(got.confirmation).toBeUndefined();
  });

  it("a declined link is canceled with the payer's reason", async () => {
    const p = await client.createPayment(link(1000), key());
    await control("POST", `/payments/${p.id}/decline`, { reason: "insufficient_funds" });
    expect(await client.getPayment(p.id)).toMatchObject({ status: "canceled", cancellation_details: { party: "payment_network", reason: "insufficient_funds" } });
  });

  it("an abandoned link expires on the virtual clock (expired_on_confirmation)", async () => {
    const p = await client.createPayment(link(1000), key());
    await control("POST", `/payments/${p.id}/abandon`);
    expect((await client.getPayment(p.id)).status).toBe("pending");
    await control("POST", "/clock", { advanceMs: 3600_000 });
    expect(await client.getPayment(p.id)).toMatchObject({ status: "canceled", cancellation_details: { party: "yoo_money", reason: "expired_on_confirmation" } });
  });

  it("two-stage: a hold is captured in full, another in part, a third canceled", async () => {
    const full = await client.createPayment(link(50000, { capture: false }), key());
    await control("POST", `/payments/${full.id}/pay`);
    const held = await client.getPayment(full.id);
    expect(held).toMatchObject({ status: "waiting_for_capture", paid: true, refundable: false });
    expect(Date.parse(held.expires_at!) - Date.parse(held.created_at)).toBeGreaterThanOrEqual(7 * 24 * 3600_000 - 1000);
    expect(await client.capturePayment(full.id, key())).toMatchObject({ status: "succeeded", amount: { value: "500.00" } });

    const part = await client.createPayment(link(50000, { capture: false }), key());
    await control("POST", `/payments/${part.id}/pay`);
    await expect(client.capturePayment(part.id, key(), { amount: toAmount(60000) })).rejects.toBeInstanceOf(YooKassaInvalidRequestError);
    expect(await client.capturePayment(part.id, key(), { amount: toAmount(30000) })).toMatchObject({ status: "succeeded", amount: { value: "300.00" } });

    const canceled = await client.createPayment(link(50000, { capture: false }), key());
    await expect(client.cancelPayment(canceled.id, key())).rejects.toMatchObject({ code: "invalid_request" }); // still pending
    await control("POST", `/payments/${canceled.id}/pay`);
    expect(await client.cancelPayment(canceled.id, key())).toMatchObject({ status: "canceled", cancellation_details: { party: "merchant", reason: "canceled_by_merchant" } });
    await expect(client.capturePayment(canceled.id, key())).rejects.toBeInstanceOf(YooKassaInvalidRequestError);
  });

  it("a hold not captured in time is canceled (expired_on_capture)", async () => {
    const p = await client.createPayment(link(1000, { capture: false }), key());
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/clock", { advanceMs: 7 * 24 * 3600_000 });
    expect(await client.getPayment(p.id)).toMatchObject({ status: "canceled", cancellation_details: { reason: "expired_on_capture" } });
  });

  it("lists newest first with a cursor", async () => {
    const shop = new YooKassaClient({ baseUrl: emu.url, shopId: `list-${randomUUID()}`, secretKey: SECRET, retryDelayMs: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await shop.createPayment(link(100 + i), key())).id);
    const first = await shop.listPayments({ limit: 2 });
    expect(first.items.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    expect(first.next_cursor).toBeTypeOf("string");
    const second = await shop.listPayments({ limit: 2, cursor: first.next_cursor });
    const third = await shop.listPayments({ limit: 2, cursor: second.next_cursor });
    expect([...second.items, ...third.items].map((p) => p.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.next_cursor).toBeUndefined();
    expect((await client.listPayments({ limit: 100 })).items.map((p) => p.id)).not.toContain(ids[0]); // another shop's
  });
});

describe("YooKassa client: refunds", () => {
  it("partial and repeated refunds up to the amount; an over-refund is rejected", async () => {
    const p = await client.createPayment(link(10000), key());
    await control("POST", `/payments/${p.id}/pay`);
    const r1 = await client.createRefund({ payment_id: p.id, amount: toAmount(3000), description: "one item" }, key());
    expect(r1).toMatchObject({ status: "succeeded", payment_id: p.id, amount: { value: "30.00" } });
    await client.createRefund({ payment_id: p.id, amount: toAmount(5000) }, key());
    await expect(client.createRefund({ payment_id: p.id, amount: toAmount(2001) }, key())).rejects.toMatchObject({ status: 400, code: "invalid_request", parameter: "amount.value" });
    await client.createRefund({ payment_id: p.id, amount: toAmount(2000) }, key());
    expect(await client.getPayment(p.id)).toMatchObject({ refunded_amount: { value: "100.00" }, refundable: false });
    expect((await client.listRefunds({ payment_id: p.id })).items).toHaveLength(3);
    expect(await client.getRefund(r1.id)).toMatchObject({ id: r1.id, status: "succeeded" });
  });

  it("refunds only succeeded payments", async () => {
    const p = await client.createPayment(link(10000), key());
    await expect(client.createRefund({ payment_id: p.id, amount: toAmount(100) }, key())).rejects.toBeInstanceOf(YooKassaInvalidRequestError);
  });
});

describe("YooKassa client: idempotency", () => {
  it("the same key with the same body returns the same payment; with another body a typed 400", async () => {
    const k = key();
    const a = await client.createPayment(link(12300), k);
    const b = await client.createPayment(link(12300), k);
    expect(b).toEqual(a);
    const err = await client.createPayment(link(12400), k).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YooKassaInvalidRequestError);
    expect(err).toMatchObject({ status: 400, code: "invalid_request", description: "Idempotence key duplicated", parameter: "Idempotence-Key" });
  });

  it("a POST without a key is refused by the client and by the emulator", async () => {
    await expect(client.createPayment(link(100), "")).rejects.toBeInstanceOf(TypeError);
    await expect(client.createPayment(link(100), "k".repeat(65))).rejects.toBeInstanceOf(TypeError);
    const auth = `Basic ${Buffer.from(`1:${SECRET}`).toString("base64")}`;
    const res = await request(`${emu.url}/payments`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(link(100)) });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ type: "error", code: "invalid_request", parameter: "Idempotence-Key" });
  });

  it("a key is forgotten after 24 hours: the same key then makes a new payment", async () => {
    const k = key();
    const a = await client.createPayment(link(100), k);
    await control("POST", "/clock", { advanceMs: 24 * 3600_000 });
    const b = await client.createPayment(link(100), k);
    expect(b.id).not.toBe(a.id);
  });

  it("a 500 after the create, retried with the same key, yields ONE payment", async () => {
    const shopId = `retry-${randomUUID()}`;
    const shop = new YooKassaClient({ baseUrl: emu.url, shopId, secretKey: SECRET, retryDelayMs: 5 });
    await control("POST", "/faults", { status: 500, when: "after", times: 1, method: "POST", path: "/payments" });
    const p = await shop.createPayment(link(4200), key());
    expect(p.status).toBe("pending");
    expect((await shop.listPayments()).items.map((x) => x.id)).toEqual([p.id]);
  });

  it("a 202 is waited out for retry_after and the same request is sent again", async () => {
    await control("POST", "/faults", { status: 202, times: 1, method: "POST", path: "/payments", retryAfterMs: 10 });
    expect((await client.createPayment(link(100), key())).status).toBe("pending");
  });
});

describe("YooKassa client: autopayments", () => {
  it("saves the card on the first payment and charges it later without a confirmation", async () => {
    const first = await client.createPayment(link(29900, { save_payment_method: true }), key());
    await control("POST", `/payments/${first.id}/pay`);
    const paid = await client.getPayment(first.id);
    expect(paid.payment_method).toMatchObject({ type: "bank_card", saved: true, card: { last4: "4444" } });

    const charge = await client.createPayment({ amount: toAmount(29900), capture: true, payment_method_id: paid.payment_method!.id, description: "Subscription, month 2" }, key());
    expect(charge).toMatchObject({ status: "succeeded", paid: true, payment_method: { id: paid.payment_method!.id, saved: true } });
    expect(charge.confirmation).toBeUndefined();

    await control("POST", `/payment-methods/${paid.payment_method!.id}/revoke`);
    const revoked = await client.createPayment({ amount: toAmount(29900), capture: true, payment_method_id: paid.payment_method!.id }, key());
    expect(revoked).toMatchObject({ status: "canceled", cancellation_details: { reason: "permission_revoked" } });
  });

  it("an unsaved method cannot be charged; a declined charge is canceled", async () => {
    const once = await client.createPayment(link(100), key());
    await control("POST", `/payments/${once.id}/pay`);
    const unsavedId = (await client.getPayment(once.id)).payment_method!.id;
    await expect(client.createPayment({ amount: toAmount(100), capture: true, payment_method_id: unsavedId }, key())).rejects.toMatchObject({ code: "invalid_request", parameter: "payment_method_id" });

    const first = await client.createPayment(link(100, { save_payment_method: true }), key());
    await control("POST", `/payments/${first.id}/pay`);
    await control("POST", "/decline-next", { reason: "insufficient_funds" });
    const methodId = (await client.getPayment(first.id)).payment_method!.id;
    expect(await client.createPayment({ amount: toAmount(100), capture: true, payment_method_id: methodId }, key())).toMatchObject({ status: "canceled", cancellation_details: { reason: "insufficient_funds" } });
  });
});

describe("YooKassa client: receipts", () => {
  it("accepts a receipt whose items add up to the amount", async () => {
    const p = await client.createPayment(link(25000, { receipt: receipt([[10000, 2], [5000, 1]]) }), key());
    expect(p.receipt_registration).toBe("pending");
    const frac = await client.createPayment(link(1500, { receipt: receipt([[1000, 1.5]]) }), key());
    expect(frac.status).toBe("pending");
  });

  it.each([
    ["items that do not add up", receipt([[10000, 2]]), "receipt.items"],
    ["no email or phone", receipt([[25000, 1]], { full_name: "Ivan" }), "receipt.customer"],
    ["a phone with +", receipt([[25000, 1]], { phone: "+79000000000" }), "receipt.customer.phone"],
    ["vat_code 11", { ...receipt([[25000, 1]]), items: [{ ...receipt([[25000, 1]]).items[0], vat_code: 11 }] }, "receipt.items[0].vat_code"],
    ["an unknown payment_subject", { ...receipt([[25000, 1]]), items: [{ ...receipt([[25000, 1]]).items[0], payment_subject: "gold" as never }] }, "receipt.items[0].payment_subject"],
    ["no items", { customer: { email: "a@b.c" }, items: [] }, "receipt.items"],
  ])("rejects %s", async (_name, bad, parameter) => {
    await expect(client.createPayment(link(25000, { receipt: bad as Receipt }), key())).rejects.toMatchObject({ status: 400, code: "invalid_request", parameter });
  });
});

describe("YooKassa client: errors", () => {
  it("401 for a wrong secret key", async () => {
    const wrong = new YooKassaClient({ baseUrl: emu.url, shopId: "100500", secretKey: "test_wrong", retryDelayMs: 5 });
    await expect(wrong.getPayment("x")).rejects.toBeInstanceOf(YooKassaInvalidCredentialsError);
  });

  it("404 for an unknown payment", async () => {
    const err = await client.getPayment(randomUUID()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YooKassaNotFoundError);
    expect(err).toMatchObject({ status: 404, code: "not_found", retryable: false });
  });

  it("429 is retried with the same key; once retries run out it is a typed error", async () => {
    await control("POST", "/faults", { status: 429, times: 2, method: "POST", path: "/payments" });
    expect((await client.createPayment(link(100), key())).status).toBe("pending");
    const noRetry = new YooKassaClient({ baseUrl: emu.url, shopId: "100500", secretKey: SECRET, retries: 0 });
    await control("POST", "/faults", { status: 429, times: 1 });
    const err = await noRetry.getPayment(randomUUID()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YooKassaTooManyRequestsError);
    expect(err).toMatchObject({ status: 429, code: "too_many_requests", retryable: true, outcomeUnknown: false });
  });

  it("a 500 that lasts is an outcome-unknown error after the retries", async () => {
    await control("POST", "/faults", { status: 500, times: 4, method: "POST", path: "/payments" });
    const err = await client.createPayment(link(100), key()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YooKassaInternalServerError);
    expect(err).toMatchObject({ retryable: true, outcomeUnknown: true });
  });

  it("a connection that fails is a network error with an unknown outcome", async () => {
    const dead = new YooKassaClient({ baseUrl: "http://127.0.0.1:1/v3", shopId: "1", secretKey: SECRET, retries: 0 });
    await expect(dead.getPayment("x")).rejects.toMatchObject({ code: "network", outcomeUnknown: true });
  });
});
