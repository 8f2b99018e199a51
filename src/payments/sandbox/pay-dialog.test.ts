// The pay-dialog emulator against a tiny webhook receiver: the exact PAY_DIALOG_FINISHED body and
// the invoice status each outcome leaves behind.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { startSandbox, type Sandbox } from "./server.js";
import { parseExact, payDialog, runPayDialog, stringifyExact, type PayOutcome } from "./pay-dialog.js";
import { SmartPayClient } from "../smartpay/client.js";
import { invoiceRequest } from "../test-fixtures.js";

let sandbox: Sandbox;
let webhook: Server;
let webhookUrl: string;
let received: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push(body);
      const msg = parseExact(body) as Record<string, any>;
      const code = msg.payload.server_action.parameters.payment_response.response_code;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(stringifyExact({ messageName: "ANSWER_TO_USER", messageId: msg.messageId, sessionId: msg.sessionId, uuid: msg.uuid, payload: { pronounceText: `code ${code}` } }));
    });
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  webhook.closeAllConnections();
  await new Promise((r) => webhook.close(r));
  await sandbox.close();
});
beforeEach(() => {
  received = [];
});

const BIG_ID = 9007199254740993n; // above 2^53: must come back +1 exactly
const uuid = { userId: "user-1", sub: "sub-abc", userChannel: "B2C" };
const appInfo = { projectId: "proj-42", applicationId: "app-1", appversionId: "v-1", frontendType: "DIALOG", systemName: "shop" };

function turn(invoiceId: string) {
  const request = {
    messageName: "MESSAGE_TO_SKILL",
    sessionId: "sess-1",
    messageId: BIG_ID,
    uuid,
    payload: {
      projectName: "shop",
      app_info: appInfo,
      character: { id: "sber", name: "Сбер" },
      device: { platformType: "android", surface: "SBOL" },
      meta: { time: { timestamp: 1 } },
      message: { original_text: "купить" },
      new_session: true,
    },
  };
  const answer = {
    messageName: "POLICY_RUN_APP",
    sessionId: "sess-1",
    messageId: BIG_ID,
    uuid,
    payload: {
      projectName: "shop",
      server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: invoiceId, app_info: { projectId: "proj-42" } } },
    },
  };
  return { request, answer };
}

const outcomes: [PayOutcome, number, string][] = [
  ["success", 0, "confirmed"],
  ["close-after-pay", 2, "confirmed"],
  ["close-before-pay", 2, "created"],
  ["decline", 5, "cancelled"],
  ["expired", 4, "cancelled"],
  ["busy", 3, "created"],
  ["error", 1, "created"],
  ["unavailable", 7, "created"],
];

describe("pay-dialog emulator", () => {
  it.each(outcomes)("%s → response_code %s, invoice %s, exact re-entry body", async (outcome, code, status) => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    const { request, answer } = turn(invoice.id);
    const result = await runPayDialog(sandbox.core, { webhookUrl, request, answer, outcome });

    expect(received).toHaveLength(1);
    expect(received[0]).toContain(`"messageId":${BIG_ID + 1n}`); // the raw number, not rounded
    expect(parseExact(received[0])).toEqual({
      messageName: "RUN_APP",
      sessionId: "sess-1",
      messageId: BIG_ID + 1n,
      uuid,
      payload: {
        intent: "run_app",
        new_session: false,
        projectName: "shop",
        app_info: appInfo,
        character: { id: "sber", name: "Сбер" },
        device: { platformType: "android", surface: "SBOL" },
        meta: { time: { timestamp: 1 } },
        server_action: {
          action_id: "PAY_DIALOG_FINISHED",
          parameters: { payment_response: { response_code: code, invoice_id: invoice.id }, app_info: { projectId: "proj-42", systemName: "payment_app" } },
        },
      },
    });
    expect(result).toMatchObject({ responseCode: code, invoiceId: invoice.id, status: 200, answer: { messageName: "ANSWER_TO_USER", payload: { pronounceText: `code ${code}` } } });
    expect(sandbox.core.get(invoice.id).status).toBe(status);
  });

  it("a paid dialog records the payer, so SmartStore lists the purchase", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "close-after-pay" });
    expect(sandbox.core.get(invoice.id).userId).toBe("sub-abc");
    expect(sandbox.core.userItems("sub-abc").map((i) => i.item_code)).toContain("sku-1");
  });

  it("unknown → code 6 with the invoice executed, confirmed later (seen through a long-poll)", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    const result = await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "unknown", settleMs: 50 });
    expect(result.responseCode).toBe(6);
    expect(result.invoiceStatus).toBe("executed");
    const client = new SmartPayClient({ baseUrl: sandbox.smartPayUrl, token: "any" });
    expect((await client.getInvoice(invoice.id, { invStatus: "executed", wait: 30 })).invoice_status).toBe("confirmed");
  });

  it("can re-enter with messageName SERVER_ACTION", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "success", messageName: "SERVER_ACTION" });
    expect((parseExact(received[0]) as { messageName: string }).messageName).toBe("SERVER_ACTION");
  });

  it("refuses an answer that is not a POLICY_RUN_APP for payment_app", async () => {
    const { request } = turn("1");
    const answer = { messageName: "ANSWER_TO_USER", payload: {} };
    await expect(runPayDialog(sandbox.core, { webhookUrl, request, answer, outcome: "success" })).rejects.toThrow("not a POLICY_RUN_APP");
    expect(received).toHaveLength(0);
  });

  it("an invoice paid already: the dialog still returns to the smartapp, with code 1", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "success" });
    const again = await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "success" });
    expect(again).toMatchObject({ responseCode: 1, invoiceStatus: "confirmed", status: 200 });
    expect(received).toHaveLength(2);
  });

  it("an expired invoice (the seed's past expiration_date): PAY_DIALOG_FINISHED with code 4, not an HTTP 400", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest({ expiration: "2020-04-29T08:17:03+03:00" }));
    const result = await runPayDialog(sandbox.core, { webhookUrl, ...turn(invoice.id), outcome: "success" });
    expect(result).toMatchObject({ responseCode: 4, invoiceStatus: "cancelled", status: 200, answer: { payload: { pronounceText: "code 4" } } });
    expect(received).toHaveLength(1);
    // Over HTTP the same: the hook answers 200 with the code the assistant would send.
    const body = stringifyExact({ webhookUrl, ...turn(invoice.id), outcome: "decline" });
    const res = await request(`${sandbox.origin}/__sandbox/pay-dialog`, { method: "POST", headers: { "content-type": "application/json", "x-sandbox-admin-token": sandbox.adminToken }, body });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { responseCode: number }).responseCode).toBe(4);
  });

  it("a cancelled invoice gives code 1, one being paid elsewhere code 3", async () => {
    const cancelled = sandbox.core.create(invoiceRequest()).invoice;
    sandbox.core.apply(cancelled.id, { type: "CANCEL" });
    expect((await runPayDialog(sandbox.core, { webhookUrl, ...turn(cancelled.id), outcome: "success" })).responseCode).toBe(1);
    const busy = sandbox.core.create(invoiceRequest()).invoice;
    sandbox.core.startPayment(busy.id, undefined);
    expect((await runPayDialog(sandbox.core, { webhookUrl, ...turn(busy.id), outcome: "success" })).responseCode).toBe(3);
    expect(sandbox.core.get(busy.id).status).toBe("executed");
  });

  it("works over HTTP: POST /__sandbox/pay-dialog keeps big messageIds exact", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    const body = stringifyExact({ webhookUrl, ...turn(invoice.id), outcome: "close-after-pay" });
    const res = await request(`${sandbox.origin}/__sandbox/pay-dialog`, { method: "POST", headers: { "content-type": "application/json", "x-sandbox-admin-token": sandbox.adminToken }, body });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    const out = parseExact(text) as Record<string, any>;
    expect(out).toMatchObject({ responseCode: 2, invoiceId: invoice.id, status: 200 });
    expect(out.sent.messageId).toBe(BIG_ID + 1n);
    expect(out.answer.messageId).toBe(BIG_ID + 1n);
    expect(received[0]).toContain(`"messageId":${BIG_ID + 1n}`);
    expect(sandbox.core.get(invoice.id).status).toBe("confirmed");
  });

  it("the HTTP hook answers 400 for an unknown outcome", async () => {
    const body = stringifyExact({ webhookUrl, ...turn("1"), outcome: "maybe" });
    const res = await request(`${sandbox.origin}/__sandbox/pay-dialog`, { method: "POST", headers: { "x-sandbox-admin-token": sandbox.adminToken }, body });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: string }).error).toContain("unknown outcome");
  });

  it("payDialog moves a sandbox invoice over HTTP and returns the code (the CLI delivers the re-entry)", async () => {
    const { invoice } = sandbox.core.create(invoiceRequest());
    expect(await payDialog({ sandboxUrl: sandbox.url, adminToken: sandbox.adminToken, invoiceId: invoice.id, outcome: "decline" })).toBe(5);
    expect(sandbox.core.get(invoice.id).status).toBe("cancelled");
    const other = sandbox.core.create(invoiceRequest()).invoice;
    expect(await payDialog({ sandboxUrl: sandbox.smartPayUrl, adminToken: sandbox.adminToken, invoiceId: other.id, outcome: "success", payer: "sub-x" })).toBe(0);
    expect(sandbox.core.get(other.id)).toMatchObject({ status: "confirmed", userId: "sub-x" });
    expect(await payDialog({ sandboxUrl: sandbox.url, adminToken: sandbox.adminToken, invoiceId: "999999", outcome: "success" })).toBe(1); // unknown invoice: unexpectedError
    expect(received).toHaveLength(0);
  });
});
