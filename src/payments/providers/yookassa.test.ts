// The YooKassa adapter against the emulator over HTTP: deterministic idempotence keys make a repeated
// create the same payment, orphans are found by metadata, and objects map onto the neutral model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { YooKassaClient } from "../yookassa/client.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../yookassa/emulator-core.js";
import type { Payment } from "../yookassa/types.js";
import { cancelCategory, yookassaAdapter, yookassaSnapshot, type AttemptFields, type InvoiceFields } from "./yookassa.js";

let emu: RunningYooKassaEmulator;
let adapter: ReturnType<typeof yookassaAdapter>;

beforeAll(async () => {
  emu = await startYooKassaEmulator({});
  adapter = yookassaAdapter((account) => new YooKassaClient({ baseUrl: emu.url, shopId: account, secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 }));
});
afterAll(() => emu.close());

const pay = async (id: string) => (await request(`${emu.url}/__sandbox/payments/${id}/pay`, { method: "POST" })).body.dump();
const rows = (minor = 49900): { invoice: InvoiceFields; attempt: AttemptFields } => ({
  invoice: { id: randomUUID(), orderId: `order-${randomUUID()}`, amount: { minor, currency: "RUB" }, description: "Pizza" },
  attempt: { id: randomUUID(), account: `shop-${randomUUID().slice(0, 8)}` },
});

describe("YooKassa adapter", () => {
  it("a repeated create of an attempt is the same payment (key from the attempt id)", async () => {
    const { invoice, attempt } = rows();
    const a = await adapter.create(invoice, attempt, { returnUrl: "https://shop.example/r", capture: true });
    const b = await adapter.create(invoice, attempt, { returnUrl: "https://shop.example/r", capture: true });
    expect(b.payment.id).toBe(a.payment.id);
    expect(a.snapshot).toMatchObject({ status: "pending", amount: { minor: 49900, currency: "RUB" } });
    expect(a.confirmationUrl).toContain(`/__checkout/${a.payment.id}`);
    expect(a.payment.metadata).toEqual({ invoice_id: invoice.id, attempt_id: attempt.id, order_id: invoice.orderId });
  });

  it("finds an orphan by order id, then fetch/capture/refund move it along", async () => {
    const { invoice, attempt } = rows();
    expect(await adapter.findByOrder(attempt.account, invoice.orderId)).toBe("not_found");
    const { payment } = await adapter.create(invoice, attempt, { returnUrl: "https://shop.example/r", capture: false });
    expect(await adapter.findByOrder(attempt.account, invoice.orderId)).toMatchObject({ providerPaymentId: payment.id, status: "pending" });
    const held = { ...attempt, providerPaymentId: payment.id };
    await pay(payment.id);
    expect(await adapter.fetch(held)).toMatchObject({ status: "waiting_for_capture" });
    expect(await adapter.capture(held, { minor: 40000, currency: "RUB" })).toMatchObject({ status: "succeeded", capturedMinor: 40000 });
    const refundId = randomUUID();
    const r1 = await adapter.refund(held, refundId, { minor: 10000, currency: "RUB" });
    const r2 = await adapter.refund(held, refundId, { minor: 10000, currency: "RUB" }); // the same refund, retried
    expect(r2.id).toBe(r1.id);
    expect(await adapter.fetch(held)).toMatchObject({ refundedMinor: 10000 });
    expect(await adapter.fetch({ ...held, providerPaymentId: randomUUID() })).toBe("not_found");
  });

  it("charges a saved method without a link", async () => {
    const first = rows(29900);
    const { payment } = await adapter.create(first.invoice, first.attempt, { returnUrl: "https://shop.example/r", capture: true, savePaymentMethod: true });
    await pay(payment.id);
    const methodId = (await new YooKassaClient({ baseUrl: emu.url, shopId: first.attempt.account, secretKey: DEFAULT_EMULATOR_SECRET_KEY }).getPayment(payment.id)).payment_method!.id;
    const next = rows(29900);
    const charge = await adapter.chargeSaved(next.invoice, { ...next.attempt, account: first.attempt.account }, methodId, { capture: true });
    expect(charge.snapshot).toMatchObject({ status: "succeeded", capturedMinor: 29900 });
  });

  it("maps cancellation reasons onto categories", () => {
    expect(cancelCategory("insufficient_funds")).toBe("declined");
    expect(cancelCategory("expired_on_capture")).toBe("expired");
    expect(cancelCategory("canceled_by_merchant")).toBe("canceled_by_merchant");
    expect(cancelCategory("internal_timeout")).toBe("technical");
    expect(cancelCategory("permission_revoked")).toBe("permission_revoked");
    expect(cancelCategory("something_new")).toBe("unknown");
    const canceled = { id: "p", status: "canceled", paid: false, amount: { value: "1.00", currency: "RUB" }, created_at: "", test: true, refundable: false, cancellation_details: { party: "yoo_money", reason: "expired_on_confirmation" }, unknown_field: { x: 1 } } as Payment;
    expect(yookassaSnapshot(canceled)).toEqual({ providerPaymentId: "p", status: "canceled", providerStatus: "canceled", amount: { minor: 100, currency: "RUB" }, cancelCategory: "expired" });
  });
});
