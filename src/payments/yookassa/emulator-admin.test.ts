// The emulator's test-control routes can mark a payment paid: with an admin token (as `serve`'s local
// sandbox runs it) they need the header; the payer's checkout page does not (the link is the credential).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import { YooKassaClient } from "./client.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "./emulator-core.js";

let emu: RunningYooKassaEmulator;
beforeAll(async () => {
  emu = await startYooKassaEmulator({ adminToken: "admin-tok" });
});
afterAll(() => emu.close());

describe("the emulator's /__sandbox routes with an admin token", () => {
  it("refuses them without the token, takes them with it; the checkout page stays open", async () => {
    const client = new YooKassaClient({ baseUrl: emu.url, shopId: "s", secretKey: DEFAULT_EMULATOR_SECRET_KEY });
    const p = await client.createPayment({ amount: { value: "10.00", currency: "RUB" }, capture: true, confirmation: { type: "redirect", return_url: "https://x.example/r" } }, "k-admin-1");
    const pay = (headers: Record<string, string>) => fetch(`${emu.url}/__sandbox/payments/${p.id}/pay`, { method: "POST", headers });
    expect((await pay({})).status).toBe(401);
    expect((await pay({ "x-sandbox-admin-token": "admin-tox" })).status).toBe(401);
    expect((await client.getPayment(p.id)).status).toBe("pending");
    expect((await fetch(p.confirmation!.confirmation_url!)).status).toBe(200);
    expect((await pay({ "x-sandbox-admin-token": "admin-tok" })).status).toBe(200);
    expect((await client.getPayment(p.id)).status).toBe("succeeded");
  });
});
