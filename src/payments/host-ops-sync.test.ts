// The two paths of $payment share one request builder and one response reader: what the server
// sends (undici client) is byte for byte what XML tests hand to <mockData>, and both read answers alike.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpRequest, HttpResponse } from "../engine/types.js";
import { buildPaymentRequest, callPaymentSync, createPaymentOps, paymentResultFromResponse, projectSecret, resolvePaymentToken } from "./host-ops.js";
import { invoiceRequest } from "./test-fixtures.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
let answer: { status: number; body: string } = { status: 200, body: "{}" };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: `${base}${req.url}`.replace("/smartpay/v1/smartpay/v1", "/smartpay/v1"), headers: req.headers, body });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const OPS: [string, Record<string, unknown>][] = [
  ["payment.createPayment", { body: invoiceRequest({ orderId: "o-1", userId: "sub-1" }) }],
  ["payment.checkPayment", { invoiceId: "3000" }],
  ["payment.checkPayment", { invoiceId: "3001", invStatus: "executed", wait: 50 }],
  ["payment.getUserItems", { userId: "sub-1", params: { page: 1, size: 20, sort: "ASC", sortField: "item_code", serviceId: "27" } }],
  ["payment.getUserItem", { userId: "sub-1", code: "слон 1", params: { serviceId: "27" } }],
];

describe("$payment: one request, two paths", () => {
  it.each(OPS)("%s sends the same method, URL, headers and body from the server and in XML tests", async (op, args) => {
    answer = { status: 200, body: '{"invoice_id":"3000","error":{"error_code":"0"}}' };
    seen.length = 0;
    const handler = createPaymentOps({ baseUrl: `${base}/smartpay/v1`, token: "tok", env: {} });
    await handler(op, structuredClone(args));
    expect(seen).toHaveLength(1);
    const sent = seen[0]!;

    const calls: HttpRequest[] = [];
    const syncHttp = (req: HttpRequest): HttpResponse => (calls.push(req), { status: 200, headers: {}, body: answer.body });
    callPaymentSync(op, structuredClone(args), { http: syncHttp, env: (n) => ({ SMARTPAY_URL: `${base}/smartpay/v1`, SMARTPAY_TOKEN: "tok" })[n] });
    expect(calls).toHaveLength(1);
    const test = calls[0]!;
    expect(test.method).toBe(sent.method);
    expect(test.url).toBe(`${base}${new URL(sent.url).pathname}${new URL(sent.url).search}`);
    expect(test.body ?? "").toBe(sent.body);
    expect(test.headers.authorization).toBe(sent.headers.authorization);
    expect(test.headers["content-type"]).toBe(sent.headers["content-type"]);
  });

  it("builds production URLs by default and needs no token in tests", () => {
    const calls: HttpRequest[] = [];
    const res = callPaymentSync("payment.checkPayment", { invoiceId: "42" }, { http: (r) => (calls.push(r), { status: 200, headers: {}, body: '{"invoice_status":"confirmed"}' }) });
    expect(calls[0]).toMatchObject({ method: "GET", url: "https://smartpay.devices.sberbank.ru/smartpay/v1/invoices/42" });
    expect(calls[0]!.headers.authorization).toBeUndefined();
    expect(res).toMatchObject({ code: 200, invoice_status: "confirmed", error: { error_code: "0" } });
    callPaymentSync("payment.getUserItems", { userId: "u", params: { page: 1 } }, { http: (r) => (calls.push(r), { status: 200, headers: {}, body: "{}" }) });
    expect(calls[1]!.url).toBe("https://smartpay.devices.sberbank.ru/api/smart-store/items?user_id=u&page=1");
  });

  it("reads answers the same way on both paths: errors, quirks, no answer", async () => {
    const quirky = '{"invoice_id":12345678901234567890,"error":{"error_code":400,"error_description":[{"dataPath":".amount","message":"must be positive"}]}}';
    const sync = callPaymentSync("payment.checkPayment", { invoiceId: "1" }, { http: () => ({ status: 400, headers: {}, body: quirky }) });
    answer = { status: 400, body: quirky };
    const server = await createPaymentOps({ baseUrl: `${base}/smartpay/v1`, token: "t", env: {} })("payment.checkPayment", { invoiceId: "1" });
    expect(sync).toEqual(server);
    expect(sync).toMatchObject({ code: 400, invoice_id: "12345678901234567890", error: { error_code: "400", error_description: ".amount must be positive", user_message: "Некорректные данные платежа" } });

    const none = callPaymentSync("payment.checkPayment", { invoiceId: "1" }, { http: (r) => ({ status: -1, headers: {}, body: "", error: `No mock for GET ${r.url}` }) });
    expect(none).toMatchObject({ code: -1, error: { error_code: "network", user_message: "Платёжный сервис не ответил. Попробуйте позже" } });
    expect(paymentResultFromResponse({ method: "GET", url: "http://x/items", smartPay: false }, 404, '{"success":false,"message":"нет такого"}')).toMatchObject({ code: 404, success: false, error: { user_message: "нет такого" } });
  });

  it("answers bad input without a request, on both paths", async () => {
    const b = invoiceRequest();
    delete (b.invoice.order as { service_id?: string }).service_id;
    expect(buildPaymentRequest("payment.createPayment", { body: b }, { baseUrl: "http://x", storeBaseUrl: "http://y" })).toEqual({ result: expect.objectContaining({ code: 400 }) });
    const http = () => {
      throw new Error("must not be called");
    };
    expect(callPaymentSync("payment.checkPayment", { invoiceId: "" }, { http })).toMatchObject({ code: 400 });
    expect(callPaymentSync("payment.getUserItems", { userId: "" }, { http })).toMatchObject({ code: 400, success: false });
    expect(() => callPaymentSync("payment.refund", {}, { http })).toThrow("unknown payment op");
  });

  it("never mutates the script's arguments", () => {
    const b = invoiceRequest();
    delete (b.invoice.order as { service_id?: string }).service_id;
    const copy = structuredClone(b);
    buildPaymentRequest("payment.createPayment", { body: b }, { baseUrl: "http://x", storeBaseUrl: "http://y", serviceId: "9" });
    expect(b).toEqual(copy);
  });
});

describe("secrets: one rule for $secrets and \"$pay_api_key\"", () => {
  it("explicit secrets first, then env SMARTAPP_SECRET_<name>", () => {
    const env = { SMARTAPP_SECRET_pay_api_key: "from-env", SMARTAPP_SECRET_other: "o" };
    expect(projectSecret("pay_api_key", undefined, env)).toBe("from-env");
    expect(projectSecret("pay_api_key", { pay_api_key: "given" }, env)).toBe("given");
    expect(projectSecret("other", (n) => (n === "x" ? "y" : undefined), env)).toBe("o");
    expect(projectSecret("missing", {}, env)).toBeUndefined();
  });

  it('"$name" tokens resolve through the secret source; values are used as given', () => {
    const secret = (n: string) => projectSecret(n, undefined, { SMARTAPP_SECRET_pay_api_key: "k" });
    expect(resolvePaymentToken("$pay_api_key", { secret })).toEqual({ token: "k" });
    expect(resolvePaymentToken("$nope", { secret })).toEqual({ missing: "secret nope is not set" });
    expect(resolvePaymentToken("plain", { secret })).toEqual({ token: "plain" });
    expect(resolvePaymentToken(undefined, { secret, operatorToken: "op" })).toEqual({ token: "op" });
    expect(resolvePaymentToken(undefined, { secret, injectorToken: "inj" })).toEqual({ token: "inj", fromInjector: true });
  });

  it("the server host ops read SMARTAPP_SECRET_pay_api_key from env by default", async () => {
    seen.length = 0;
    answer = { status: 200, body: '{"invoice_status":"created"}' };
    const res = await createPaymentOps({ baseUrl: `${base}/smartpay/v1`, env: { SMARTAPP_SECRET_pay_api_key: "env-secret" } })("payment.checkPayment", { invoiceId: "7", token: "$pay_api_key" });
    expect(res).toMatchObject({ code: 200 });
    expect(seen[0]!.headers.authorization).toBe("Bearer env-secret");
  });
});
