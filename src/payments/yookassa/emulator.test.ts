// Emulator behaviour a client does not exercise: the checkout page's forms, notifications with retries
// on the virtual clock, duplicate and reordered deliveries, and the mount beside SmartPay.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { YooKassaClient } from "./client.js";
import { createYooKassaEmulator, startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY, VirtualClock } from "./emulator-core.js";
import { toAmount } from "./money.js";
import { YooKassaForbiddenError, YooKassaNotSupportedError } from "./errors.js";
import { startSandbox } from "../sandbox/server.js";
import type { Notification } from "./types.js";

/** A merchant endpoint that records notifications and answers what `answer` says. */
class Receiver {
  readonly got: Notification[] = [];
  answer: () => number = () => 200;
  private server!: Server;
  url = "";
  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString("utf8")));
      req.on("end", () => {
        const status = this.answer();
        if (status === 200) this.got.push(JSON.parse(text) as Notification);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const clock = new VirtualClock();
const receiver = new Receiver();
let emu: RunningYooKassaEmulator;
let client: YooKassaClient;

beforeAll(async () => {
  await receiver.start();
  emu = await startYooKassaEmulator({ clock, notificationUrl: receiver.url, notificationSchedule: [60_000, 600_000, 3600_000] });
  client = new YooKassaClient({ baseUrl: emu.url, shopId: "42", secretKey: DEFAULT_EMULATOR_SECRET_KEY, retryDelayMs: 5 });
});
afterAll(async () => {
  await emu.close();
  await receiver.close();
});
afterEach(async () => {
  await control("DELETE", "/faults");
  receiver.answer = () => 200;
  receiver.got.length = 0;
});

async function control(method: "POST" | "DELETE" | "GET", path: string, body?: unknown) {
  const res = await request(`${emu.url}/__sandbox${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.body.json()) as Record<string, any>;
}

const createLink = (minor: number, capture = true) => client.createPayment({ amount: toAmount(minor), capture, confirmation: { type: "redirect", return_url: "https://shop.example/back" }, metadata: { order: randomUUID() } }, randomUUID());
const eventsOf = (id: string) => receiver.got.filter((n) => n.object.id === id || (n.object as { payment_id?: string }).payment_id === id).map((n) => n.event);

describe("checkout page", () => {
  it("the form's Pay button pays and redirects to return_url; a paid link shows its status", async () => {
    const p = await createLink(5000);
    const html = await (await request(p.confirmation!.confirmation_url!)).body.text();
    expect(html).toContain(`action="${emu.url}/__checkout/${p.id}/pay"`);
    expect(html).toContain("insufficient_funds"); // decline reasons offered
    const res = await request(`${emu.url}/__checkout/${p.id}/pay`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "pay=" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("https://shop.example/back");
    await res.body.dump();
    expect((await client.getPayment(p.id)).status).toBe("succeeded");
    expect(await (await request(p.confirmation!.confirmation_url!)).body.text()).toContain("This payment is succeeded");
  });

  it("the Decline form cancels with the chosen reason", async () => {
    const p = await createLink(5000);
    const res = await request(`${emu.url}/__checkout/${p.id}/decline`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "reason=3d_secure_failed" });
    await res.body.dump();
    expect((await client.getPayment(p.id)).cancellation_details?.reason).toBe("3d_secure_failed");
  });
});

describe("notifications", () => {
  it("sends payment.waiting_for_capture, payment.succeeded and refund.succeeded with full objects", async () => {
    const p = await createLink(7000, false);
    await control("POST", `/payments/${p.id}/pay`);
    await client.capturePayment(p.id, randomUUID());
    await client.createRefund({ payment_id: p.id, amount: toAmount(1000) }, randomUUID());
    await control("POST", "/notifications/flush");
    expect(eventsOf(p.id)).toEqual(["payment.waiting_for_capture", "payment.succeeded", "refund.succeeded"]);
    expect(receiver.got[0]).toMatchObject({ type: "notification", object: { id: p.id, status: "waiting_for_capture", paid: true, metadata: p.metadata } });
  });

  it("retries a failing endpoint on the clock's schedule and gives up 24 h after the event", async () => {
    const p = await createLink(100);
    receiver.answer = () => 500;
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    const tries = () => control("GET", "/notifications").then((n) => n.log.filter((t: { objectId: string }) => t.objectId === p.id).length);
    expect(await tries()).toBe(1);
    await control("POST", "/clock", { advanceMs: 30_000 });
    expect(await tries()).toBe(1); // the first pause is a minute
    await control("POST", "/clock", { advanceMs: 30_000 });
    expect(await tries()).toBe(2);
    await control("POST", "/clock", { advanceMs: 600_000 });
    expect(await tries()).toBe(3);
    receiver.answer = () => 200;
    await control("POST", "/clock", { advanceMs: 3600_000 });
    expect(await tries()).toBe(4);
    expect(eventsOf(p.id)).toEqual(["payment.succeeded"]);

    const q = await createLink(100);
    receiver.answer = () => 503;
    await control("POST", `/payments/${q.id}/pay`);
    for (let h = 0; h < 26; h++) await control("POST", "/clock", { advanceMs: 3600_000 });
    const d = (await control("GET", "/notifications")).deliveries.find((x: { objectId: string }) => x.objectId === q.id);
    expect(d.givenUpAt).toBeTypeOf("number");
    expect(d.givenUpAt - d.createdAt).toBeLessThanOrEqual(24 * 3600_000);
    expect(d.givenUpAt + 3600_000).toBeGreaterThan(d.createdAt + 24 * 3600_000); // the next try would fall outside the day
    expect(d.tries).toBeGreaterThanOrEqual(24); // one try per hour step (pauses 1 min, 10 min, then hourly)
    expect(d.deliveredAt).toBeUndefined();
  });

  it("fault: a delivery sent three times", async () => {
    await control("POST", "/faults", { kind: "duplicate", copies: 2, times: 1 });
    const p = await createLink(100);
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    expect(eventsOf(p.id)).toEqual(["payment.succeeded", "payment.succeeded", "payment.succeeded"]);
  });

  it("fault: waiting_for_capture held back until succeeded went out (reordered)", async () => {
    await control("POST", "/faults", { kind: "reorder", times: 1 });
    const p = await createLink(100, false);
    await control("POST", `/payments/${p.id}/pay`);
    await control("POST", "/notifications/flush");
    expect(eventsOf(p.id)).toEqual([]);
    await client.capturePayment(p.id, randomUUID());
    await control("POST", "/notifications/flush");
    await new Promise((r) => setTimeout(r, 5)); // the held one is due 1 ms after the next
    await control("POST", "/notifications/flush");
    expect(eventsOf(p.id)).toEqual(["payment.succeeded", "payment.waiting_for_capture"]);
  });
});

describe("shop settings", () => {
  it("autopayments off: save_payment_method is a typed 403; receipts required: a payment without one is a 400; only redirect links", async () => {
    const strict = await startYooKassaEmulator({ autopayments: false, receiptsRequired: true });
    try {
      const c = new YooKassaClient({ baseUrl: strict.url, shopId: "1", secretKey: DEFAULT_EMULATOR_SECRET_KEY, retries: 0 });
      const body = { amount: toAmount(100), capture: true, confirmation: { type: "redirect" as const, return_url: "https://x.example/" } };
      const receipt = { customer: { phone: "79000000000" }, items: [{ description: "Tea", quantity: 1, amount: toAmount(100), vat_code: 1 }] };
      const forbidden = await c.createPayment({ ...body, receipt, save_payment_method: true }, randomUUID()).catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(YooKassaForbiddenError);
      expect(forbidden).toMatchObject({ status: 403, code: "forbidden", parameter: "save_payment_method" });
      await expect(c.createPayment(body, randomUUID())).rejects.toMatchObject({ status: 400, parameter: "receipt" });
      expect((await c.createPayment({ ...body, receipt }, randomUUID())).status).toBe("pending");
      const qr = { ...body, receipt, confirmation: { type: "qr" } as unknown as typeof body.confirmation };
      await expect(c.createPayment(qr, randomUUID())).rejects.toBeInstanceOf(YooKassaNotSupportedError);
    } finally {
      await strict.close();
    }
  });
});

describe("mounted in the SmartPay sandbox", () => {
  it("serves /yookassa/v3 beside /smartpay/v1 with its own secret key", async () => {
    const yk = createYooKassaEmulator({ secretKey: "test_from_env" });
    const sb = await startSandbox({ yookassa: yk.router });
    try {
      const c = new YooKassaClient({ baseUrl: `${sb.url}/yookassa/v3`, shopId: "7", secretKey: "test_from_env", retries: 0 });
      const p = await c.createPayment({ amount: toAmount(100), capture: true, confirmation: { type: "redirect", return_url: "https://x.example/" } }, randomUUID());
      expect(p.confirmation?.confirmation_url).toBe(`${sb.url}/yookassa/v3/__checkout/${p.id}`);
      await expect(new YooKassaClient({ baseUrl: `${sb.url}/yookassa/v3`, shopId: "7", secretKey: DEFAULT_EMULATOR_SECRET_KEY, retries: 0 }).getPayment(p.id)).rejects.toMatchObject({ status: 401 });
      const smartPay = await request(`${sb.url}/smartpay/v1/invoices/1`, { headers: { authorization: "Bearer t" } });
      expect(smartPay.statusCode).toBe(404);
      await smartPay.body.dump();
    } finally {
      yk.core.close();
      await sb.close();
    }
  });
});
