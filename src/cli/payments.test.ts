// `smartapp payments list|show`: what an operator reads of the ledger, refunds included.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planRefund, planSnapshot } from "../payments/core/machine.js";
import { PaymentStore } from "../payments/core/store.js";
import { payments } from "./payments.js";

const dir = mkdtempSync(path.join(tmpdir(), "cli-payments-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("smartapp payments", () => {
  it("show lists a payment's refunds (done, and written but not sent yet); list shows the refunded total", async () => {
    const file = path.join(dir, "payments.db");
    const store = new PaymentStore(file);
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
    const { invoice, attempt } = await store.beginInvoice({ id: "inv-1", attemptId: "att-1", userKey: "u-1", provider: "smartpay", account: "27", orderId: "order-1", amount: { minor: 150_000, currency: "RUB" }, description: "Слон" }, t(0));
    await store.applyPlan(invoice, attempt, planSnapshot(invoice, attempt, { status: "succeeded", providerStatus: "confirmed", providerPaymentId: "3000" }), t(1));
    let inv = (await store.invoice("inv-1"))!;
    const first = await store.insertRefund({ id: "ref-1", invoiceId: "inv-1", attemptId: "att-1", amount: { minor: 50_000, currency: "RUB" }, idempotencyKey: "k1", request: {}, reason: "брак" }, inv.version, t(2));
    const att = (await store.attempt("att-1"))!;
    inv = (await store.invoice("inv-1"))!;
    await store.applyPlan(inv, att, planRefund(inv, att, first.refund, [first.refund], { status: "succeeded" }), t(3));
    inv = (await store.invoice("inv-1"))!;
    await store.insertRefund({ id: "ref-2", invoiceId: "inv-1", attemptId: "att-1", amount: { minor: 1_000, currency: "RUB" }, idempotencyKey: "k2", request: {} }, inv.version, t(4));
    await store.close();

    let shown = "";
    expect(await payments("show", "3000", { dir, db: file }, (s) => (shown += s))).toBe(0);
    expect(shown).toContain("status paid, amount 1500.00 RUB, captured 150000, refunded 50000");
    expect(shown).toContain(`refund ref-1: succeeded, 500.00 RUB, key k1, "брак", created ${t(2)}`);
    expect(shown).toContain(`refund ref-2: requested, not sent yet, 10.00 RUB, key k2, created ${t(4)}`);
    expect(shown).toMatch(/^ledger .* refund {2}500\.00 RUB/m);
    expect(shown).toMatch(/^event .* refund\.succeeded {2}not delivered/m);
    let listed = "";
    expect(await payments("list", undefined, { dir, db: file }, (s) => (listed += s))).toBe(0);
    expect(listed).toMatch(/^inv-1 {2}paid .* refunded 500\.00 RUB$/m);
  });
});
