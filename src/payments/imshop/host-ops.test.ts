// `$imshop` host ops: the order is linked to the turn's own user, checked like the merchant's
// registration, and answered as data (never an exception) also when webhook acquiring is off.
import { describe, expect, it } from "vitest";
import { createImshopOps, IMSHOP_NOT_CONFIGURED } from "./host-ops.js";
import { ImshopStore } from "./store.js";

describe("$imshop host ops", () => {
  const store = new ImshopStore();
  const ops = createImshopOps(() => store, () => Date.parse("2026-12-01T10:00:00Z"));

  it("registers an order linked to the turn's user; the same terms again are the same order", async () => {
    const order = { orderId: "app-1", amount: 150000, description: "Слон" };
    expect(await ops("imshop.registerOrder", { user: "sub-u1", order })).toMatchObject({ ok: true, created: true, order: { orderId: "app-1", amountMinor: 150000, userKey: "sub-u1", try: 0 } });
    expect(await ops("imshop.registerOrder", { user: "sub-u1", order })).toMatchObject({ ok: true, created: false });
    expect(await ops("imshop.getOrder", { orderId: "app-1" })).toMatchObject({ ok: true, order: { userKey: "sub-u1" } });
  });

  it("refuses other terms, another dialog's claim, a user named by the script, and bad fields, with the reason", async () => {
    await ops("imshop.registerOrder", { user: "sub-u2", order: { orderId: "app-2", amount: 100, description: "d" } });
    expect(await ops("imshop.registerOrder", { user: "sub-u3", order: { orderId: "app-2", amount: 100, description: "d" } })).toEqual({ ok: false, error: expect.stringContaining("other terms") });
    expect(await ops("imshop.registerOrder", { user: "sub-u2", order: { orderId: "app-3", amount: 100, description: "d", user: "sub-victim" } })).toEqual({ ok: false, error: expect.stringContaining("leave it out") });
    expect(await ops("imshop.registerOrder", { user: "sub-u2", order: { orderId: "app-4", amount: 10.5, description: "d" } })).toEqual({ ok: false, error: expect.stringContaining("amount") });
    expect(await ops("imshop.registerOrder", { order: { orderId: "app-5", amount: 100, description: "d" } })).toEqual({ ok: false, error: expect.stringContaining("no dialog user") });
    expect(await ops("imshop.registerOrder", { user: "sub-u2", order: "app-6" })).toEqual({ ok: false, error: expect.stringContaining("orderId, amount") });
    expect(await ops("imshop.getOrder", { orderId: "nope" })).toEqual({ ok: false, error: expect.stringContaining("not registered") });
    expect(await store.order("app-3")).toBeUndefined();
  });

  it("without IMSHOP_SECRET every op says what to set; an unknown op is a host error", async () => {
    const off = createImshopOps(() => undefined);
    expect(await off("imshop.registerOrder", { user: "u", order: {} })).toEqual(IMSHOP_NOT_CONFIGURED);
    await expect(off("imshop.delete", {})).rejects.toThrow("unknown host call");
  });
});
