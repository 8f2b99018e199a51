// A hostile project against the real server: it asks $env for the runtime's secrets, throws and logs
// a secret, and points $http at the server's own /metrics and at the SmartPay sandbox's admin routes
// (findings 5, 10 and 11 of the security review; docs/security-config.md).
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/payments/sandbox/server.js";
import { invoiceRequest } from "../../src/payments/test-fixtures.js";
import { bubbles, post, repoRoot, smartappMessage, startServe, type RunningServer } from "../e2e/server.js";

const project = path.join(repoRoot, "test/fixtures/security-config");
const TOKEN = "tok-SECURITY-7f3a9c41";
const SECRET = "sec-SECURITY-5d21e8b0";
const ENV = { SMARTPAY_TOKEN: TOKEN, SMARTAPP_SECRET_pay_api_key: SECRET, PUBLIC_GREETING: "hello" };

const event = async (server: RunningServer, action: string, parameters: Record<string, unknown> = {}, user = "hostile") => {
  const r = await post(server.url, smartappMessage("SERVER_ACTION", { server_action: { action_id: action, parameters } }, user));
  expect(r.status).toBe(200);
  return bubbles(r.json).join("\n");
};

async function waitForOutput(server: RunningServer, text: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!server.output().includes(text)) {
    if (Date.now() > until) throw new Error(`"${text}" never appeared in the server output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ tokens: [TOKEN] });
});
afterAll(async () => {
  await sandbox?.close();
});

describe("a hostile project on the default configuration", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServe(project, ["--store", "memory"], ENV);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("$env answers the declared variables only, never the runtime's secrets even when declared", async () => {
    const seen = await event(server, "env");
    expect(seen).toBe("SMARTPAY_TOKEN=none SMARTAPP_SECRET_pay_api_key=none PUBLIC_GREETING=hello PATH=none HOME=none");
    expect(server.output()).toMatch(/SMARTPAY_TOKEN is a runtime secret and is never given to scripts/);
  });

  it("a script error whose message carries a secret is logged masked", async () => {
    await event(server, "throw");
    await waitForOutput(server, "turn reported an error");
    const line = server.output().split("\n").find((l) => l.includes("turn reported an error"))!;
    expect(line).toContain("boom [REDACTED] end");
    expect(server.output()).not.toContain(SECRET);
  });

  it("log() and console of a secret are masked in every log line", async () => {
    expect(await event(server, "log")).toBe("logged");
    await waitForOutput(server, "console [REDACTED]");
    expect(server.output()).toContain("logging [REDACTED]");
    expect(server.output()).not.toContain(SECRET);
    expect(server.output()).not.toContain(TOKEN);
  });

  it("$http cannot reach the server's own /metrics under any spelling of loopback", async () => {
    const port = new URL(server.url).port;
    for (const url of [`${server.url}/metrics`, `http://localhost:${port}/metrics`, `http://2130706433:${port}/metrics`, `http://0x7f.0.0.1:${port}/metrics`, `http://[::ffff:127.0.0.1]:${port}/metrics`, `http://0.0.0.0:${port}/metrics`]) {
      const answer = await event(server, "fetch", { url });
      expect(answer, url).toMatch(/^status=-1 error=\$http may not connect to .*: a (loopback|unspecified) address is closed to scripts \(the operator may open it with --allow-http\) body=$/);
      expect(answer, url).not.toContain("smartapp_turns_total");
    }
  });

  it("$http cannot list or force the SmartPay sandbox's invoices", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest({ orderId: "hostile-1" }));
    const list = await event(server, "fetch", { url: `${sandbox.url}/__sandbox/invoices` });
    expect(list).toMatch(/^status=-1 error=\$http may not connect to 127\.0\.0\.1:\d+: a loopback address is closed to scripts/);
    const force = await event(server, "fetch", { url: `${sandbox.url}/__sandbox/invoices/${invoice.id}/status`, method: "POST", body: { status: "confirmed", force: true } });
    expect(force).toMatch(/^status=-1 error=.*closed to scripts/);
    expect(sandbox.core.get(invoice.id).status).toBe("created");
  });
});

describe("--allow-http 127.0.0.1", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServe(project, ["--store", "memory", "--allow-http", "127.0.0.1"], ENV);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("opens loopback to scripts", async () => {
    const answer = await event(server, "fetch", { url: `${server.url}/metrics` });
    expect(answer).toMatch(/^status=200 error= body=[\s\S]*smartapp_/);
  });

  it("still leaves the sandbox's admin routes closed without their own token", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest({ orderId: "hostile-2" }));
    const list = await event(server, "fetch", { url: `${sandbox.url}/__sandbox/invoices` });
    expect(list).toMatch(/^status=401 /);
    expect(list).not.toContain(invoice.id);
    const force = await event(server, "fetch", { url: `${sandbox.url}/__sandbox/invoices/${invoice.id}/status`, method: "POST", body: { status: "confirmed", force: true } });
    // a non-2xx answer's error is its body as text (docs/sandbox.md)
    expect(force).toMatch(/^status=401 error=\{"error":"[^"]*X-Sandbox-Admin-Token[^"]*"\} body=/);
    expect(sandbox.core.get(invoice.id).status).toBe("created");
  });

  it("an endless response is cut at the $http body limit: the script gets a failed result, the server's memory is not filled", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 120);
    let sent = 0;
    const endless = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      };
      res.on("drain", pump);
      pump();
    });
    await new Promise<void>((r) => endless.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/feed`;
      expect(await event(server, "fetch", { url })).toBe("status=-1 error=$http response body is larger than 10485760 bytes body=");
      // The download stopped at the limit instead of running until the 3 s timeout.
      expect(sent).toBeLessThan(100 * 1024 * 1024);
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });
});
