// jsapi/yookassa.js evaluated in a node:vm context the way the realm loads platform modules, with the
// host stubbed; and the host ops behind it, including a project with no shop configured.
import { describe, expect, it } from "vitest";
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { createYooKassaOps, NOT_CONFIGURED } from "./host-ops.js";

const source = readFileSync(new URL("../../../jsapi/yookassa.js", import.meta.url), "utf8");
const script = new vm.Script(`(function (host) {\n${source}\n})`, { filename: "jsapi/yookassa.js" });

function load(result: unknown = { code: 200, ok: true }) {
  const calls: { op: string; args: any }[] = [];
  const buttons: any[] = [];
  const ctx: Record<string, any> = vm.createContext({
    $request: { channelUserId: "user-7" },
    $reactions: { inlineButtons: (b: unknown) => (buttons.push(JSON.parse(JSON.stringify(b))), b) },
  });
  const host = {
    call: (op: string, args: unknown) => (calls.push({ op, args: JSON.parse(JSON.stringify(args)) }), result),
    define: (name: string, value: unknown) => void (ctx[name] = value),
  };
  (script.runInContext(ctx) as (h: typeof host) => void)(host);
  return { $yookassa: ctx.$yookassa, calls, buttons };
}

describe("$yookassa (jsapi/yookassa.js)", () => {
  it("sends each call to its host op with the dialog's user", () => {
    const { $yookassa, calls } = load();
    $yookassa.createPayment({ orderId: "o", amount: 100, description: "d" });
    $yookassa.charge({ orderId: "o2", amount: 100, description: "d", paymentMethodId: "pm" });
    $yookassa.capture("o", 50);
    $yookassa.cancel({ paymentId: "p" });
    $yookassa.refund("o");
    $yookassa.getPayment("o");
    expect(calls).toEqual([
      { op: "yookassa.createPayment", args: { user: "user-7", args: { orderId: "o", amount: 100, description: "d" } } },
      { op: "yookassa.charge", args: { user: "user-7", args: { orderId: "o2", amount: 100, description: "d", paymentMethodId: "pm" } } },
      { op: "yookassa.capture", args: { ref: "o", amount: 50 } },
      { op: "yookassa.cancel", args: { ref: { paymentId: "p" } } },
      { op: "yookassa.refund", args: { ref: "o", options: {} } },
      { op: "yookassa.getPayment", args: { ref: "o" } },
    ]);
  });

  it("payButton shows the link as a button, and says why when there is none", () => {
    const { $yookassa, buttons } = load();
    $yookassa.payButton({ confirmationUrl: "https://pay/1" }, "Оплатить 900 ₽");
    $yookassa.payButton({ confirmationUrl: "https://pay/2" });
    expect(buttons).toEqual([{ text: "Оплатить 900 ₽", url: "https://pay/1" }, { text: "Оплатить", url: "https://pay/2" }]);
    expect(() => $yookassa.payButton({ code: 400, error: { error_description: "amount: must be a positive integer number of kopecks" } })).toThrow("$yookassa.payButton: no payment link (amount: must be");
    expect(() => $yookassa.payButton({ status: "succeeded" })).toThrow("the payment is succeeded");
  });

  it("renders the Salebot-style callback of an event, only as text for the scenario", () => {
    const { $yookassa } = load();
    expect($yookassa.callbackText({ status: "paid", amount: { minor: 4400 }, captured: { minor: 4400 } }, "ovg58keefc")).toBe("ovg58keefc_success 44");
    expect($yookassa.callbackText({ status: "canceled", amount: { minor: 4450 } }, "k")).toBe("k_fail 44.5");
    expect(() => $yookassa.callbackText({ status: "paid", amount: { minor: 1 } })).toThrow("key is required");
  });
});

describe("the $yookassa host ops", () => {
  it("answer not_configured, naming what to set, when the project has no shop", async () => {
    const ops = createYooKassaOps(() => undefined);
    expect(await ops("yookassa.createPayment", { user: "u", args: {} })).toEqual(NOT_CONFIGURED);
    expect(String((NOT_CONFIGURED.error as { error_description: string }).error_description)).toContain("YOOKASSA_SHOP_ID");
    await expect(ops("yookassa.nope", {})).rejects.toThrow("unknown host call: yookassa.nope");
  });
});
