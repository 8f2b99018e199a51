// Sandbox behaviour a client does not exercise: raw HTTP rules, admin hooks, order-id modes, persistence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { startSandbox, type Sandbox } from "./server.js";
import { invoiceRequest, item } from "../test-fixtures.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

async function callAs(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown, headers: Record<string, string> = { authorization: "Bearer any" }) {
  const res = await request(url, { method, headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

const call = callAs;

describe("sandbox HTTP", () => {
  it("needs a Bearer token (any token unless a list is configured)", async () => {
    expect((await call("GET", `${sandbox.smartPayUrl}/invoices/1`, undefined, {})).status).toBe(401);
    expect((await call("GET", `${sandbox.smartPayUrl}/invoices/1`, undefined, { authorization: "Basic abc" })).status).toBe(401);
    expect((await call("GET", `${sandbox.smartPayUrl}/invoices/1`)).status).toBe(404);
  });

  it("answers malformed JSON with a 400 error block", async () => {
    const res = await call("POST", `${sandbox.smartPayUrl}/invoices`, "{nope");
    expect(res).toMatchObject({ status: 400, body: { error: { error_code: "400", error_description: "the body is not valid JSON" } } });
  });

  it("rejects duplicate position_id and item_code and missing required fields", async () => {
    const dup = invoiceRequest({ items: [item(), item({ item_amount: 100, item_price: 100 })] });
    const res = await call("POST", `${sandbox.smartPayUrl}/invoices`, dup);
    expect(res.status).toBe(400);
    expect(res.body.error.error_description).toContain("duplicate position_id 1");
    expect(res.body.error.error_description).toContain("duplicate item_code sku-1");
    const missing = invoiceRequest();
    delete (missing.invoice.order as Partial<typeof missing.invoice.order>).purpose;
    expect((await call("POST", `${sandbox.smartPayUrl}/invoices`, missing)).body.error.error_description).toContain("must have required property 'purpose'");
  });

  it("a repeated order_id returns the existing invoice by default", async () => {
    const req = invoiceRequest();
    const a = await call("POST", `${sandbox.smartPayUrl}/invoices`, req);
    const b = await call("POST", `${sandbox.smartPayUrl}/invoices`, req);
    expect(b.body.invoice_id).toBe(a.body.invoice_id);
    expect(sandbox.core.list().filter((i) => i.orderId === req.invoice.order.order_id)).toHaveLength(1);
  });

  it("admin hooks: list, preset a status, fire an event, force, move the clock, inject a fault", async () => {
    const admin = `${sandbox.origin}/__sandbox`;
    const headers = { "x-sandbox-admin-token": sandbox.adminToken };
    const call = (method: "GET" | "POST" | "DELETE", url: string, body?: unknown) => callAs(method, url, body, url.startsWith(admin) ? headers : undefined);
    const { body } = await call("POST", `${sandbox.smartPayUrl}/invoices`, invoiceRequest());
    const id = body.invoice_id as string;
    expect((await callAs("GET", `${admin}/invoices`, undefined, {})).status).toBe(401);
    expect((await callAs("GET", `${admin}/invoices`, undefined, { authorization: "Bearer any", "x-sandbox-admin-token": "guess" })).status).toBe(401);

    expect((await call("POST", `${admin}/invoices/${id}/status`, { event: "PAY_START" })).body).toMatchObject({ invoice_status: "executed", status_id: 2 });
    expect((await call("POST", `${admin}/invoices/${id}/status`, { status: "confirmed" })).body).toMatchObject({ invoice_status: "confirmed", status_id: 0, captured: 79900 });
    expect((await call("POST", `${admin}/invoices/${id}/status`, { status: "created" })).status).toBe(400);
    expect((await call("POST", `${admin}/invoices/${id}/status`, { status: "created", force: true })).body.invoice_status).toBe("created");

    const listed = (await call("GET", `${admin}/invoices?status=created`)).body.invoices as { invoice_id: string }[];
    expect(listed.map((i) => i.invoice_id)).toContain(id);

    await call("POST", `${admin}/clock`, { advanceMs: 21 * 60 * 1000 });
    expect((await call("GET", `${admin}/invoices/${id}`)).body.invoice_status).toBe("cancelled");

    await call("POST", `${admin}/faults`, { status: 403, times: 1 });
    expect((await call("GET", `${sandbox.smartPayUrl}/invoices/${id}`)).status).toBe(403);
    expect((await call("GET", `${sandbox.smartPayUrl}/invoices/${id}`)).status).toBe(200);
  });

  it("persists invoices in a SQLite file across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smartpay-sandbox-"));
    try {
      const dbPath = join(dir, "sandbox.sqlite");
      const first = await startSandbox({ dbPath });
      const { body } = await call("POST", `${first.smartPayUrl}/invoices`, invoiceRequest());
      first.core.setStatus(body.invoice_id, "confirmed");
      await first.close();
      const second = await startSandbox({ dbPath });
      try {
        expect((await call("GET", `${second.smartPayUrl}/invoices/${body.invoice_id}`)).body.invoice_status).toBe("confirmed");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sandbox connections", () => {
  it("closes a connection whose request does not arrive in time (a trickling client held it for node's 300 s)", async () => {
    const { connect } = await import("node:net");
    const slow = await startSandbox({ requestTimeoutMs: 300 });
    try {
      const url = new URL(slow.url);
      const socket = connect(Number(url.port), url.hostname);
      let answer = "";
      socket.on("data", (d: Buffer) => (answer += d.toString()));
      const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
      const started = Date.now();
      // Headers complete, body never finished; a byte every 100 ms keeps the socket from going idle.
      socket.write("POST /smartpay/v1/invoices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      const trickle = setInterval(() => socket.writable && socket.write(" "), 100);
      const at = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 4000))]);
      clearInterval(trickle);
      socket.destroy();
      expect(at).toBeGreaterThan(0);
      expect(at - started).toBeLessThan(3000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.close();
    }
  });
});
