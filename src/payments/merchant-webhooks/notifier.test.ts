// The merchant side of the core's YooKassa events: which URLs are accepted, the seed-000 shape of each
// state, and once per (payment, state) however often an event is delivered into the dialog.
import { describe, expect, it } from "vitest";
import type { PaymentEvent, PaymentInvoice } from "../core/model.js";
import { MerchantNotifier, merchantNotification, merchantPaymentNumber, merchantUrlProblem } from "./notifier.js";

const invoice: PaymentInvoice = {
  id: "0f1e2d3c-4b5a-4968-8776-655443322110",
  userKey: "sub-1",
  provider: "yookassa",
  account: "shop",
  orderId: "order-1",
  amount: { minor: 90050, currency: "RUB" },
  description: "Пицца",
  status: "paid",
  capturedMinor: 90050,
  refundedMinor: 0,
  version: 2,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

const event = (name: PaymentEvent["name"]): PaymentEvent => ({ id: 1, key: `k:${name}`, invoiceId: invoice.id, userKey: "sub-1", name, payload: { providerPaymentId: "yk-1" }, createdAt: "", tries: 0, nextAt: 0 });

describe("merchant notifications of YooKassa payments", () => {
  it("takes https, or http only to a loopback address", () => {
    expect(merchantUrlProblem("https://shop.example/hook")).toBeUndefined();
    expect(merchantUrlProblem("http://127.0.0.1:9000/hook")).toBeUndefined();
    expect(merchantUrlProblem("http://shop.example/hook")).toContain("https");
    expect(merchantUrlProblem("not a url")).toContain("not a URL");
    expect(() => new MerchantNotifier({ url: "ftp://x", file: ":memory:" })).toThrow("https");
  });

  it("writes the seed-000 fields: amount in kopecks, order amounts in roubles, a stable integer id", () => {
    expect(merchantNotification(invoice, "succeeded", "yk-1", { x: 1 })).toEqual({
      id: merchantPaymentNumber(invoice.id),
      provider: "yandex_kassa",
      provider_id: "yk-1",
      currency: "RUB",
      amount: 90050,
      state: "succeeded",
      payload: { x: 1 },
      order: [{ name: "Пицца", description: "order-1", amount: 900.5 }],
      contact: { id: "sub-1" },
      payment_uuid: invoice.id,
    });
    expect(merchantPaymentNumber(invoice.id)).toBe(0x0f1e2d3c4b5a);
  });

  it("enqueues pending at create and each state's event once; SmartPay and refunds are not merchant states", () => {
    const n = new MerchantNotifier({ url: "https://shop.example/hook", file: ":memory:" });
    expect(n.created(invoice, "yk-1")).toBe(true);
    expect(n.fromEvent(event("payment.waiting_for_capture"), invoice)).toBe(true);
    expect(n.fromEvent(event("payment.succeeded"), invoice)).toBe(true);
    expect(n.fromEvent(event("payment.succeeded"), invoice)).toBe(false); // the event delivered again
    expect(n.fromEvent(event("refund.succeeded"), invoice)).toBe(false);
    expect(n.fromEvent(event("payment.succeeded"), { ...invoice, id: "other", provider: "smartpay" })).toBe(false);
    const rows = n.outbox.all(invoice.id);
    expect(rows.map((r) => r.state)).toEqual(["pending", "waiting_for_capture", "succeeded"]);
    expect(JSON.parse(rows[2]!.body)).toMatchObject({ payload: { type: "notification", event: "payment.succeeded", object: { id: "yk-1", status: "succeeded", amount: { value: "900.50", currency: "RUB" } } } });
    n.close();
  });
});
