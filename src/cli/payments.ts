// `smartapp payments list|show ID`: the payment core's ledger (docs/payments.md, "The payment core").
import { existsSync } from "node:fs";
import path from "node:path";
import { PaymentStore } from "../payments/core/store.js";
import type { Money, PaymentInvoice } from "../payments/core/model.js";

const money = (m: Money) => `${(m.minor / 100).toFixed(2)} ${m.currency}`;

export function payments(action: string, id: string | undefined, opts: { dir: string; db?: string }, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const file = opts.db ?? path.join(opts.dir, ".smartapp", "payments.db");
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
      }
      for (const l of store.ledger(inv.id)) out(`ledger ${l.at}  ${l.kind.padEnd(7)} ${money(l.amount)}  ${l.providerObjectId}\n`);
      for (const e of store.events(inv.id)) out(`event  ${e.createdAt}  ${e.name}  ${e.deliveredAt ? `delivered ${e.deliveredAt}` : `not delivered (${e.tries} tries${e.lastError ? `: ${e.lastError}` : ""})`}\n`);
      return 0;
    }
    process.stderr.write(`unknown action ${action}: use list or show ID\n`);
    return 2;
  } finally {
    store.close();
  }
}

function find(store: PaymentStore, id: string): PaymentInvoice | undefined {
  const direct = store.invoice(id);
  if (direct) return direct;
  const byProvider = store.attemptByProviderId("smartpay", id);
  if (byProvider) return store.invoice(byProvider.invoiceId);
  return store.invoices(100000).find((i) => i.orderId === id);
}
