// `$yookassa` in XML tests: the case's emulated shop answers as the server does (checked arguments,
// one payment per orderId, the view scripts get) and raises the core's typed events once.
import { describe, expect, it } from "vitest";
import { CaseYooKassa } from "./yookassa-case.js";

const T0 = Date.UTC(2026, 0, 1, 12);
const args = (extra: Record<string, unknown> = {}) => ({ orderId: "o-1", amount: 150000, description: "Слон", ...extra });
const shop = () => new CaseYooKassa(() => T0);

describe("$yookassa in XML tests", () => {
  it("checks the arguments by the server's rules and keeps one payment per orderId", () => {
    const yk = shop();
    expect(yk.call("yookassa.createPayment", { user: "u", args: { amount: 100, description: "x" } })).toMatchObject({ code: 400, ok: false, error: { error_code: "invalid_request", field: "orderId" } });
    const receipt = { email: "a@b.c", items: [{ name: "Слон", price: 100000, quantity: 1, vatCode: 1 }] };
    expect(yk.call("yookassa.createPayment", { user: "u", args: args({ receipt }) })).toMatchObject({ code: 400, error: { field: "receipt.items" } }); // 1000 ₽ of items for 1500 ₽
    const first = yk.call("yookassa.createPayment", { user: "u", args: args() });
    expect(first).toMatchObject({ code: 200, ok: true, status: "pending", amount: 150000, orderId: "o-1", paid: false });
    expect(String(first.confirmationUrl)).toMatch(/__checkout\//);
    expect(yk.call("yookassa.createPayment", { user: "u", args: args() })).toMatchObject({ paymentId: first.paymentId, confirmationUrl: first.confirmationUrl });
    expect(yk.call("yookassa.createPayment", { user: "u", args: args({ amount: 1 }) })).toMatchObject({ code: 409 });
    expect(yk.takeEvents()).toEqual([]);
    yk.close();
  });

  it("the payer pays: payment.succeeded once, with the core's payload; a refund raises refund.succeeded", () => {
    const yk = shop();
    yk.call("yookassa.createPayment", { user: "u", args: args() });
    const [paid, ...rest] = yk.act("pay");
    expect(rest).toEqual([]);
    expect(paid).toMatchObject({ name: "payment.succeeded", payload: { orderId: "o-1", provider: "yookassa", status: "paid", amount: { minor: 150000, currency: "RUB" }, captured: { minor: 150000 } } });
    expect(yk.call("yookassa.getPayment", { ref: "o-1" })).toMatchObject({ status: "succeeded", paid: true, capturedAmount: 150000 });
    expect(yk.takeEvents()).toEqual([]); // read again: nothing new
    expect(yk.call("yookassa.refund", { ref: "o-1", options: { amount: 50000 } })).toMatchObject({ refundedAmount: 50000 });
    expect(yk.takeEvents().map((e) => e.name)).toEqual(["refund.succeeded"]);
    expect(() => yk.act("pay", "nope")).toThrow(/no YooKassa payment for orderId nope/);
    yk.close();
  });

  it("two-stage: pay holds (payment.waiting_for_capture), capture takes it; a declined card cancels", () => {
    const yk = shop();
    yk.call("yookassa.createPayment", { user: "u", args: args({ capture: false }) });
    expect(yk.act("pay").map((e) => e.name)).toEqual(["payment.waiting_for_capture"]);
    expect(yk.call("yookassa.capture", { ref: "o-1", amount: 100000 })).toMatchObject({ status: "succeeded", capturedAmount: 100000 });
    expect(yk.takeEvents().map((e) => e.name)).toEqual(["payment.succeeded"]);
    yk.call("yookassa.createPayment", { user: "u", args: args({ orderId: "o-2" }) });
    expect(yk.act("decline")).toMatchObject([{ name: "payment.canceled", payload: { orderId: "o-2", category: "declined" } }]);
    expect(yk.call("yookassa.refund", { ref: "o-2" })).toMatchObject({ code: 409 });
    yk.close();
  });
});
