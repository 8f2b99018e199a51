// The merchant side of the core's YooKassa events: which URLs are accepted, the seed-000 shape of each
// state, and once per (payment, state) however often an event is delivered into the dialog.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
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

  it("enqueues pending at create and each state's event once; SmartPay and refunds are not merchant states", async () => {
    const n = new MerchantNotifier({ url: "https://shop.example/hook", file: ":memory:" });
    expect(await n.created(invoice, "yk-1")).toBe(true);
    expect(await n.fromEvent(event("payment.waiting_for_capture"), invoice)).toBe(true);
    expect(await n.fromEvent(event("payment.succeeded"), invoice)).toBe(true);
    expect(await n.fromEvent(event("payment.succeeded"), invoice)).toBe(false); // the event delivered again
    expect(await n.fromEvent(event("refund.succeeded"), invoice)).toBe(false);
    expect(await n.fromEvent(event("payment.succeeded"), { ...invoice, id: "other", provider: "smartpay" })).toBe(false);
    const rows = await n.outbox.all(invoice.id);
    expect(rows.map((r) => r.state)).toEqual(["pending", "waiting_for_capture", "succeeded"]);
    expect(JSON.parse(rows[2]!.body)).toMatchObject({ payload: { type: "notification", event: "payment.succeeded", object: { id: "yk-1", status: "succeeded", amount: { value: "900.50", currency: "RUB" } } } });
    await n.close();
  });

  it("counts rows for /metrics and sends a delivered one again on manual redelivery", async () => {
    const got: string[] = [];
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      req.on("end", () => (got.push(raw), res.writeHead(200).end()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const n = new MerchantNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, file: ":memory:" });
    try {
      const registry = new Registry();
      n.registerMetrics(registry);
      await n.created(invoice, "yk-1");
      expect(await registry.metrics()).toContain('smartapp_merchant_notifications{status="pending"} 1');
      await n.dispatcher.runOnce();
      expect(await registry.metrics()).toContain('smartapp_merchant_notifications{status="delivered"} 1');
      const [row] = await n.outbox.all();
      expect(await n.outbox.redeliver("nope", Date.now())).toBeUndefined();
      expect(await n.outbox.redeliver(row!.eventId, Date.now())).toMatchObject({ id: row!.id, status: "pending" });
      await n.dispatcher.runOnce();
      expect(got).toHaveLength(2);
      expect(got[1]).toBe(got[0]); // the same bytes, the same event_id: the receiver can tell it is a repeat
      expect((await n.outbox.all())[0]).toMatchObject({ status: "delivered", tries: 2 });
    } finally {
      await n.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
