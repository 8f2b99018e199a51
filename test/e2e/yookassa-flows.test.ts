// Every `$yookassa` call through the real `smartapp serve` (a child process) and the worker bridge,
// against an emulator over HTTP: a hold captured partly (the card saved), a repeated refund that
// refunds once, autopayments with the saved card until the payer revokes it, a hold canceled, and an
// argument error answered with its field. The typed events reach the dialog once each.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { bubbles, post, repoRoot, say, startServe, type RunningServer } from "./server.js";

const project = path.join(repoRoot, "test/fixtures/payments/yookassa-flows");
const USER = "flows-user";
let nextId = 7_000_000;

let emu: RunningYooKassaEmulator;
let server: RunningServer;

const turn = async (phrase: string) => {
  const r = await post(server.url, { ...say(phrase, USER), messageId: (nextId += 10) });
  expect(r.status).toBe(200);
  return { first: bubbles(r.json)[0], text: r.text };
};
const control = async (p: string, body?: unknown) => (await fetch(`${emu.url}/__sandbox${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) })).json();

async function events(want: number): Promise<string[]> {
  const end = Date.now() + 15_000;
  for (;;) {
    const got = (await turn("события")).first ?? "";
    const list = got === "" ? [] : got.split(",");
    if (list.length >= want || Date.now() > end) return list;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A link answered as a button; the payer pays on the emulator. */
async function holdAndPay(): Promise<string> {
  const hold = await turn("холд");
  expect(hold.first).toBe("200 pending");
  const id = /"deep_link":"[^"]+__checkout\/([^"/]+)"/.exec(hold.text)![1]!;
  await control(`/payments/${id}/pay`);
  return id;
}

beforeAll(async () => {
  emu = await startYooKassaEmulator({});
  server = await startServe(project, ["--store", "memory"], { YOOKASSA_URL: emu.url, YOOKASSA_SHOP_ID: "flows", YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY, YOOKASSA_TRUSTED_IPS: "127.0.0.1,::1" });
  await fetch(`${emu.url}/__sandbox/notification-url`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `${server.url}/payments/yookassa/flows/notify` }) });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await emu?.close();
});

describe("$yookassa through smartapp serve", () => {
  it("hold → capture part → refund once → autopayments → revoked → a canceled hold → a bad argument", async () => {
    await holdAndPay();
    expect(await events(1)).toEqual(["payment.waiting_for_capture:hold-1"]);
    expect((await turn("списать")).first).toBe("200 succeeded 30000");
    expect((await turn("списать")).first).toBe("200 succeeded 30000"); // captured already: the same answer
    expect((await turn("вернуть")).first).toBe("200 10000");
    expect((await turn("вернуть")).first).toBe("200 10000"); // refundId r1 again: the same refund
    expect(await events(3)).toEqual(["payment.waiting_for_capture:hold-1", "payment.succeeded:hold-1", "refund.succeeded:hold-1"]);

    // The card saved with the hold pays the subscription without the payer.
    expect((await turn("автоплатёж")).first).toBe("200 succeeded -");
    const method = (await (await fetch(`${emu.url}/payments?limit=100`, { headers: { authorization: `Basic ${Buffer.from(`flows:${DEFAULT_EMULATOR_SECRET_KEY}`).toString("base64")}` } })).json()) as { items: { payment_method?: { id: string; saved: boolean } }[] };
    const saved = method.items.find((p) => p.payment_method?.saved)!.payment_method!.id;
    await control(`/payment-methods/${saved}/revoke`);
    expect((await turn("автоплатёж")).first).toBe("200 canceled permission_revoked");

    await holdAndPay();
    expect((await events(6)).at(-1)).toBe("payment.waiting_for_capture:hold-4");
    expect((await turn("отменить")).first).toBe("200 canceled canceled_by_merchant");
    expect((await turn("отменить")).first).toBe("200 canceled canceled_by_merchant");
    expect((await events(7)).slice(3)).toEqual(["payment.succeeded:auto-2", "payment.canceled:auto-3", "payment.waiting_for_capture:hold-4", "payment.canceled:hold-4"]);

    expect((await turn("неверно")).first).toBe("400 amount: must be a positive integer number of kopecks");
  }, 90_000);
});
