// Script arguments of $yookassa: every bad field is named with a reason; good ones become the body the
// emulator accepts (the receipt adds up exactly as the emulator checks it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { checkPaymentArgs } from "./script-args.js";
import { YooKassaClient } from "./client.js";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "./emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "./emulator-core.js";

const good = { orderId: "72", amount: 25000, description: "Pizza", receipt: { email: "a@b.ru", items: [{ name: "Margherita", price: 10000, quantity: 2, vatCode: 4 }, { name: "Tea", price: 2500, quantity: 2, vatCode: 1, paymentSubject: "commodity" }] } };

let emu: RunningYooKassaEmulator;
beforeAll(async () => {
  emu = await startYooKassaEmulator({ receiptsRequired: true });
});
afterAll(() => emu.close());

describe("$yookassa arguments", () => {
  it("turns good arguments into a body the emulator accepts", async () => {
    const checked = checkPaymentArgs(good);
    if (!checked.ok) throw new Error(checked.message);
    expect(checked.request).toMatchObject({ amount: { value: "250.00", currency: "RUB" }, capture: true, receipt: { customer: { email: "a@b.ru" }, items: [{ description: "Margherita", vat_code: 4, payment_mode: "full_payment", payment_subject: "commodity" }, {}] } });
    const c = new YooKassaClient({ baseUrl: emu.url, shopId: "1", secretKey: DEFAULT_EMULATOR_SECRET_KEY, retries: 0 });
    const p = await c.createPayment({ ...checked.request, confirmation: { type: "redirect", return_url: "https://x.example/" } }, randomUUID());
    expect(p.status).toBe("pending");
  });

  it.each([
    [null, "args"],
    [{ ...good, orderId: "" }, "orderId"],
    [{ ...good, amount: 250.5 }, "amount"],
    [{ ...good, amount: -1 }, "amount"],
    [{ ...good, description: "x".repeat(129) }, "description"],
    [{ ...good, capture: "yes" }, "capture"],
    [{ ...good, currency: "rub" }, "currency"],
    [{ ...good, paymentMethodId: "pm", savePaymentMethod: true }, "savePaymentMethod"],
    [{ ...good, receipt: { items: good.receipt.items } }, "receipt"],
    [{ ...good, receipt: { ...good.receipt, phone: "+7900" } }, "receipt.phone"],
    [{ ...good, receipt: { ...good.receipt, items: [{ ...good.receipt.items[0], vatCode: 11 }] } }, "receipt.items[0].vatCode"],
    [{ ...good, receipt: { ...good.receipt, items: [{ ...good.receipt.items[0], quantity: 0.0001 }] } }, "receipt.items[0].quantity"],
    [{ ...good, receipt: { ...good.receipt, items: [good.receipt.items[0]] } }, "receipt.items"],
    [{ ...good, metadata: { order_id: "x" } }, "metadata.order_id"],
  ])("refuses %j at %s", (args, field) => {
    const checked = checkPaymentArgs(args);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.field).toBe(field);
      expect(checked.message.length).toBeGreaterThan(5);
    }
  });
});
