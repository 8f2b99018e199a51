// SmartPay as a payment-core adapter: reads invoices with the SmartPay client and maps their status
// onto the neutral model (docs/payments.md, status mapping).
import type { CancelCategory, ProviderSnapshot } from "../core/model.js";
import { SmartPayError, SmartPayNotFoundError, isRetryable } from "../smartpay/errors.js";
import type { SmartPayClient } from "../smartpay/client.js";
import type { OrderBundleItem, RefundRequest } from "../smartpay/types.js";
import type { Lookup, PaymentProviderAdapter, RefundOutcome } from "./types.js";

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

/** The payment core's adapter for SmartPay: reads invoices and sends refunds through the SmartPay client. */
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
  const need = (): SmartPayClient => {
    const c = client();
    if (!c) throw new Error("no SmartPay token for the payment core");
    return c;
  };
  return {
    kind: "smartpay",
    fetch: (attempt) => read((c) => c.getInvoice(attempt.providerPaymentId!)),
    findByOrder: (account, orderId) => read((c) => c.findInvoiceByOrder(account, orderId)),
    prepareRefund: async (_invoice, attempt, ask) => {
      let bundle = ask.details?.order_bundle;
      if (bundle === undefined && ask.amount.minor === ask.currentMinor) {
        // A refund of everything left: the invoice's own bundle (SmartPay requires one in the body).
        const inv = obj(await need().getInvoice(attempt.providerPaymentId!));
        bundle = obj(obj(inv.invoice).order).order_bundle;
      }
      if (!Array.isArray(bundle) || bundle.length === 0) throw new Error("order_bundle (the items refunded) is required for a partial refund");
      const sum = bundle.reduce((n: number, i: unknown) => n + Number(obj(i).item_amount ?? NaN), 0);
      if (sum !== ask.amount.minor) throw new Error(`order_bundle item_amount sums to ${sum}, the refund is ${ask.amount.minor}`);
      return { invoice: { order: { current_amount: ask.currentMinor, refund_amount: ask.amount.minor, currency: ask.amount.currency, order_bundle: bundle as Partial<OrderBundleItem>[] } } } satisfies RefundRequest;
    },
    submitRefund: async (_invoice, attempt, refund, resend): Promise<RefundOutcome> => {
      const c = need();
      try {
        await c.refundInvoice(attempt.providerPaymentId!, refund.request as RefundRequest);
        return { status: "succeeded" };
      } catch (err) {
        if (!(err instanceof SmartPayError) || isRetryable(err)) throw err; // no answer: sent again later
        if (resend) {
          // The first send's answer was lost. SmartPay refuses a repeat whose current_amount no longer
          // holds, so a refusal may mean the first one went through: a full refund shows in the status.
          const snap = smartPaySnapshot(await c.getInvoice(attempt.providerPaymentId!).catch(() => undefined));
          const body = refund.request as RefundRequest;
          if (snap?.providerStatus === "refunded" && body.invoice.order.current_amount === body.invoice.order.refund_amount) return { status: "succeeded" };
        }
        return { status: "failed", error: `${err.status} ${err.error.error_description ?? err.message}` };
      }
    },
  };
}
