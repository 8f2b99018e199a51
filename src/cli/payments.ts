// `smartapp payments list|show ID|notifications [ID]|redeliver ID`: the payment core's ledger
// (docs/payments.md, "The payment core"), from whichever store the deployment uses (SQLite file,
// Redis or PostgreSQL), and the merchant notifications' outbox (docs/yookassa.md), or with `--sync`
// webhook acquiring's statuses to the sync URL (docs/payments.md, "Where the orders and sync statuses live").
import { existsSync } from "node:fs";
import path from "node:path";
import { openLedgerStore, type LedgerStoreConfig } from "../payments/core/open-store.js";
import { openMerchantOutbox, type OutboxStream } from "../payments/merchant-webhooks/open-outbox.js";
import type { Money, PaymentInvoice } from "../payments/core/model.js";
import type { LedgerStore } from "../payments/core/store-types.js";
import type { Receipt } from "../payments/yookassa/types.js";

const money = (m: Money) => `${(m.minor / 100).toFixed(2)} ${m.currency}`;

/**
 * `smartapp payments`: prints the payment ledger (list, show) or the outbox of merchant notifications / sync
 * statuses (notifications, redeliver); the exit code.
 */
export async function payments(
  action: string,
  id: string | undefined,
  opts: {
    dir: string;
    db?: string;
    ledger?: LedgerStoreConfig;
    /** notifications/redeliver: webhook acquiring's sync statuses instead of the merchant notifications */
    sync?: boolean;
  },
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const file = opts.db ?? (opts.ledger?.kind === "sqlite" ? opts.ledger.file : undefined) ?? path.join(opts.dir, ".smartapp", "payments.db");
  // Each outbox is a file beside the SQLite ledger (or in .smartapp/ with the others).
  if (action === "notifications" || action === "redeliver") {
    const stream: OutboxStream = opts.sync ? "imshopSync" : "merchant";
    return outboxRows(action, id, opts.ledger, stream, path.join(path.dirname(file), opts.sync ? "imshop.db" : "merchant-notifications.db"), out);
  }
  let config = opts.ledger;
  if (!config) {
    if (!existsSync(file)) {
      process.stderr.write(`no payment ledger at ${file}\n`);
      return 1;
    }
    config = { kind: "sqlite", file };
  }
  const store = openLedgerStore(config);
  try {
    if (action === "list") {
      const rows = await store.invoices(1000);
      for (const inv of rows) {
        const att = (await store.attemptsOf(inv.id))[0];
        const refunds = inv.refundedMinor > 0 ? `  refunded ${money({ minor: inv.refundedMinor, currency: inv.amount.currency })}` : "";
        out(`${inv.id}  ${inv.status.padEnd(16)} ${money(inv.amount).padStart(14)}  order ${inv.orderId}  ${inv.provider} ${att?.providerPaymentId ?? "-"} (${att?.providerStatus ?? att?.status ?? "-"})  user ${inv.userKey}  ${inv.updatedAt}${refunds}\n`);
      }
      out(`${rows.length} payment(s)\n`);
      return 0;
    }
    if (action === "show") {
      const inv = id ? await find(store, id) : undefined;
      if (!inv) {
        process.stderr.write(`no payment ${id ?? "(give an id)"}\n`);
        return 1;
      }
      out(`invoice ${inv.id}\n  status ${inv.status}, amount ${money(inv.amount)}, captured ${inv.capturedMinor}, refunded ${inv.refundedMinor}, version ${inv.version}\n`);
      out(`  order ${inv.orderId} (${inv.provider} account ${inv.account}), user ${inv.userKey}\n  ${inv.description}\n  created ${inv.createdAt}, updated ${inv.updatedAt}\n`);
      for (const a of await store.attemptsOf(inv.id)) {
        out(`attempt ${a.id}: ${a.status}${a.cancelCategory ? ` (${a.cancelCategory})` : ""}, ${a.provider} ${a.providerPaymentId ?? "(no answer yet)"} ${a.providerStatus ?? ""}, synced ${a.syncedAt ?? "never"}\n`);
        if (a.confirmationUrl) out(`  link ${a.confirmationUrl}\n`);
        if (a.paymentMethodId) out(`  payment method ${a.paymentMethodId}${a.paymentMethodSaved ? " (saved)" : ""}\n`);
        if (a.idempotenceKey) out(`  Idempotence-Key ${a.idempotenceKey}\n`);
        if (a.receipt) out(receiptLines(a.receipt));
      }
      for (const r of await store.refundsOf(inv.id)) {
        const state = r.status === "requested" ? `requested${r.sentAt ? `, sent ${r.sentAt}, no answer yet` : ", not sent yet"}` : r.status;
        out(`refund ${r.id}: ${state}, ${money(r.amount)}, key ${r.idempotencyKey}${r.providerRefundId ? `, ${inv.provider} ${r.providerRefundId}` : ""}${r.reason ? `, "${r.reason}"` : ""}${r.error ? `, error: ${r.error}` : ""}, created ${r.createdAt}\n`);
      }
      for (const l of await store.ledger(inv.id)) out(`ledger ${l.at}  ${l.kind.padEnd(7)} ${money(l.amount)}  ${l.providerObjectId}\n`);
      for (const e of await store.events(inv.id)) out(`event  ${e.createdAt}  ${e.name}  ${e.deliveredAt ? `delivered ${e.deliveredAt}` : `not delivered (${e.tries} tries${e.lastError ? `: ${e.lastError}` : ""})`}\n`);
      return 0;
    }
    process.stderr.write(`unknown action ${action}: use list, show ID, notifications [ID] or redeliver ID\n`);
    return 2;
  } finally {
    await store.close();
  }
}

/** The stored 54-FZ receipt (YooKassa's shape): the customer, then one line per item. */
function receiptLines(r: Record<string, unknown>): string {
  const receipt = r as Partial<Receipt>;
  const c = receipt.customer ?? {};
  const who = [c.full_name, c.email, c.phone, c.inn ? `INN ${c.inn}` : undefined].filter(Boolean).join(", ") || "no customer";
  let s = `  receipt (54-FZ) for ${who}${receipt.tax_system_code ? `, tax system ${receipt.tax_system_code}` : ""}\n`;
  for (const i of receipt.items ?? []) {
    s += `    ${i.description}: ${i.quantity} × ${i.amount?.value} ${i.amount?.currency}, VAT code ${i.vat_code}${i.payment_subject ? `, ${i.payment_subject}` : ""}${i.payment_mode ? `, ${i.payment_mode}` : ""}\n`;
  }
  return s;
}

async function find(store: LedgerStore, id: string): Promise<PaymentInvoice | undefined> {
  const direct = await store.invoice(id);
  if (direct) return direct;
  const byProvider = (await store.attemptByProviderId("smartpay", id)) ?? (await store.attemptByProviderId("yookassa", id));
  if (byProvider) return store.invoice(byProvider.invoiceId);
  return store.invoiceByOrderId(id);
}

/** The merchant notifications (or the sync statuses): every row (or one payment's), or one row sent again now. */
async function outboxRows(action: string, id: string | undefined, ledger: LedgerStoreConfig | undefined, stream: OutboxStream, file: string, out: (s: string) => void): Promise<number> {
  const what = stream === "merchant" ? "merchant notification" : "sync status";
  const shared = ledger !== undefined && ledger.kind !== "sqlite";
  if (!shared && !existsSync(file)) {
    process.stderr.write(`no ${what}s at ${file}\n`);
    return 1;
  }
  const outbox = openMerchantOutbox(ledger, file, stream);
  try {
    if (action === "redeliver") {
      const row = id ? await outbox.redeliver(id, Date.now()) : undefined;
      if (!row) {
        process.stderr.write(`no ${what} ${id ?? "(give its number or event id)"}\n`);
        return 1;
      }
      out(`${stream === "merchant" ? "notification" : "sync status"} ${row.id} (${row.state} of payment ${row.paymentKey}) goes out again now; a running server sends it within a second\n`);
      return 0;
    }
    const rows = await outbox.all(id);
    for (const r of rows) {
      const when = r.status === "delivered" ? `delivered ${new Date(r.deliveredAt!).toISOString()}` : r.status === "failed" ? "given up" : `next try ${new Date(r.nextAt).toISOString()}`;
      out(`${String(r.id).padStart(5)}  ${r.state.padEnd(19)} ${r.status.padEnd(9)} tries ${r.tries}  ${when}  payment ${r.paymentKey}  ${r.url}${r.lastError ? `  (${r.lastError})` : ""}\n`);
    }
    out(`${rows.length} ${stream === "merchant" ? "notification(s)" : "sync status(es)"}\n`);
    return 0;
  } finally {
    await outbox.close();
  }
}
