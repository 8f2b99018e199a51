// jsapi/payment.js evaluated in a node:vm context the way the realm loads platform modules
// (`function (host) {…}`), with small stubs for $session/$request/$injector and the host.
import { describe, expect, it } from "vitest";
import vm from "node:vm";
import { readFileSync } from "node:fs";

const source = readFileSync(new URL("../../jsapi/payment.js", import.meta.url), "utf8");
const script = new vm.Script(`(function (host) {\n${source}\n})`, { filename: "jsapi/payment.js" });

type Json = any;

function load(opts: { sub?: string | null; projectId?: string; injector?: Record<string, unknown>; hostResult?: unknown } = {}) {
  const calls: { op: string; args: Json }[] = [];
  const replies: Json[] = [];
  const sub = opts.sub === undefined ? "sub-1" : opts.sub;
  const ctx: Record<string, any> = vm.createContext({
    $session: {},
    $request: { rawRequest: { uuid: sub === null ? {} : { sub }, payload: { app_info: { projectId: opts.projectId ?? "proj-1" } } } },
    $injector: opts.injector ?? { service_id: "13" },
    $reactions: { answer() {} },
  });
  const warnings: string[] = [];
  const host = {
    log: (level: string, message: string) => void warnings.push(`${level} ${message}`),
    call: (op: string, args: unknown) => {
      calls.push({ op, args: JSON.parse(JSON.stringify(args)) });
      return opts.hostResult ?? { code: 200, invoice_id: "3000", error: { error_code: "0" } };
    },
    pushReply: (r: unknown) => (replies.push(JSON.parse(JSON.stringify(r))), r),
    define: (name: string, value: unknown) => void (ctx[name] = value),
  };
  (script.runInContext(ctx) as (h: typeof host) => void)(host);
  const $payment = ctx.$payment;
  const plain = (v: unknown) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
  return { ctx, calls, replies, warnings, $payment, plain, session: () => plain(ctx.$session) };
}

const goodItem = (over: Record<string, unknown> = {}) => ({
  name: "100 кристаллов",
  item_price: 11836,
  item_amount: 11836,
  currency: "RUB",
  item_code: "crystal100",
  quantity: { value: 1, measure: "шт." },
  tax_type: 6,
  ...over,
});

const goodInvoice = (over: Record<string, unknown> = {}) => ({
  order: {
    order_id: "d290f1ee-6c54-4b01-90e6-d701748f0851",
    amount: 11836,
    currency: "RUB",
    purpose: "ООО Ромашка",
    description: "Покупка кристаллов",
    language: "ru-RU",
    tax_system: 0,
    ...over,
  },
});

describe("$payment.addItem", () => {
  it("keeps the cart in $session.smartMarketBucket with positions numbered from 1", () => {
    const p = load();
    p.$payment.addItem(goodItem({ position_id: 7, card_info: { unknown: true } }));
    p.$payment.addItem(goodItem({ item_code: "crystal200" }));
    const bucket = p.session().smartMarketBucket;
    expect(bucket.map((i: Json) => [i.position_id, i.item_code])).toEqual([[1, "crystal100"], [2, "crystal200"]]);
    expect(bucket[0]).not.toHaveProperty("card_info"); // unknown fields are not sent to SmartPay…
    expect(p.warnings).toEqual([expect.stringMatching(/^warn \$payment: item "crystal100": unknown field\(s\) card_info not sent/)]); // …and said so
    expect(p.plain(p.$payment.getItems())).toEqual([goodItem({ position_id: 7, card_info: { unknown: true } }), goodItem({ item_code: "crystal200" })]); // as added
  });

  it("accepts the seed's example: fractional quantity and discount, invoice_params as one object", () => {
    const p = load();
    p.$payment.addItem({
      name: "100 кристаллов для использования при нырянии",
      item_price: 11836,
      item_amount: 11836,
      currency: "RUB",
      item_code: "com.MashaAndTheBear.HairSalon.crystal100",
      quantity: { value: 1.05, measure: "кг." },
      invoice_params: { key: "packageName", value: "com.MashaAndTheBear.HairSalon" },
      discount_type: "percent",
      discount_value: 5.25,
      interest_type: "agentPercent",
      interest_value: 15.105,
      tax_type: 6,
      tax_sum: 2367,
    });
    expect(p.session().smartMarketBucket[0]).toMatchObject({
      quantity: { value: 1.05, measure: "кг." },
      item_params: [{ key: "packageName", value: "com.MashaAndTheBear.HairSalon" }],
      discount_type: "percent",
      discount_value: 5.25,
      interest_type: "agentPercent",
      interest_value: 15.105,
      tax_sum: 2367,
    });
  });

  it("accepts the optional fields in their other documented forms", () => {
    const p = load();
    p.$payment.addItem(goodItem({ item_code: 42, tax_type: 0, discount_type: "amount", discount_value: 100, item_params: [{ key: "a", value: 1 }], image: "https://x/y.png" }));
    p.$payment.addItem(goodItem({ item_code: "b", tax_type: 7, item_price: 0, item_amount: 0 }));
    const [a, b] = p.session().smartMarketBucket;
    expect(a).toMatchObject({ item_code: "42", tax_type: 0, item_params: [{ key: "a", value: "1" }], image: "https://x/y.png" });
    expect(b.tax_type).toBe(7);
  });

  const bad: [string, Record<string, unknown>][] = [
    ["name", { name: undefined }],
    ["name", { name: "  " }],
    ["item_price", { item_price: undefined }],
    ["item_price", { item_price: 118.36 }],
    ["item_price", { item_price: -1 }],
    ["item_price", { item_price: "11836" }],
    ["item_amount", { item_amount: undefined }],
    ["item_amount", { item_amount: 1.5 }],
    ["currency", { currency: undefined }],
    ["currency", { currency: "rub" }],
    ["currency", { currency: "RUBL" }],
    ["quantity", { quantity: undefined }],
    ["quantity.value", { quantity: { measure: "шт." } }],
    ["quantity.value", { quantity: { value: 0, measure: "шт." } }],
    ["quantity.value", { quantity: { value: "1", measure: "шт." } }],
    ["quantity.measure", { quantity: { value: 1 } }],
    ["item_code", { item_code: undefined }],
    ["item_code", { item_code: "" }],
    ["tax_type", { tax_type: undefined }],
    ["tax_type", { tax_type: 8 }],
    ["tax_type", { tax_type: -1 }],
    ["tax_type", { tax_type: 1.5 }],
    ["tax_sum", { tax_sum: 10.5 }],
    ["discount_type", { discount_type: "fixed", discount_value: 1 }],
    ["discount_value", { discount_type: "percent" }],
    ["discount_value", { discount_type: "percent", discount_value: 150 }],
    ["discount_value", { discount_type: "amount", discount_value: -5 }],
    ["discount_type", { discount_value: 5 }],
    ["interest_type", { interest_type: 5 }],
    ["interest_value", { interest_value: -1 }],
    ["invoice_params", { invoice_params: "packageName" }],
    ["invoice_params.key", { invoice_params: { value: "x" } }],
    ["invoice_params.value", { invoice_params: { key: "x" } }],
    ["item_params[1].key", { item_params: [{ key: "a", value: "b" }, { key: "", value: "c" }] }],
    ["image", { image: 12 }],
  ];
  it.each(bad)("rejects a bad %s and leaves the cart alone", (field, over) => {
    const p = load();
    expect(() => p.$payment.addItem(goodItem(over))).toThrow(`$payment.addItem: ${field} `);
    expect(p.session().smartMarketBucket).toBeUndefined();
  });

  it("rejects a non-object item", () => {
    expect(() => load().$payment.addItem("crystal")).toThrow("$payment.addItem: item must be an object");
  });

  it("rejects an item_code already in the cart", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    expect(() => p.$payment.addItem(goodItem({ name: "другой" }))).toThrow("item_code must be unique");
    expect(p.session().smartMarketBucket).toHaveLength(1);
  });

  it("clearItems empties the cart; getItems hands out a copy", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    p.$payment.getItems()[0].item_amount = 1;
    expect(p.session().smartMarketBucket[0].item_amount).toBe(11836);
    p.$payment.clearItems();
    expect(p.plain(p.$payment.getItems())).toEqual([]);
    expect(p.session().smartMarketBucket).toEqual([]);
  });
});

describe("$payment.createPayment", () => {
  it("sends the cart as order.order_bundle with defaults filled, and returns the host's answer", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    const res = p.$payment.createPayment(goodInvoice(), p.ctx.$pay_api_key);
    expect(p.plain(res)).toEqual({ code: 200, invoice_id: "3000", error: { error_code: "0" } });
    expect(p.calls).toHaveLength(1);
    const { op, args } = p.calls[0];
    expect(op).toBe("payment.createPayment");
    expect(args.token).toBe("$pay_api_key");
    expect(args.body.ptype).toBe(0);
    // Sber's docs: uuid.sub goes in encrypted_sub_id; partner_client_id is the merchant's own client id.
    expect(args.body.user_id).toEqual({ encrypted_sub_id: "sub-1" });
    expect(args.body.invoice.order).toMatchObject({ order_id: "d290f1ee-6c54-4b01-90e6-d701748f0851", service_id: "13", amount: 11836, tax_system: 0 });
    expect(args.body.invoice.order.order_date).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(args.body.invoice.order).not.toHaveProperty("expiration_date"); // SmartPay's 20 minutes apply
    expect(args.body.invoice.order.order_bundle).toEqual([{ position_id: 1, ...goodItem() }].map((i) => ({ ...i, quantity: { value: 1, measure: "шт." } })));
  });

  it("accepts the seed's full example (numeric phone and order_number, +03 dates)", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    const res = p.$payment.createPayment({
      purchaser: { email: "qq@dd.eof", phone: 9123456789, contact: "email" },
      delivery_info: { address: { country: "RU", city: "Москва", address: "ул. Вавилова, 19, офис 1" }, delivery_type: "courier", description: "Перезвонить за 1,5 часа" },
      order: { ...goodInvoice().order, order_number: 145, service_id: "9", expiration_date: "2100-04-29T08:17:03+03", autocompletion_date: "2100-07-31T07:32:56.288Z" },
    });
    expect(p.plain(res).invoice_id).toBe("3000");
    const inv = p.calls[0].args.invoice ?? p.calls[0].args.body.invoice;
    expect(inv.purchaser).toEqual({ email: "qq@dd.eof", phone: "9123456789", contact: "email" });
    expect(inv.delivery_info.delivery_type).toBe("courier");
    expect(inv.order).toMatchObject({ service_id: "9", order_number: 145, expiration_date: "2100-04-29T08:17:03+03" });
    // One-stage payments have no autocompletion: not sent, and the script hears why.
    expect(inv.order).not.toHaveProperty("autocompletion_date");
    expect(p.warnings.join("\n")).toContain("autocompletion_date applies to two-stage payments only");
  });

  it("the seed's past expiration_date (2020) is refused: the invoice would be cancelled from birth", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    const res = p.plain(p.$payment.createPayment({ order: { ...goodInvoice().order, expiration_date: "2020-04-29T08:17:03+03" } }));
    expect(res.code).toBe(400);
    expect(res.error.error_description).toMatch(/^order\.expiration_date: is in the past/);
    expect(p.calls).toHaveLength(0);
  });

  it("a phone formatted the usual way is accepted (the docs: a string of at most 50 characters)", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    p.$payment.createPayment({ ...goodInvoice(), purchaser: { phone: "+7 (912) 345-67-89" } });
    expect(p.calls[0].args.body.invoice.purchaser).toEqual({ phone: "+7 (912) 345-67-89" });
    const long = p.plain(p.$payment.createPayment({ ...goodInvoice(), purchaser: { phone: "1".repeat(51) } }));
    expect(long.error.error_description).toMatch(/^purchaser\.phone: must be a phone number of at most 50 characters/);
    expect(p.plain(p.$payment.createPayment({ ...goodInvoice(), purchaser: { phone: "call me" } })).code).toBe(400);
  });

  it("takes the script's own user_id (object or the merchant's client id) and rejects unknown keys", () => {
    const p = load();
    p.$payment.addItem(goodItem());
    p.$payment.createPayment({ ...goodInvoice(), user_id: { partner_client_id: "client-77" } });
    p.$payment.createPayment({ ...goodInvoice(), user_id: "client-78" });
    expect(p.calls.map((c) => c.args.body.user_id)).toEqual([{ partner_client_id: "client-77" }, { partner_client_id: "client-78" }]);
    const bad = p.plain(p.$payment.createPayment({ ...goodInvoice(), user_id: { partner_clent_id: "x" } }));
    expect(bad.code).toBe(400);
    expect(bad.error.error_description).toMatch(/^user_id\.partner_clent_id: is not a SmartPay user_id field/);
    expect(p.calls).toHaveLength(2);
  });

  it("passes injector.pay_api_key when no token or \"$pay_api_key\" is given", () => {
    const p = load({ injector: { service_id: "13", pay_api_key: "inj-token" } });
    p.$payment.addItem(goodItem());
    p.$payment.createPayment(goodInvoice());
    p.$payment.createPayment(goodInvoice(), "explicit");
    p.$payment.getUserItems(p.ctx.$pay_api_key, { page: 1 });
    expect(p.calls.map((c) => [c.args.token, c.args.injectorToken])).toEqual([[undefined, "inj-token"], ["explicit", undefined], ["$pay_api_key", "inj-token"]]);
  });

  it("uses order.order_bundle when the cart is empty", () => {
    const p = load();
    p.$payment.createPayment(goodInvoice({ order_bundle: [goodItem()] }));
    expect(p.calls[0].args.body.invoice.order.order_bundle[0]).toMatchObject({ position_id: 1, item_code: "crystal100" });
  });

  type Case = [string, (p: ReturnType<typeof load>) => unknown];
  const withCart = (over: Record<string, unknown>, invoiceOver?: (inv: Json) => void): Case[1] => (p) => {
    p.$payment.addItem(goodItem());
    const inv: Json = goodInvoice(over);
    invoiceOver?.(inv);
    return p.$payment.createPayment(inv);
  };
  const cases: Case[] = [
    ["invoice", (p) => p.$payment.createPayment("order")],
    ["order", (p) => (p.$payment.addItem(goodItem()), p.$payment.createPayment({}))],
    ["order.order_bundle", (p) => p.$payment.createPayment(goodInvoice())],
    ["order.order_id", withCart({ order_id: undefined })],
    ["order.service_id", (p) => {
      const q = load({ injector: {} });
      q.$payment.addItem(goodItem());
      const r = q.$payment.createPayment(goodInvoice());
      expect(q.calls).toHaveLength(0);
      void p;
      return r;
    }],
    ["order.amount", withCart({ amount: 10000 })],
    ["order.amount", withCart({ amount: 118.36 })],
    ["order.amount", withCart({ amount: undefined })],
    ["order.currency", withCart({ currency: "руб" })],
    ["order.currency", withCart({ currency: "USD" })], // the cart is in RUB
    ["order.description", withCart({ description: undefined })],
    ["order.purpose", withCart({ purpose: "" })],
    ["order.language", withCart({ language: undefined })],
    ["order.tax_system", withCart({ tax_system: 6 })],
    ["order.tax_system", withCart({ tax_system: undefined })],
    ["order.order_number", withCart({ order_number: { n: 1 } })],
    ["order.order_date", withCart({ order_date: "yesterday" })],
    ["order.expiration_date", withCart({ expiration_date: "29.04.2020" })],
    ["order.autocompletion_date", withCart({ autocompletion_date: 1588137423000 })],
    ["ptype", withCart({}, (inv) => (inv.ptype = 1))],
    ["purchaser", withCart({}, (inv) => (inv.purchaser = { contact: "email" }))],
    ["purchaser.email", withCart({}, (inv) => (inv.purchaser = { email: "not-an-email" }))],
    ["purchaser.email", withCart({}, (inv) => (inv.purchaser = { email: "a@b.ru, broken" }))],
    ["purchaser.phone", withCart({}, (inv) => (inv.purchaser = { phone: "call me" }))],
    ["purchaser.contact", withCart({}, (inv) => (inv.purchaser = { phone: "79990000000", contact: 1 }))],
    ["delivery_info.address", withCart({}, (inv) => (inv.delivery_info = { delivery_type: "courier" }))],
    ["delivery_info.address.country", withCart({}, (inv) => (inv.delivery_info = { address: { city: "Москва", address: "ул. 1" }, delivery_type: "courier" }))],
    ["delivery_info.address.city", withCart({}, (inv) => (inv.delivery_info = { address: { country: "RU", address: "ул. 1" }, delivery_type: "courier" }))],
    ["delivery_info.address.address", withCart({}, (inv) => (inv.delivery_info = { address: { country: "RU", city: "Москва" }, delivery_type: "courier" }))],
    ["delivery_info.delivery_type", withCart({}, (inv) => (inv.delivery_info = { address: { country: "RU", city: "Москва", address: "ул. 1" } }))],
    ["invoice_params[0].value", withCart({}, (inv) => (inv.invoice_params = [{ key: "k" }]))],
    ["order.order_bundle[0].tax_type", (p) => p.$payment.createPayment(goodInvoice({ order_bundle: [goodItem({ tax_type: 9 })] }))],
  ];
  it.each(cases)("answers a bad %s with SmartPay's error shape, without calling SmartPay", (field, run) => {
    const p = load();
    const res = p.plain(run(p));
    expect(res.code).toBe(400);
    expect(res.error.error_code).toBe("400");
    expect(typeof res.error.user_message).toBe("string");
    expect(res.error.error_description.startsWith(`${field}: `)).toBe(true);
    expect(p.calls).toHaveLength(0);
  });
});

describe("$payment.checkPayment, getUserItems, getUserItem", () => {
  it("checkPayment can long-poll: {inv_status, wait} with or without a token", () => {
    const p = load();
    p.$payment.checkPayment("3000", { inv_status: "executed", wait: 5 });
    p.$payment.checkPayment("3000", "$pay_api_key", { inv_status: "created", wait: 3 });
    expect(p.calls.map((c) => [c.args.invStatus, c.args.wait, c.args.token])).toEqual([["executed", 5, undefined], ["created", 3, "$pay_api_key"]]);
    expect(p.plain(p.$payment.checkPayment("3000", { wait: "soon" })).code).toBe(400);
  });

  it("$reactions.pay without app_info.projectId warns that the pay dialog has no return address", () => {
    const p = load();
    p.ctx.$request.rawRequest.payload = {};
    p.ctx.$reactions.pay("3000");
    expect(p.replies[0].body.server_action.parameters).toEqual({ invoice_id: "3000", app_info: {} });
    expect(p.warnings.join("\n")).toContain("no payload.app_info.projectId");
  });

  it("checkPayment sends the id as a string and returns the answer", () => {
    const p = load({ hostResult: { code: 200, invoice_status: "confirmed" } });
    expect(p.plain(p.$payment.checkPayment(3000, "tok"))).toEqual({ code: 200, invoice_status: "confirmed" });
    expect(p.calls).toEqual([{ op: "payment.checkPayment", args: { invoiceId: "3000", token: "tok" } }]);
    expect(p.plain(p.$payment.checkPayment(undefined)).error.error_description).toBe("invoice_id: is required");
    expect(p.calls).toHaveLength(1);
  });

  it("getUserItems: token first, then paging; the user is uuid.sub; service_id from $injector", () => {
    const p = load();
    p.$payment.getUserItems(p.ctx.$pay_api_key, { page: "1", size: "2", sort: "ASC", sortField: "item_code" });
    p.$payment.getUserItems();
    p.$payment.getUserItems({ page: 2 });
    expect(p.calls.map((c) => c.args)).toEqual([
      { userId: "sub-1", token: "$pay_api_key", params: { page: "1", size: "2", sort: "ASC", sortField: "item_code", serviceId: "13" } },
      { userId: "sub-1", params: { serviceId: "13" } },
      { userId: "sub-1", params: { page: 2, serviceId: "13" } },
    ]);
    expect(p.plain(p.$payment.getUserItems("t", { sort: "UP" }))).toMatchObject({ success: false, error: { error_code: "400" } });
  });

  it("getUserItem: code first, then token", () => {
    const p = load();
    p.$payment.getUserItem("com.x.crystal100", "tok");
    expect(p.calls).toEqual([{ op: "payment.getUserItem", args: { userId: "sub-1", code: "com.x.crystal100", token: "tok", params: { serviceId: "13" } } }]);
    expect(p.plain(p.$payment.getUserItem()).error.error_description).toBe("item_code: is required");
  });

  it("SmartStore calls without a user answer an error and call nothing", () => {
    const p = load({ sub: null });
    expect(p.plain(p.$payment.getUserItems())).toMatchObject({ success: false, code: 400 });
    expect(p.plain(p.$payment.getUserItem("x"))).toMatchObject({ success: false, code: 400 });
    expect(p.calls).toHaveLength(0);
  });
});

describe("$reactions.pay and $pay_api_key", () => {
  it("pushes the raw POLICY_RUN_APP reply of §6.4 with the id as a string", () => {
    const p = load({ projectId: "my-project" });
    p.ctx.$reactions.pay(3000);
    expect(p.replies).toEqual([
      {
        type: "raw",
        messageName: "POLICY_RUN_APP",
        body: { server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: "3000", app_info: { projectId: "my-project" } } } },
      },
    ]);
    expect(() => p.ctx.$reactions.pay()).toThrow("invoice_id is required");
    expect(typeof p.ctx.$reactions.answer).toBe("function"); // the rest of $reactions is untouched
  });

  it("exposes $pay_api_key as the literal secret name", () => {
    expect(load().ctx.$pay_api_key).toBe("$pay_api_key");
  });
});

describe("$payment.refundPayment", () => {
  it("asks the payment core with the invoice, the amount, the bundle and a key derived from the request's messageId", () => {
    const p = load({ hostResult: { code: 200, refund_status: "succeeded" } });
    p.ctx.$request.rawRequest.messageId = 77;
    expect(p.plain(p.$payment.refundPayment(3000))).toEqual({ code: 200, refund_status: "succeeded" });
    const bundle = [{ item_code: "sku-1", item_amount: 500 }];
    p.$payment.refundPayment("3000", { amount: 500, order_bundle: bundle, reason: "брак" });
    p.$payment.refundPayment("3000", { amount: 500, order_bundle: bundle, idempotency_key: "mine" });
    expect(p.calls).toEqual([
      { op: "payment.refundPayment", args: { invoiceId: "3000", idempotencyKey: "msg:77:rest" } },
      { op: "payment.refundPayment", args: { invoiceId: "3000", idempotencyKey: "msg:77:500", amount: 500, details: { order_bundle: bundle }, reason: "брак" } },
      { op: "payment.refundPayment", args: { invoiceId: "3000", idempotencyKey: "mine", amount: 500, details: { order_bundle: bundle } } },
    ]);
  });

  it("answers bad input with the 400 shape and calls nobody", () => {
    const p = load();
    const field = (r: Json) => r.error.error_description;
    expect(field(p.$payment.refundPayment(undefined))).toMatch(/^invoice_id: /);
    p.ctx.$request.rawRequest.messageId = 1;
    expect(field(p.$payment.refundPayment("1", { amount: 1.5 }))).toMatch(/^amount: /);
    expect(field(p.$payment.refundPayment("1", { amount: -3 }))).toMatch(/^amount: /);
    expect(field(p.$payment.refundPayment("1", { order_bundle: "all" }))).toMatch(/^order_bundle: /);
    expect(field(p.$payment.refundPayment("1", "everything"))).toMatch(/^options: /);
    delete p.ctx.$request.rawRequest.messageId;
    expect(field(p.$payment.refundPayment("1"))).toMatch(/^idempotency_key: is required/);
    expect(p.calls).toEqual([]);
  });
});
