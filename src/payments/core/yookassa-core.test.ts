// What the core learned for YooKassa: its own name for a hold, the link and the saved method kept on the
// attempt, permission_revoked as a category, the create's key kept with the attempt (first one
// sticks), older SQLite databases upgraded in place, and a notifying provider polled less often (but
// always at start). The same fields in the Redis and PostgreSQL stores: store.contract.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PaymentCore } from "./core.js";
import { planSnapshot } from "./machine.js";
import { PaymentStore } from "./store.js";
import type { PaymentProviderAdapter } from "../providers/types.js";

const begin = (core: PaymentCore, provider: "yookassa" | "smartpay" = "yookassa", orderId = "o-1") =>
  core.begin({ userKey: "u", provider, account: "shop", orderId, amount: { minor: 90000, currency: "RUB" }, description: "Пицца" });

describe("the payment core with YooKassa", () => {
  it("a hold is payment.waiting_for_capture for YooKassa and payment.authorized for SmartPay", async () => {
    const core = new PaymentCore({ store: new PaymentStore(":memory:"), adapters: {} });
    const yk = await begin(core);
    const sp = await begin(core, "smartpay", "o-2");
    const snap = { providerPaymentId: "p", status: "waiting_for_capture" as const, providerStatus: "waiting_for_capture" };
    expect(planSnapshot(yk.invoice, yk.attempt, snap).events.map((e) => e.name)).toEqual(["payment.waiting_for_capture"]);
    expect(planSnapshot(sp.invoice, sp.attempt, snap).events.map((e) => e.name)).toEqual(["payment.authorized"]);
    await core.close();
  });

  it("keeps the link and the saved method on the attempt, and permission_revoked as the category", async () => {
    const core = new PaymentCore({ store: new PaymentStore(":memory:"), adapters: {} });
    const { attempt } = await begin(core);
    await core.observe("t", { attemptId: attempt.id }, { providerPaymentId: "p-1", status: "pending", providerStatus: "pending", confirmationUrl: "https://pay/1" });
    expect(await core.store.attempt(attempt.id)).toMatchObject({ status: "pending", confirmationUrl: "https://pay/1" });
    await core.observe("t", { attemptId: attempt.id }, { providerPaymentId: "p-1", status: "succeeded", providerStatus: "succeeded", capturedMinor: 90000, paymentMethod: { id: "pm-1", saved: true } });
    expect(await core.store.attempt(attempt.id)).toMatchObject({ status: "succeeded", confirmationUrl: "https://pay/1", paymentMethodId: "pm-1", paymentMethodSaved: true });
    expect((await core.store.events())[0]!.payload).toMatchObject({ paymentMethod: { id: "pm-1", saved: true } });

    const other = await begin(core, "yookassa", "o-3");
    await core.observe("t", { attemptId: other.attempt.id }, { providerPaymentId: "p-2", status: "canceled", providerStatus: "canceled", cancelCategory: "permission_revoked" });
    expect(await core.store.attempt(other.attempt.id)).toMatchObject({ status: "canceled", cancelCategory: "permission_revoked" });
    await core.close();
  });

  // $payment.refundPayment is SmartPay's; it took the core's id of any invoice, and a YooKassa
  // payment's id sent a refund of it to YooKassa through the SmartPay operation.
  it("a refund for one provider finds only that provider's payments, by the core's id as by the others", async () => {
    const sent: string[] = [];
    const yookassa = {
      kind: "yookassa",
      fetch: () => Promise.reject(new Error("not used")),
      prepareRefund: (_i: unknown, _a: unknown, ask: { amount: { minor: number } }) => Promise.resolve({ amount: ask.amount.minor }),
      submitRefund: (invoice: { id: string }) => (sent.push(invoice.id), Promise.resolve({ status: "succeeded" as const })),
    } as unknown as PaymentProviderAdapter;
    const core = new PaymentCore({ store: new PaymentStore(":memory:"), adapters: { yookassa } });
    const { invoice, attempt } = await begin(core);
    await core.observe("t", { attemptId: attempt.id }, { providerPaymentId: "p-1", status: "succeeded", providerStatus: "succeeded", capturedMinor: 90000 });
    for (const payment of [invoice.id, "p-1", "o-1"]) {
      await expect(core.refund({ payment, provider: "smartpay", idempotencyKey: "k" })).rejects.toMatchObject({ code: "not_found", message: `no payment ${payment}` });
    }
    expect(sent).toEqual([]);
    expect((await core.refund({ payment: invoice.id, provider: "yookassa", idempotencyKey: "k" })).refund.status).toBe("succeeded");
    expect(sent).toEqual([invoice.id]);
    await core.close();
  });

  it("the first create key sticks to the attempt", async () => {
    const store = new PaymentStore(":memory:");
    const core = new PaymentCore({ store, adapters: {} });
    const { attempt } = await begin(core);
    expect(await store.keepCreateRequest(attempt.id, "k1", "h1")).toEqual({ idempotenceKey: "k1", requestHash: "h1" });
    expect(await store.keepCreateRequest(attempt.id, "k2", "h2")).toEqual({ idempotenceKey: "k1", requestHash: "h1" });
    await core.close();
  });

  it("opens a database made before these columns and adds them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pay-old-"));
    try {
      const file = path.join(dir, "payments.db");
      const old = new Database(file);
      old.exec(`CREATE TABLE pay_attempts (id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, provider TEXT NOT NULL, account TEXT NOT NULL,
        provider_payment_id TEXT, status TEXT NOT NULL, provider_status TEXT, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
        cancel_category TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, synced_at TEXT,
        UNIQUE (provider, account, provider_payment_id));
        CREATE TABLE pay_refunds (
        id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, attempt_id TEXT NOT NULL, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
        status TEXT NOT NULL, idempotency_key TEXT NOT NULL, request TEXT NOT NULL, reason TEXT, provider_refund_id TEXT, sent_at TEXT,
        error TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        UNIQUE (invoice_id, idempotency_key))`);
      old.close();
      const store = new PaymentStore(file);
      const core = new PaymentCore({ store, adapters: {} });
      const { attempt } = await begin(core);
      await core.observe("t", { attemptId: attempt.id }, { providerPaymentId: "p", status: "pending", providerStatus: "pending", confirmationUrl: "https://pay/x" });
      expect((await store.attempt(attempt.id))?.confirmationUrl).toBe("https://pay/x");
      const cols = (new Database(file, { readonly: true }).prepare("PRAGMA table_info(pay_refunds)").all() as { name: string }[]).map((c) => c.name);
      expect(cols).toEqual(expect.arrayContaining(["request_hash", "provider_idempotence_key"]));
      await core.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a notifying provider is polled once per pollIntervalMs, and every open attempt at start", async () => {
    let t = Date.UTC(2026, 0, 1);
    let reads = 0;
    const adapter: PaymentProviderAdapter = {
      kind: "yookassa",
      pollIntervalMs: 60_000,
      fetch: async () => (reads++, { providerPaymentId: "p", status: "pending", providerStatus: "pending" }),
      findByOrder: async () => "not_found",
    };
    const core = new PaymentCore({ store: new PaymentStore(":memory:"), adapters: { yookassa: adapter }, now: () => t });
    const { attempt } = await begin(core);
    await core.observe("t", { attemptId: attempt.id }, { providerPaymentId: "p", status: "pending", providerStatus: "pending" });
    await core.reconcileOnce();
    expect(reads).toBe(0); // synced a moment ago
    await core.reconcileOnce({ all: true });
    expect(reads).toBe(1);
    t += 30_000;
    await core.reconcileOnce();
    expect(reads).toBe(1);
    t += 31_000;
    await core.reconcileOnce();
    expect(reads).toBe(2);
    await core.close();
  });
});
