// The sandbox as strict as SmartPay's docs: refunds need their body, ptype is required, line amounts
// add up, an abandoned payment ends, a reused order_id with another body is a 409, errors say why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { SandboxClock, SandboxCore } from "./core.js";
import { startSandbox, type Sandbox } from "./server.js";
import { invoiceRequest, item } from "../test-fixtures.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

const post = async (path: string, body: unknown) => {
  const res = await request(`${sandbox.smartPayUrl}${path}`, { method: "POST", headers: { authorization: "Bearer t", "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
};

describe("sandbox fidelity", () => {
  it("a refund needs its body and bundle; a refund of a created invoice says it is not confirmed", () => {
    const core = sandbox.core;
    const id = core.create(invoiceRequest()).invoice.id;
    expect(() => core.refund(id, undefined)).toThrow(`invoice ${id} is created: a refund (PATCH) needs a confirmed invoice`);
    core.setStatus(id, "confirmed");
    expect(() => core.refund(id, undefined)).toThrow("a refund needs a body");
    expect(() => core.refund(id, { invoice: { order: { refund_amount: 100 } } })).toThrow("order_bundle is required");
    expect(core.get(id).status).toBe("confirmed");
  });

  it("ptype is required, and item_amount must be item_price × quantity (less a discount)", async () => {
    const { ptype: _p, ...noPtype } = invoiceRequest();
    expect((await post("/invoices", noPtype)).status).toBe(400);
    const wrong = await post("/invoices", invoiceRequest({ items: [item({ quantity: { value: 2, measure: "шт." }, item_price: 100, item_amount: 100 })] }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.error_description).toContain("item_amount should be item_price × quantity.value (200), got 100");
    const discounted = await post("/invoices", invoiceRequest({ items: [item({ quantity: { value: 2, measure: "шт." }, item_price: 100, item_amount: 180, discount_type: "percent", discount_value: 10 })] }));
    expect(discounted.status).toBe(200);
  });

  it("the same order_id with another body is a 409; with the same body it is the same invoice", async () => {
    const req = invoiceRequest();
    const first = await post("/invoices", req);
    expect((await post("/invoices", req)).body.invoice_id).toBe(first.body.invoice_id);
    const other = invoiceRequest({ orderId: req.invoice.order.order_id, items: [item({ item_amount: 100, item_price: 100 })] });
    const conflict = await post("/invoices", other);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.error_description).toContain("with another amount or bundle");
  });

  it("an executed invoice nobody finishes ends cancelled after the timeout", () => {
    const clock = new SandboxClock();
    const core = new SandboxCore({ clock, executedTimeoutMs: 60_000 });
    const id = core.create(invoiceRequest()).invoice.id;
    core.startPayment(id, undefined);
    clock.advance(20 * 60_000);
    expect(core.get(id).status).toBe("executed");
    clock.advance(61_000);
    core.sweep();
    expect(core.get(id).status).toBe("cancelled");
    core.close();
  });

  it("a capture above the hold says so", () => {
    const core = sandbox.core;
    const id = core.create(invoiceRequest({ ptype: 1 })).invoice.id;
    core.setStatus(id, "paid");
    expect(() => core.confirm(id, { invoice: { order: { amount: 99_999_999 } } })).toThrow(`invoice.order.amount 99999999 exceeds the 79900 held on invoice ${id}`);
  });
});

describe("GET /invoices (the list)", () => {
  it("the client lists a service's invoices by user and status, a page at a time", async () => {
    const { SmartPayClient } = await import("../smartpay/client.js");
    const client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "t" });
    const user = `lister-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.createInvoice(invoiceRequest({ serviceId: "list-svc", userId: user }))).invoice_id);
    sandbox.core.setStatus(ids[0]!, "confirmed");
    const page1 = await client.listInvoices({ serviceId: "list-svc", userId: user, page: 1, size: 2 });
    expect(page1).toMatchObject({ page: 1, size: 2, total: 3, error: { error_code: "0" } });
    expect(page1.invoices).toHaveLength(2);
    const confirmed = await client.listInvoices({ serviceId: "list-svc", userId: user, status: "confirmed" });
    expect(confirmed.invoices.map((i) => String(i.invoice_id))).toEqual([ids[0]]);
  });
});

describe("a sandbox scoped by token", () => {
  it("another token's invoice is 404 to read, pay, refund or list, and its order_id cannot be reused", async () => {
    const scoped = await startSandbox({ scopeByToken: true });
    try {
      const { SmartPayClient } = await import("../smartpay/client.js");
      const { SmartPayNotFoundError } = await import("../smartpay/errors.js");
      const alice = new SmartPayClient({ baseUrl: scoped.smartPayUrl, token: "alice" });
      const bob = new SmartPayClient({ baseUrl: scoped.smartPayUrl, token: "bob" });
      const req = invoiceRequest({ serviceId: "shared" });
      const { invoice_id } = await alice.createInvoice(req);
      expect((await alice.getInvoice(invoice_id)).invoice_status).toBe("created");
      await expect(bob.getInvoice(invoice_id)).rejects.toBeInstanceOf(SmartPayNotFoundError);
      await expect(bob.findInvoiceByOrder("shared", req.invoice.order.order_id)).rejects.toBeInstanceOf(SmartPayNotFoundError);
      await expect(bob.startPayment(invoice_id, {})).rejects.toBeInstanceOf(SmartPayNotFoundError);
      await expect(bob.createInvoice(req)).rejects.toBeInstanceOf(SmartPayNotFoundError);
      expect((await bob.listInvoices({ serviceId: "shared" })).total).toBe(0);
      expect((await alice.listInvoices({ serviceId: "shared" })).total).toBe(1);
    } finally {
      await scoped.close();
    }
  });
});
