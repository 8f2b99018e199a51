// The $payment host ops against the real sandbox: token resolution, results and failures as script data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "./sandbox/server.js";
import { createPaymentOps, type PaymentOpsConfig } from "./host-ops.js";
import { invoiceRequest } from "./test-fixtures.js";

const SECRET_TOKEN = "s3cr3t-token-value";
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [SECRET_TOKEN] });
});
afterAll(() => sandbox.close());

function ops(over: Partial<PaymentOpsConfig> = {}) {
  const logs: string[] = [];
  const handler = createPaymentOps({
    baseUrl: sandbox.smartPayUrl,
    env: {},
    log: (level, message) => logs.push(`${level} ${message}`),
    ...over,
  });
  return { handler, logs };
}

const body = (orderId?: string) => invoiceRequest({ orderId });

describe("payment host ops", () => {
  it("createPayment with a token value creates the invoice and answers SmartPay's body with code 200", async () => {
    const { handler, logs } = ops();
    const res = (await handler("payment.createPayment", { body: body(), token: SECRET_TOKEN })) as Record<string, any>;
    expect(res).toMatchObject({ code: 200, error: { error_code: "0" } });
    expect(sandbox.core.get(res.invoice_id).status).toBe("created");
    expect(logs.join("\n")).not.toContain(SECRET_TOKEN);
  });

  it('"$pay_api_key" names a project secret', async () => {
    const { handler } = ops({ secrets: { pay_api_key: SECRET_TOKEN } });
    const res = (await handler("payment.createPayment", JSON.stringify({ body: body(), token: "$pay_api_key" }))) as Record<string, any>;
    expect(res.code).toBe(200);
  });

  it("a missing secret is a 401-shaped answer, without calling SmartPay", async () => {
    const before = sandbox.core.list().length;
    const { handler } = ops({ secrets: {} });
    const res = (await handler("payment.createPayment", { body: body(), token: "$shop_token" })) as Record<string, any>;
    expect(res).toMatchObject({ code: 401, error: { error_code: "401", error_description: "secret shop_token is not set" } });
    const none = (await handler("payment.createPayment", { body: body(), token: "$pay_api_key" })) as Record<string, any>;
    expect(none).toMatchObject({ code: 401, error: { error_code: "401" } });
    expect(none.error.error_description).toMatch(/SMARTPAY_TOKEN.*injector\.pay_api_key/);
    expect(sandbox.core.list()).toHaveLength(before);
  });

  it('"$pay_api_key" without the secret resolves as the seed\'s project expects: SMARTPAY_TOKEN, then injector.pay_api_key', async () => {
    const fromInjector = ops({ injector: { pay_api_key: SECRET_TOKEN } });
    const res = (await fromInjector.handler("payment.getUserItems", { token: "$pay_api_key", userId: "sub-1" })) as Record<string, any>;
    expect(res.code).toBe(200);
    const fromScript = ops(); // payment.js forwards $injector.pay_api_key with "$pay_api_key"
    expect(((await fromScript.handler("payment.createPayment", { body: body(), token: "$pay_api_key", injectorToken: SECRET_TOKEN })) as { code: number }).code).toBe(200);
    const fromEnv = ops({ env: { SMARTPAY_TOKEN: SECRET_TOKEN }, injector: { pay_api_key: "stale-injector-token" } });
    expect(((await fromEnv.handler("payment.createPayment", { body: body(), token: "$pay_api_key" })) as { code: number }).code).toBe(200);
    const secretWins = ops({ secrets: { pay_api_key: SECRET_TOKEN }, env: { SMARTPAY_TOKEN: "other" } });
    expect(((await secretWins.handler("payment.createPayment", { body: body(), token: "$pay_api_key" })) as { code: number }).code).toBe(200);
  });

  it("falls back to SMARTPAY_TOKEN, then injector.pay_api_key (with one warning, never the token)", async () => {
    const fromEnv = ops({ env: { SMARTPAY_TOKEN: SECRET_TOKEN } });
    expect(((await fromEnv.handler("payment.checkPayment", { invoiceId: "999999" })) as { code: number }).code).toBe(404); // authorised, unknown id

    const fromInjector = ops({ injector: { pay_api_key: SECRET_TOKEN } });
    await fromInjector.handler("payment.createPayment", { body: body() });
    await fromInjector.handler("payment.createPayment", { body: body() });
    const warnings = fromInjector.logs.filter((l) => l.includes("injector.pay_api_key"));
    expect(warnings).toHaveLength(1);
    expect(fromInjector.logs.join("\n")).not.toContain(SECRET_TOKEN);

    const fromScriptInjector = ops(); // payment.js forwards $injector.pay_api_key when the host has no injector
    const res = (await fromScriptInjector.handler("payment.createPayment", { body: body(), injectorToken: SECRET_TOKEN })) as { code: number };
    expect(res.code).toBe(200);
  });

  it("a wrong token comes back as SmartPay's 401 data", async () => {
    const { handler, logs } = ops();
    const res = (await handler("payment.checkPayment", { invoiceId: "3000", token: "wrong-token" })) as Record<string, any>;
    expect(res).toMatchObject({ code: 401, error: { error_code: "401" } });
    expect(logs.join("\n")).not.toContain("wrong-token");
  });

  it("fills order.service_id from the host config when the script gave none", async () => {
    const { handler } = ops({ serviceId: "77", token: SECRET_TOKEN });
    const b = body();
    delete (b.invoice.order as Partial<typeof b.invoice.order>).service_id;
    const res = (await handler("payment.createPayment", { body: b })) as Record<string, any>;
    expect(sandbox.core.get(res.invoice_id).serviceId).toBe("77");
  });

  it("checkPayment returns the status body; an unknown invoice is 404 data with a user message", async () => {
    const { handler } = ops({ token: SECRET_TOKEN });
    const { invoice_id } = (await handler("payment.createPayment", { body: body() })) as { invoice_id: string };
    sandbox.core.setStatus(invoice_id, "confirmed");
    expect(await handler("payment.checkPayment", { invoiceId: invoice_id })).toMatchObject({ code: 200, invoice_status: "confirmed", invoice_id });
    expect(await handler("payment.checkPayment", { invoiceId: "999999" })).toMatchObject({ code: 404, error: { error_code: "404", user_message: expect.any(String) } });
  });

  it("validation failures come back as 400 data with SmartPay's description", async () => {
    const { handler } = ops({ token: SECRET_TOKEN });
    const b = body();
    b.invoice.order.amount += 1;
    expect(await handler("payment.createPayment", { body: b })).toMatchObject({ code: 400, error: { error_code: "400", error_description: expect.stringContaining("sum of item_amount") } });
  });

  it("no answer in time is code -1", async () => {
    const { handler } = ops({ token: SECRET_TOKEN, timeoutMs: 100 });
    sandbox.inject({ latencyMs: 1500, times: 1, method: "GET" });
    try {
      expect(await handler("payment.checkPayment", { invoiceId: "3000" })).toMatchObject({ code: -1, error: { error_code: "timeout" } });
    } finally {
      sandbox.clearFaults();
    }
  });

  it("getUserItems and getUserItem read SmartStore for the user", async () => {
    const { handler } = ops({ token: SECRET_TOKEN });
    const user = `buyer-${Date.now()}`;
    const { invoice_id } = (await handler("payment.createPayment", { body: invoiceRequest({ userId: user }) })) as { invoice_id: string };
    sandbox.core.setStatus(invoice_id, "confirmed");
    expect(await handler("payment.getUserItems", { userId: user, params: { page: "1", size: "2", sort: "ASC", sortField: "item_code" } })).toMatchObject({
      code: 200,
      success: true,
      items: [{ item_code: "sku-1", quantities: { quantity_value: 1 } }],
    });
    expect(await handler("payment.getUserItem", { userId: user, code: "sku-1" })).toMatchObject({ code: 200, quantities: { quantity_value: 1 } });
    expect(await handler("payment.getUserItem", { userId: user, code: "nope" })).toMatchObject({ code: 404, success: false });
  });

  it("an unknown op is a programming error", async () => {
    await expect(ops().handler("payment.refundEverything", {})).rejects.toThrow("unknown payment op");
  });
});

describe("a slow SmartPay inside the turn's budget", () => {
  it("a create that outlasts the budget answers pending at once; the next create of the order finds the invoice", async () => {
    const { handler } = ops({ token: SECRET_TOKEN, budgetMs: 300 });
    const req = body();
    // The invoice is made, but the answer comes after 1 s: longer than the call may take.
    sandbox.inject({ method: "POST", path: "/invoices", latencyMs: 1000, when: "after", times: 1 });
    const started = Date.now();
    const first = (await handler("payment.createPayment", { body: req })) as Record<string, any>;
    expect(Date.now() - started).toBeLessThan(900);
    expect(first).toMatchObject({ code: -1, pending: true, order_id: req.invoice.order.order_id, error: { error_code: "timeout" } });
    expect(first.error.user_message).toContain("оплатить");
    await new Promise((r) => setTimeout(r, 800)); // the sandbox finishes its slow answer
    const made = sandbox.core.list().filter((i) => i.orderId === req.invoice.order.order_id);
    expect(made).toHaveLength(1);
    const second = (await handler("payment.createPayment", { body: req })) as Record<string, any>;
    expect(second).toMatchObject({ code: 200, invoice_id: made[0]!.id });
    expect(sandbox.core.list().filter((i) => i.orderId === req.invoice.order.order_id)).toHaveLength(1);
  });

  it("a long-poll is shortened to fit the budget", async () => {
    const { handler } = ops({ token: SECRET_TOKEN, budgetMs: 1500 });
    const id = sandbox.core.create(body()).invoice.id;
    const started = Date.now();
    const res = (await handler("payment.checkPayment", { invoiceId: id, invStatus: "created", wait: 10 })) as Record<string, any>;
    expect(res).toMatchObject({ code: 200, invoice_status: "created" });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
