// $reactions.pay from jsapi/reactions.js alone (a project that does not list payment.js).
import { describe, expect, it } from "vitest";
import { hostWith } from "../sandbox/testkit.js";

describe("$reactions.pay without payment.js", () => {
  it("refuses a missing invoice_id instead of sending the text undefined", () => {
    const { run, host } = hostWith([], { scope: { request: { rawRequest: { payload: { app_info: { projectId: "p-1" } } }, data: {} } } });
    expect(() => run("$reactions.pay(undefined);")).toThrow("$reactions.pay: invoice_id is required");
    run("$reactions.pay(42);");
    expect(host.endTurn().response.replies.map((r) => r.body)).toEqual([{ server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: "42", app_info: { projectId: "p-1" } } } }]);
  });
});
