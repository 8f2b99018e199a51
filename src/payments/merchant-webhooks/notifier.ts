// The merchant notifications of a served project (docs/yookassa.md, "Outgoing notifications to the
// merchant"): each state of a YooKassa payment (pending at create, then the core's typed events)
// becomes one seed-000 notification in the outbox, delivered by the dispatcher on a timer. Enqueueing
// is once per (payment, state), so an event delivered again into the dialog adds nothing here.
import type { PaymentEvent, PaymentInvoice } from "../core/model.js";
import { toAmount } from "../yookassa/money.js";
import type { MerchantNotification, MerchantState } from "./format.js";
import { MerchantWebhookDispatcher, type Send } from "./dispatcher.js";
import { MerchantOutbox } from "./outbox.js";
import type { MerchantOutboxStore } from "./outbox-types.js";
import type { Registry } from "prom-client";
import { registerOutboxGauge } from "./metrics.js";
import { every } from "../../util/periodic.js";

/** The merchant's URL and key, and where the outbox lives. */
export interface MerchantNotifierOptions {
  /** The merchant's URL: https, or http to a loopback address (local development). */
  url: string;
  secret?: string;
  /** The outbox's SQLite file, or ":memory:"; used when no `outbox` is given. */
  file: string;
  /** An outbox shared by several processes (the ledger's PostgreSQL or Redis: open-outbox.ts). */
  outbox?: MerchantOutboxStore;
  now?: () => number;
  random?: () => number;
  schedule?: number[];
  send?: Send;
  /** One try's timeout and a claim's lease (src/cli/config.ts NotifyDeliveryConfig); the dispatcher's defaults when unset. */
  timeoutMs?: number;
  leaseMs?: number;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/** Pure: why a merchant URL cannot be used, or undefined when it can. */
export function merchantUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:" && LOOPBACK_HOST.test(u.hostname)) return undefined;
  return `${url}: merchant notifications go to an https URL (plain http only to a loopback address, for development)`;
}

/** Pure: a stable payment number for the seed's integer `id` (the first 48 bits of the invoice's UUID). */
export function merchantPaymentNumber(invoiceId: string): number {
  const hex = invoiceId.replace(/[^0-9a-f]/gi, "").slice(0, 12);
  return hex.length > 0 ? parseInt(hex, 16) : 0;
}

const STATE_OF_EVENT: Partial<Record<PaymentEvent["name"], MerchantState>> = {
  "payment.waiting_for_capture": "waiting_for_capture",
  "payment.succeeded": "succeeded",
  "payment.canceled": "canceled",
};

/** Pure: one state of a payment in the seed-000 format (without the ids the dispatcher adds). */
export function merchantNotification(invoice: PaymentInvoice, state: MerchantState, providerId: string, payload: unknown): Omit<MerchantNotification, "event_id" | "state_changed_at" | "created_at"> {
  return {
    id: merchantPaymentNumber(invoice.id),
    provider: "yandex_kassa",
    provider_id: providerId,
    currency: invoice.amount.currency,
    amount: invoice.amount.minor,
    state,
    payload,
    order: [{ name: invoice.description, description: invoice.orderId, amount: invoice.amount.minor / 100 }],
    contact: { id: invoice.userKey },
    payment_uuid: invoice.id,
  };
}

/** Notifies the merchant of payment states through the outbox, delivered in the background on a timer. */
export class MerchantNotifier {
  readonly outbox: MerchantOutboxStore;
  readonly dispatcher: MerchantWebhookDispatcher;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: MerchantNotifierOptions) {
    const problem = merchantUrlProblem(opts.url);
    if (problem) throw new Error(problem);
    this.outbox = opts.outbox ?? new MerchantOutbox(opts.file);
    this.dispatcher = new MerchantWebhookDispatcher({ outbox: this.outbox, secret: opts.secret, now: opts.now, random: opts.random, schedule: opts.schedule, send: opts.send, timeoutMs: opts.timeoutMs, leaseMs: opts.leaseMs });
  }

  /** The payment was made (state pending; YooKassa sends no notification for it, so the payload is null). */
  async created(invoice: PaymentInvoice, providerId: string): Promise<boolean> {
    return this.dispatcher.enqueue(this.opts.url, merchantNotification(invoice, "pending", providerId, null));
  }

  /** A typed event of a YooKassa payment, as the notification YooKassa itself would have sent. */
  async fromEvent(event: PaymentEvent, invoice: PaymentInvoice): Promise<boolean> {
    const state = STATE_OF_EVENT[event.name];
    const providerId = event.payload.providerPaymentId;
    if (!state || invoice.provider !== "yookassa" || typeof providerId !== "string") return false;
    const object = { id: providerId, status: state, amount: toAmount(invoice.amount.minor, invoice.amount.currency), metadata: { order_id: invoice.orderId } };
    return this.dispatcher.enqueue(this.opts.url, merchantNotification(invoice, state, providerId, { type: "notification", event: event.name, object }));
  }

  /** `smartapp_merchant_notifications{status}` on the server's /metrics: pending, delivered, failed. */
  registerMetrics(registry: Registry): void {
    registerOutboxGauge(registry, "smartapp_merchant_notifications", "Merchant payment notifications in the outbox by delivery status", this.outbox);
  }

  /** Deliver what is due now and every `everyMs` until stop(). */
  start(everyMs = 1000): void {
    const failed = (err: unknown) => this.opts.log?.("error", `merchant notifications: ${String(err)}`);
    this.timer = every(everyMs, () => this.dispatcher.runOnce(), failed);
    void this.dispatcher.runOnce().catch(failed);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    this.stop();
    await this.dispatcher.idle(); // a round in flight finishes before its outbox closes
    await this.outbox.close();
  }
}
