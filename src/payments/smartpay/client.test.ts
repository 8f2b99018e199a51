// The SmartPay client against the real sandbox over HTTP (ephemeral 127.0.0.1 port).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { SandboxClock } from "../sandbox/core.js";
import { deriveStoreBaseUrl, SmartPayClient } from "./client.js";
import {
  SmartPayBadRequestError,
  SmartPayForbiddenError,
  SmartPayMalformedResponseError,
  SmartPayNotFoundError,
  SmartPayServerError,
  SmartPayTimeoutError,
  SmartPayUnauthorizedError,
} from "./errors.js";
import { invoiceRequest, item } from "../test-fixtures.js";

const TOKEN = "test-token";
let sandbox: Sandbox;
let client: SmartPayClient;

beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [TOKEN] });
  client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: TOKEN, timeoutMs: 5000 });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.clearFaults();
  for (const k of Object.keys(sandbox.quirks)) delete sandbox.quirks[k as keyof typeof sandbox.quirks];
});

describe("SmartPay client: verbs", () => {
  it("creates an invoice and reads it back with the original order", async () => {
    const req = invoiceRequest();
    const created = await client.createInvoice(req);
    expect(created.invoice_id).toMatch(/^\d+$/);
    expect(created.error.error_code).toBe("0");
    const got = await client.getInvoice(created.invoice_id);
    expect(got.invoice_status).toBe("created");
    expect(got.invoice?.order.order_id).toBe(req.invoice.order.order_id);
    expect(got.invoice?.order.amount).toBe(79900);
  });

  it("finds an invoice by service_id and order_id (GET /invoices/0)", async () => {
    const req = invoiceRequest();
    const { invoice_id } = await client.createInvoice(req);
    const found = await client.findInvoiceByOrder("13", req.invoice.order.order_id);
    expect(found.invoice_id).toBe(invoice_id);
    await expect(client.findInvoiceByOrder("13", "no-such-order")).rejects.toBeInstanceOf(SmartPayNotFoundError);
  });

  it("one-stage: start payment (POST) → executed, success → confirmed", async () => {
    const { invoice_id } = await client.createInvoice(invoiceRequest());
    const started = await client.startPayment(invoice_id, { operations: [{ operation: "payment", code: "new" }] });
    expect(started.invoice_id).toBe(invoice_id);
    expect(started.form_url).toContain(invoice_id);
    expect((await client.getInvoice(invoice_id)).invoice_status).toBe("executed");
    sandbox.core.apply(invoice_id, { type: "SUCCESS" });
    const paid = await client.getInvoice(invoice_id);
    expect(paid.invoice_status).toBe("confirmed");
    expect(paid.payment_info?.masked_pan).toBeTypeOf("string");
  });

  it("two-stage: PUT confirms a hold partially, DELETE reverses another", async () => {
    const a = await client.createInvoice(invoiceRequest({ ptype: 1 }));
    sandbox.core.setStatus(a.invoice_id, "paid");
    const put = await client.confirmInvoice(a.invoice_id, { invoice: { order: { amount: 50000, currency: "RUB" } } });
    expect(put.error.error_code).toBe("0");
    expect(sandbox.core.get(a.invoice_id)).toMatchObject({ status: "confirmed", context: { captured: 50000 } });

    const b = await client.createInvoice(invoiceRequest({ ptype: 1 }));
    await expect(client.reverseInvoice(b.invoice_id)).rejects.toBeInstanceOf(SmartPayBadRequestError); // not held yet
    sandbox.core.setStatus(b.invoice_id, "paid");
    expect((await client.reverseInvoice(b.invoice_id)).error.error_code).toBe("0");
    expect((await client.getInvoice(b.invoice_id)).invoice_status).toBe("reversed");
  });

  it("refunds partially (stays confirmed), then fully (refunded); over-refund is a 400", async () => {
    const { invoice_id } = await client.createInvoice(invoiceRequest());
    sandbox.core.setStatus(invoice_id, "confirmed");
    const order = (current: number, refund: number) => ({
      invoice: { order: { current_amount: current, refund_amount: refund, currency: "RUB", order_bundle: [{ position_id: 1, item_code: "sku-1", item_amount: refund, quantity: { value: 1, measure: "шт." } }] } },
    });
    await client.refundInvoice(invoice_id, order(79900, 30000));
    expect((await client.getInvoice(invoice_id)).invoice_status).toBe("confirmed");
    await expect(client.refundInvoice(invoice_id, order(49900, 50000))).rejects.toBeInstanceOf(SmartPayBadRequestError);
    await client.refundInvoice(invoice_id, order(49900, 49900));
    expect((await client.getInvoice(invoice_id)).invoice_status).toBe("refunded");
    expect(sandbox.core.get(invoice_id).refunds.map((r) => r.amount)).toEqual([30000, 49900]);
  });

  it("lists the user's purchased items from SmartStore and fetches one by code", async () => {
    const user = `user-${Date.now()}`;
    const req = invoiceRequest({ userId: user, items: [item({ item_code: "b-gem", name: "Gem", item_amount: 100, item_price: 100 }), item({ position_id: 2, item_code: "a-coin", name: "Coin", quantity: { value: 3, measure: "шт." }, item_amount: 300, item_price: 100 })] });
    const { invoice_id } = await client.createInvoice(req);
    expect((await client.getUserItems({ userId: user })).items).toEqual([]); // not paid yet
    sandbox.core.setStatus(invoice_id, "confirmed");
    const list = await client.getUserItems({ userId: user, page: 1, size: 1, sort: "ASC", sortField: "item_code" });
    expect(list).toMatchObject({ success: true, total: 2, items: [{ item_code: "a-coin", quantities: { quantity_value: 3 } }] });
    const one = await client.getUserItem("b-gem", { userId: user });
    expect(one).toMatchObject({ success: true, item_code: "b-gem", quantities: { quantity_value: 1 } });
    await expect(client.getUserItem("nope", { userId: user })).rejects.toBeInstanceOf(SmartPayNotFoundError);
  });

  it("derives the SmartStore base from the SmartPay base", () => {
    expect(deriveStoreBaseUrl("https://smartpay.devices.sberbank.ru/smartpay/v1")).toBe("https://smartpay.devices.sberbank.ru/api/smart-store");
    expect(client.storeBaseUrl).toBe(sandbox.storeUrl);
  });
});

describe("SmartPay client: typed errors", () => {
  it("401 for a wrong token", async () => {
    const bad = client.withToken("wrong");
    const err = await bad.getInvoice("3000").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmartPayUnauthorizedError);
    expect(err).toMatchObject({ status: 401, error: { error_code: "401" } });
  });

  it("404 for an unknown invoice, with the error block", async () => {
    const err = await client.getInvoice("999999").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmartPayNotFoundError);
    expect((err as SmartPayNotFoundError).error.error_description).toContain("999999");
  });

  it("400 validation with error_description as a string", async () => {
    const req = invoiceRequest();
    req.invoice.order.amount = 1; // Σ item_amount is 79900
    const err = (await client.createInvoice(req).catch((e: unknown) => e)) as SmartPayBadRequestError;
    expect(err).toBeInstanceOf(SmartPayBadRequestError);
    expect(err.error.error_description).toContain("sum of item_amount");
    expect(err.error.details).toBeUndefined();
  });

  it("400 validation with the array quirk: messages joined, array kept", async () => {
    sandbox.quirks.errorDescriptionArray = true;
    const req = invoiceRequest();
    (req.invoice.order as { currency: string }).currency = "USD";
    req.invoice.order.tax_system = 9;
    const err = (await client.createInvoice(req).catch((e: unknown) => e)) as SmartPayBadRequestError;
    expect(err).toBeInstanceOf(SmartPayBadRequestError);
    expect(err.error.error_description).toContain(".invoice.order.currency must be equal to constant");
    expect(err.error.error_description).toContain("; .invoice.order.tax_system must be <= 5");
    expect(err.error.details).toHaveLength(2);
  });

  it("403 and 5xx when injected", async () => {
    sandbox.inject({ status: 403, times: 1 });
    expect(await client.getInvoice("1").catch((e: unknown) => e)).toBeInstanceOf(SmartPayForbiddenError);
    sandbox.inject({ status: 503, times: 1 });
    const err = await client.getInvoice("1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmartPayServerError);
    expect(err).toMatchObject({ status: 503, error: { error_code: "503" } });
  });

  it("timeout when the answer is held longer than the client waits", async () => {
    const impatient = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: TOKEN, timeoutMs: 100 });
    sandbox.inject({ latencyMs: 1500, times: 1 });
    const err = await impatient.getInvoice("1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmartPayTimeoutError);
    expect((err as SmartPayTimeoutError).status).toBe(0);
  });
});

describe("SmartPay client: tolerant parsing", () => {
  it("normalises invoice_id and error_code sent as numbers", async () => {
    Object.assign(sandbox.quirks, { invoiceIdNumber: true, errorCodeNumber: true });
    const created = await client.createInvoice(invoiceRequest());
    expect(typeof created.invoice_id).toBe("string");
    expect(created.error.error_code).toBe("0");
    const err = (await client.getInvoice("999999").catch((e: unknown) => e)) as SmartPayNotFoundError;
    expect(err.error.error_code).toBe("404");
  });

  it("reports a 200 whose body is not JSON as malformed", async () => {
    const odd: Server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>maintenance</html>"));
    await new Promise<void>((r) => odd.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/smartpay/v1`;
      const err = await new SmartPayClient({ baseUrl: url, token: TOKEN }).getInvoice("1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmartPayMalformedResponseError);
      expect((err as SmartPayMalformedResponseError).status).toBe(200);
    } finally {
      odd.closeAllConnections();
      await new Promise((r) => odd.close(r));
    }
  });
});

describe("SmartPay client: safe create retries", () => {
  it("a create that timed out after SmartPay made the invoice yields that invoice, not a second one", async () => {
    const strict = await startSandbox({ duplicateOrder: "error" }); // a naive re-POST would get a 400 here
    try {
      const c = new SmartPayClient({ baseUrl: strict.smartPayUrl, token: TOKEN, timeoutMs: 200 });
      strict.inject({ latencyMs: 1500, times: 1, method: "POST", path: "/invoices" }); // work done, answer late
      const req = invoiceRequest();
      const created = await c.createInvoice(req);
      const invoices = strict.core.list().filter((i) => i.orderId === req.invoice.order.order_id);
      expect(invoices).toHaveLength(1);
      expect(created.invoice_id).toBe(invoices[0].id);
    } finally {
      await strict.close();
    }
  });

  it("a 5xx before the work is retried and creates exactly one invoice", async () => {
    sandbox.inject({ status: 502, times: 1, method: "POST", path: "/invoices" });
    const req = invoiceRequest();
    const created = await client.createInvoice(req);
    const invoices = sandbox.core.list().filter((i) => i.orderId === req.invoice.order.order_id);
    expect(invoices.map((i) => i.id)).toEqual([created.invoice_id]);
  });

  it("a 5xx after the work is recovered by the order lookup", async () => {
    const strict = await startSandbox({ duplicateOrder: "error" });
    try {
      const c = new SmartPayClient({ baseUrl: strict.smartPayUrl, token: TOKEN });
      strict.inject({ status: 500, when: "after", times: 1, method: "POST", path: "/invoices" });
      const req = invoiceRequest();
      const created = await c.createInvoice(req);
      expect(strict.core.list().map((i) => i.id)).toEqual([created.invoice_id]);
    } finally {
      await strict.close();
    }
  });

  it("gives up with the typed error when every attempt fails", async () => {
    sandbox.inject({ status: 500, times: 10, method: "POST", path: "/invoices" });
    const req = invoiceRequest();
    expect(await client.createInvoice(req).catch((e: unknown) => e)).toBeInstanceOf(SmartPayServerError);
    expect(sandbox.core.list().filter((i) => i.orderId === req.invoice.order.order_id)).toHaveLength(0);
  });
});

describe("SmartPay client: long-poll and expiry", () => {
  it("a long-poll on inv_status returns when the status changes", async () => {
    const { invoice_id } = await client.createInvoice(invoiceRequest());
    sandbox.core.startPayment(invoice_id, undefined);
    const poll = client.getInvoice(invoice_id, { invStatus: "executed", wait: 30 });
    // The change comes only after the sandbox holds the poll: it waits on this event.
    setTimeout(() => sandbox.core.apply(invoice_id, { type: "SUCCESS" }), 50);
    expect((await poll).invoice_status).toBe("confirmed");
  });

  it("a long-poll answers at once when the status already differs", async () => {
    const { invoice_id } = await client.createInvoice(invoiceRequest());
    const res = await client.getInvoice(invoice_id, { invStatus: "executed", wait: 30 });
    expect(res.invoice_status).toBe("created");
  });

  it("an unpaid invoice is cancelled once its expiration_date passes on the sandbox clock", async () => {
    const clock = new SandboxClock();
    const s = await startSandbox({ clock });
    try {
      const c = new SmartPayClient({ baseUrl: s.smartPayUrl, token: TOKEN });
      const { invoice_id } = await c.createInvoice(invoiceRequest());
      clock.advance(19 * 60 * 1000);
      expect((await c.getInvoice(invoice_id)).invoice_status).toBe("created");
      clock.advance(60 * 1000 + 1);
      expect((await c.getInvoice(invoice_id)).invoice_status).toBe("cancelled");
      await expect(c.startPayment(invoice_id, {})).rejects.toBeInstanceOf(SmartPayBadRequestError);
    } finally {
      await s.close();
    }
  });

  it("honours an explicit expiration_date (with the seed's +03 offset form)", async () => {
    const clock = new SandboxClock();
    const s = await startSandbox({ clock });
    try {
      const c = new SmartPayClient({ baseUrl: s.smartPayUrl, token: TOKEN });
      const year = new Date(clock.now()).getUTCFullYear() + 1;
      const { invoice_id } = await c.createInvoice(invoiceRequest({ expiration: `${year}-01-01T03:00:00+03` }));
      expect(new Date(s.core.get(invoice_id).expiresAt).toISOString()).toBe(`${year}-01-01T00:00:00.000Z`);
      clock.advance(Date.UTC(year, 0, 1) - clock.now());
      expect((await c.getInvoice(invoice_id)).invoice_status).toBe("cancelled");
    } finally {
      await s.close();
    }
  });

  it("a long-poll wakes when the invoice expires while it waits", async () => {
    const clock = new SandboxClock();
    const s = await startSandbox({ clock });
    try {
      const c = new SmartPayClient({ baseUrl: s.smartPayUrl, token: TOKEN });
      const { invoice_id } = await c.createInvoice(invoiceRequest());
      const poll = c.getInvoice(invoice_id, { invStatus: "created", wait: 30 });
      setTimeout(() => clock.advance(21 * 60 * 1000), 50);
      expect((await poll).invoice_status).toBe("cancelled");
    } finally {
      await s.close();
    }
  });
});
