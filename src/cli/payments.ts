// `smartapp payments list|show ID|notifications [ID]|redeliver ID`: the payment core's ledger
// (docs/payments.md, "The payment core") and the merchant notifications' outbox (docs/yookassa.md).
import { existsSync } from "node:fs";
import path from "node:path";
import { PaymentStore } from "../payments/core/store.js";
import { MerchantOutbox } from "../payments/merchant-webhooks/outbox.js";
import type { Money, PaymentInvoice } from "../payments/core/model.js";

const money = (m: Money) => `${(m.minor / 100).toFixed(2)} ${m.currency}`;

export function payments(action: string, id: string | undefined, opts: { dir: string; db?: string }, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const file = opts.db ?? path.join(opts.dir, ".smartapp", "payments.db");
  if (action === "notifications" || action === "redeliver") return merchantNotifications(action, id, path.join(path.dirname(file), "merchant-notifications.db"), out);
  if (!existsSync(file)) {
    process.stderr.write(`no payment ledger at ${file}\n`);
    return 1;
  }
  const store = new PaymentStore(file);
  try {
    if (action === "list") {
      const rows = store.invoices(1000);
      for (const inv of rows) {
        const att = store.attemptsOf(inv.id)[0];
        out(`${inv.id}  ${inv.status.padEnd(16)} ${money(inv.amount).padStart(14)}  order ${inv.orderId}  ${inv.provider} ${att?.providerPaymentId ?? "-"} (${att?.providerStatus ?? att?.status ?? "-"})  user ${inv.userKey}  ${inv.updatedAt}\n`);
      }
      out(`${rows.length} payment(s)\n`);
      return 0;
    }
    if (action === "show") {
      const inv = id ? find(store, id) : undefined;
      if (!inv) {
        process.stderr.write(`no payment ${id ?? "(give an id)"}\n`);
        return 1;
      }
      out(`invoice ${inv.id}\n  status ${inv.status}, amount ${money(inv.amount)}, captured ${inv.capturedMinor}, refunded ${inv.refundedMinor}, version ${inv.version}\n`);
      out(`  order ${inv.orderId} (${inv.provider} account ${inv.account}), user ${inv.userKey}\n  ${inv.description}\n  created ${inv.createdAt}, updated ${inv.updatedAt}\n`);
      for (const a of store.attemptsOf(inv.id)) {
        out(`attempt ${a.id}: ${a.status}${a.cancelCategory ? ` (${a.cancelCategory})` : ""}, ${a.provider} ${a.providerPaymentId ?? "(no answer yet)"} ${a.providerStatus ?? ""}, synced ${a.syncedAt ?? "never"}\n`);
        if (a.confirmationUrl) out(`  link ${a.confirmationUrl}\n`);
        if (a.paymentMethodId) out(`  payment method ${a.paymentMethodId}${a.paymentMethodSaved ? " (saved)" : ""}\n`);
        if (a.idempotenceKey) out(`  Idempotence-Key ${a.idempotenceKey}\n`);
      }
      for (const r of store.refundRequests(inv.id)) out(`refund ${r.id}: ${r.status} ${money(r.amount)}, ${r.providerRefundId ?? "(no answer yet)"}, key ${r.idempotenceKey}\n`);
      for (const l of store.ledger(inv.id)) out(`ledger ${l.at}  ${l.kind.padEnd(7)} ${money(l.amount)}  ${l.providerObjectId}\n`);
      for (const e of store.events(inv.id)) out(`event  ${e.createdAt}  ${e.name}  ${e.deliveredAt ? `delivered ${e.deliveredAt}` : `not delivered (${e.tries} tries${e.lastError ? `: ${e.lastError}` : ""})`}\n`);
      return 0;
    }
    process.stderr.write(`unknown action ${action}: use list, show ID, notifications [ID] or redeliver ID\n`);
    return 2;
  } finally {
    store.close();
  }
}

function find(store: PaymentStore, id: string): PaymentInvoice | undefined {
  const direct = store.invoice(id);
  if (direct) return direct;
  const byProvider = store.attemptByProviderId("smartpay", id) ?? store.attemptByProviderId("yookassa", id);
  if (byProvider) return store.invoice(byProvider.invoiceId);
  return store.invoices(100000).find((i) => i.orderId === id);
}

/** The merchant notifications: every row (or one payment's), or one row sent again now. */
function merchantNotifications(action: string, id: string | undefined, file: string, out: (s: string) => void): number {
  if (!existsSync(file)) {
    process.stderr.write(`no merchant notifications at ${file}\n`);
    return 1;
  }
  const outbox = new MerchantOutbox(file);
  try {
    if (action === "redeliver") {
      const row = id ? outbox.redeliver(id, Date.now()) : undefined;
      if (!row) {
        process.stderr.write(`no merchant notification ${id ?? "(give its number or event id)"}\n`);
        return 1;
      }
      out(`notification ${row.id} (${row.state} of payment ${row.paymentKey}) goes out again now; a running server sends it within a second\n`);
      return 0;
    }
    const rows = outbox.all(id);
    for (const r of rows) {
      const when = r.status === "delivered" ? `delivered ${new Date(r.deliveredAt!).toISOString()}` : r.status === "failed" ? "given up" : `next try ${new Date(r.nextAt).toISOString()}`;
      out(`${String(r.id).padStart(5)}  ${r.state.padEnd(19)} ${r.status.padEnd(9)} tries ${r.tries}  ${when}  payment ${r.paymentKey}  ${r.url}${r.lastError ? `  (${r.lastError})` : ""}\n`);
    }
    out(`${rows.length} notification(s)\n`);
    return 0;
  } finally {
    outbox.close();
  }
}
