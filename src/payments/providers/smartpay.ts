// SmartPay as a payment-core adapter: reads invoices with the SmartPay client and maps their status
// onto the neutral model (docs/payments.md, status mapping).
import type { CancelCategory, ProviderSnapshot } from "../core/model.js";
import { SmartPayNotFoundError } from "../smartpay/errors.js";
import type { SmartPayClient } from "../smartpay/client.js";
import type { Lookup, PaymentProviderAdapter } from "./types.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});

const NEUTRAL: Record<string, { status: ProviderSnapshot["status"]; cancel?: CancelCategory }> = {
  created: { status: "pending" },
  executed: { status: "pending" },
  paid: { status: "waiting_for_capture" },
  confirmed: { status: "succeeded" },
  refunded: { status: "succeeded" },
  cancelled: { status: "canceled", cancel: "canceled_by_user" },
  reversed: { status: "canceled", cancel: "canceled_by_merchant" },
};

/** Pure: a SmartPay invoice answer (create or GET) as a snapshot; undefined without a known status. */
export function smartPaySnapshot(body: unknown, fallbackStatus?: string): ProviderSnapshot | undefined {
  const b = obj(body);
  const providerStatus = typeof b.invoice_status === "string" ? b.invoice_status : fallbackStatus;
  const mapped = providerStatus !== undefined ? NEUTRAL[providerStatus] : undefined;
  if (!mapped || providerStatus === undefined) return undefined;
  const id = b.invoice_id;
  const order = obj(obj(b.invoice).order);
  const amount = typeof order.amount === "number" && typeof order.currency === "string" ? { minor: order.amount, currency: order.currency } : undefined;
  const snap: ProviderSnapshot = { status: mapped.status, providerStatus };
  if (typeof id === "string" || typeof id === "number") snap.providerPaymentId = String(id);
  if (amount) snap.amount = amount;
  if (mapped.cancel) snap.cancelCategory = mapped.cancel;
  if (providerStatus === "refunded" && amount) snap.refundedMinor = amount.minor; // a full refund
  return snap;
}

export function smartPayAdapter(client: () => SmartPayClient | undefined): PaymentProviderAdapter {
  const read = async (call: (c: SmartPayClient) => Promise<unknown>): Promise<Lookup> => {
    const c = client();
    if (!c) throw new Error("no SmartPay token for the payment core");
    try {
      const snap = smartPaySnapshot(await call(c));
      if (!snap) throw new Error("SmartPay answered without a known invoice_status");
      return snap;
    } catch (err) {
      if (err instanceof SmartPayNotFoundError) return "not_found";
      throw err;
    }
  };
  return {
    kind: "smartpay",
    fetch: (attempt) => read((c) => c.getInvoice(attempt.providerPaymentId!)),
    findByOrder: (account, orderId) => read((c) => c.findInvoiceByOrder(account, orderId)),
  };
}
