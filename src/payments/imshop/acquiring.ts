// Webhook acquiring for shop apps (docs/payments.md, "Webhook acquiring for shop apps"): the merchant's
// side of IMSHOP's protocol on the payment core, with YooKassa as the acquirer (and SmartPay for
// `smartpay/…` payment methods when configured). `create` is a two-stage payment behind a link whose
// return URLs are the ones the app's regexes match; `capture` verifies and charges; a capture not yet decided is answered `pending` and
// its status is POSTed to the sync URL through the outbox. Duplicates are answered from the ledger:
// the protocol has no idempotency key, so `orderId` (create) and `paymentId` (capture) are the keys.
import type { PaymentCore } from "../core/core.js";
import type { PaymentAttempt, PaymentInvoice } from "../core/model.js";
import type { MerchantOutboxStore } from "../merchant-webhooks/outbox-types.js";
import type { YooKassaAdapter } from "../providers/yookassa.js";
import { smartPaySnapshot } from "../providers/smartpay.js";
import type { SmartPayClient } from "../smartpay/client.js";
import { isRetryable, SmartPayError } from "../smartpay/errors.js";
import { bundleFromReceipt } from "./smartpay-bundle.js";
import { YooKassaService, type YooKassaResult } from "../yookassa/service.js";
import { DONE_PATH, FAILURE_REGEX, failure, SUCCESS_REGEX, type CaptureCommand, type ChargeAnswer, type CreateCommand, type ImshopAnswer, type ImshopCommand, type SyncStatus, type WalletCommand } from "./protocol.js";
import { coreOrderId, type ImshopOrder, type ImshopOrders } from "./store.js";

/**
 * What webhook acquiring works with: the payment core, the acquirer, the shop, the order store and the public
 * origin.
 */
export interface ImshopAcquiringOptions {
  core: PaymentCore;
  adapter: YooKassaAdapter;
  shopId: string; // the YooKassa shop the payments go to
  store: ImshopOrders;
  /** The runtime's public origin, e.g. https://bot.example.com: return pages live under it (a function when it is known only once the server listens). */
  publicUrl: string | (() => string);
  /** Where the app's platform takes asynchronous statuses (issued by its manager); none: no async mode. */
  syncUrl?: string;
  /** The sync statuses' outbox, beside the ledger (merchant-webhooks/open-outbox.ts, stream imshopSync). */
  outbox?: MerchantOutboxStore;
  /** SmartPay as the acquirer of `smartpay/…` payment methods (docs/payments.md, "SmartPay as the acquirer"); none: such a create is refused. */
  smartpay?: { client: SmartPayClient; serviceId: string };
  now?: () => number;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
  /**
   * How long the public return page reuses one acquirer answer for a payment (default 2000 ms, the
   * page's own refresh): the page needs no credentials, so without it every request that knows an
   * order id made a YooKassa API call with the shop's credentials (docs/security.md).
   */
  landingCacheMs?: number;
}

type Landing = { redirect: string } | { wait: true } | { error: string };

/** The dialog key of an order no dialog owns: its events are kept in the ledger, heard by no one. */
export const UNOWNED_PREFIX = "imshop-order:";

/**
 * The merchant's side of webhook acquiring on the payment core: answers the app platform's commands,
 * duplicates from the ledger.
 */
export class ImshopAcquiring {
  private readonly now: () => number;
  /** The return page's acquirer answers by payment id, shared by concurrent requests and kept briefly. */
  private readonly landings = new Map<string, { until: number; answer: Promise<Landing> }>();

  constructor(private readonly opts: ImshopAcquiringOptions) {
    this.now = opts.now ?? Date.now;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  get base(): string {
    const url = typeof this.opts.publicUrl === "string" ? this.opts.publicUrl : this.opts.publicUrl();
    return url.replace(/\/+$/, "");
  }

  returnUrl(orderId: string): string {
    return `${this.base}/payments/imshop/return/${encodeURIComponent(orderId)}`;
  }

  doneUrl(paymentId: string, outcome: "success" | "failed"): string {
    return `${this.base}${DONE_PATH}/${encodeURIComponent(paymentId)}/${outcome}`;
  }

  private service(returnUrl = `${this.base}/payments/imshop/return`): YooKassaService {
    return new YooKassaService({ core: this.opts.core, adapter: this.opts.adapter, shopId: this.opts.shopId, returnUrl, log: this.opts.log });
  }

  handle(command: ImshopCommand): Promise<ImshopAnswer> {
    switch (command.command) {
      case "create":
        return this.create(command);
      case "applepay":
      case "androidpay":
        return this.wallet(command);
      case "capture":
        return this.capture(command);
    }
  }

  private async create(c: CreateCommand): Promise<ImshopAnswer> {
    if (isSmartPayMethod(c.paymentMethodId)) return this.opts.smartpay ? this.createSmartPay(c, this.opts.smartpay) : failure(SMARTPAY_NOT_MAPPED(c.paymentMethodId));
    let order = await this.opts.store.order(c.orderId);
    if (!order) return failure(`order ${c.orderId} is not known to the merchant: register it first (POST /payments/imshop/orders)`);
    await this.opts.store.keepOrderUuid(order.orderId, c.orderUuid);
    const current = await this.current(order);
    if (current?.invoice.status === "canceled") order = await this.opts.store.nextTry(order.orderId, order.try); // "retry": pay again
    else if (current && (current.invoice.status === "paid" || current.invoice.status === "awaiting_capture")) {
      return failure(`order ${c.orderId} is ${current.invoice.status === "paid" ? "paid already" : "paid and waiting for capture"}`, current.attempt.providerPaymentId, current.invoice.status === "paid");
    }
    const args = {
      orderId: coreOrderId(order),
      amount: order.amountMinor,
      currency: order.currency,
      description: order.description,
      capture: false, // "capture" is "verify and charge": hold now, charge when the app asks
      ...(order.receipt !== undefined ? { receipt: order.receipt } : {}),
      metadata: { imshop_order_uuid: c.orderUuid, imshop_order_id: order.orderId },
    };
    const svc = this.service(this.returnUrl(order.orderId));
    let res = await svc.createPayment(ownerOf(order), args);
    // The same create being made by another process right now (its attempt has no payment id yet):
    // asking again with the same body reads what that one made, under the same Idempotence-Key.
    for (let wait = 1; res.ok && typeof res.paymentId !== "string" && res.status === "pending" && wait <= 5; wait++) {
      await new Promise((r) => setTimeout(r, 100 * wait));
      res = await svc.createPayment(ownerOf(order), args);
    }
    if (!res.ok || typeof res.paymentId !== "string") return failure(reason(res, "the acquirer did not make the payment yet; send create again"));
    if (typeof res.confirmationUrl !== "string") return failure(`payment ${res.paymentId} is ${String(res.status)}: it has no payment page`, res.paymentId);
    return { success: true, paymentId: res.paymentId, paymentUrl: res.confirmationUrl, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX };
  }

  /**
   * YooKassa takes wallet payments through its own SDK's one-time token, not a raw Apple Pay / Google
   * Pay cryptogram, so a wallet command is refused with the reason (and nothing is charged).
   */
  private async wallet(c: WalletCommand): Promise<ImshopAnswer> {
    const order = await this.opts.store.order(c.orderId);
    if (!order) return failure(`order ${c.orderId} is not known to the merchant: register it first (POST /payments/imshop/orders)`);
    const wallet = c.command === "applepay" ? "Apple Pay" : "Google Pay";
    return failure(`${wallet} is not available: the acquirer (YooKassa) does not take a raw ${wallet} cryptogram; pay by card (command create)`);
  }

  private async capture(c: CaptureCommand): Promise<ImshopAnswer> {
    const found = (await this.bySmartPayId(c.paymentId)) ?? (await this.byPaymentId(c.paymentId));
    if (!found) return failure(`payment ${c.paymentId} is not known`, c.paymentId);
    const order = await this.opts.store.order(String(found.invoice.orderId).replace(/#\d+$/, ""));
    const answer = await this.settle(c.paymentId);
    if ("pending" in answer && answer.pending) {
      if (this.opts.syncUrl && order) await this.opts.store.addPending(c.paymentId, order.orderId, this.iso());
    }
    return answer;
  }

  /** Verify and charge: fetch, capture when held, and say what the money did. */
  private async settle(paymentId: string): Promise<ImshopAnswer> {
    if (this.opts.smartpay && (await this.bySmartPayId(paymentId))) return this.settleSmartPay(paymentId, this.opts.smartpay.client);
    const svc = this.service();
    let res: YooKassaResult = await svc.getPayment({ paymentId });
    if (res.ok && res.status === "waiting_for_capture") res = await svc.capture({ paymentId });
    if (res.pending === true || res.code === -1 || res.code >= 500) return pending(paymentId); // no answer: decided later
    if (!res.ok) return failure(reason(res, "the acquirer refused"), paymentId);
    switch (res.status) {
      case "succeeded":
        return { success: true, paymentId, paymentCaptured: true };
      case "canceled":
        return failure(`payment ${paymentId} was declined (${String((res.cancellation as { category?: string } | undefined)?.category ?? "unknown")})`, paymentId);
      default:
        return pending(paymentId); // the payer has not finished the page yet
    }
  }

  /** The return page's decision: where the payer goes once YooKassa sends them back. */
  async landing(orderId: string): Promise<Landing> {
    const order = await this.opts.store.order(orderId);
    const current = order && (await this.current(order));
    if (!current?.attempt.providerPaymentId) return { error: `order ${orderId} has no payment` };
    const paymentId = current.attempt.providerPaymentId;
    const now = this.now();
    const known = this.landings.get(paymentId);
    if (known && known.until > now) return known.answer;
    if (this.landings.size >= 10_000) {
      for (const [id, e] of this.landings) if (e.until <= now) this.landings.delete(id);
      if (this.landings.size >= 10_000) this.landings.clear();
    }
    const entry = { until: now + (this.opts.landingCacheMs ?? 2000), answer: this.askLanding(paymentId) };
    this.landings.set(paymentId, entry);
    // A failed ask is not kept: the next request asks again.
    entry.answer.catch(() => this.landings.get(paymentId) === entry && this.landings.delete(paymentId));
    return entry.answer;
  }

  private async askLanding(paymentId: string): Promise<Landing> {
    const res = await this.service().getPayment({ paymentId });
    if (res.status === "waiting_for_capture" || res.status === "succeeded") return { redirect: this.doneUrl(paymentId, "success") };
    if (res.status === "canceled") return { redirect: this.doneUrl(paymentId, "failed") };
    return { wait: true };
  }

  /**
   * One round for the captures answered `pending`: each decided one is captured when held, and its
   * status goes to the outbox (before it is marked settled, so a crash in between sends it once:
   * the outbox keeps one row per payment and outcome, whichever process queues it; with a
   * PostgreSQL or Redis ledger the outbox is shared, so any process delivers it).
   */
  async syncOnce(): Promise<number> {
    const { syncUrl, outbox } = this.opts;
    if (!syncUrl || !outbox) return 0;
    let n = 0;
    for (const p of await this.opts.store.pending()) {
      const answer = await this.settle(p.paymentId);
      if (answer.success && (answer as ChargeAnswer).pending) continue;
      const found = (await this.bySmartPayId(p.paymentId)) ?? (await this.byPaymentId(p.paymentId));
      const retry = !answer.success; // a declined card may pay again: the app restarts from create
      const status: SyncStatus = { orderId: p.orderId, paymentId: p.paymentId, success: true, paymentCaptured: answer.success, ...(retry ? { retry: true } : {}) };
      await outbox.add({ eventId: `imshop:${p.paymentId}:${answer.success ? "succeeded" : "canceled"}`, paymentKey: `imshop:${p.paymentId}`, state: answer.success ? "succeeded" : "canceled", url: syncUrl, body: JSON.stringify(status), createdAt: this.now() });
      if (await this.opts.store.settle(p.paymentId, this.iso())) n++;
      this.opts.log?.("info", `imshop: payment ${p.paymentId} of order ${p.orderId} ${answer.success ? "captured" : "declined"}${found ? "" : " (not in the ledger)"}; status queued for the sync URL`);
    }
    return n;
  }

  // The ledger's reads are awaited: its stores may answer asynchronously (docs/payments.md, "Stores").
  private async current(order: ImshopOrder): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt } | undefined> {
    const invoice = await this.opts.core.store.findByOrder("yookassa", this.opts.shopId, coreOrderId(order));
    const attempt = invoice && (await this.opts.core.store.attemptsOf(invoice.id)).at(-1);
    return invoice && attempt ? { invoice, attempt } : undefined;
  }

  /**
   * SmartPay's side of `create`: a two-stage invoice (ptype 1, the payment is a hold) written ahead in
   * the core, then the start-payment call whose form_url is the payer's page; its return_url and
   * fail_url are the done pages the regexes match, so no deciding return page is needed.
   */
  private async createSmartPay(c: CreateCommand, sp: { client: SmartPayClient; serviceId: string }): Promise<ImshopAnswer> {
    let order = await this.opts.store.order(c.orderId);
    if (!order) return failure(`order ${c.orderId} is not known to the merchant: register it first (POST /payments/imshop/orders)`);
    const bundle = bundleFromReceipt(order.receipt, order.amountMinor, order.currency);
    if (!bundle.ok) return failure(`paymentMethodId ${c.paymentMethodId}: ${bundle.error}`);
    await this.opts.store.keepOrderUuid(order.orderId, c.orderUuid);
    const current = await this.currentSmartPay(order, sp.serviceId);
    if (current?.invoice.status === "canceled") order = await this.opts.store.nextTry(order.orderId, order.try);
    else if (current && (current.invoice.status === "paid" || current.invoice.status === "awaiting_capture")) {
      return failure(`order ${c.orderId} is ${current.invoice.status === "paid" ? "paid already" : "paid and waiting for capture"}`, current.attempt.providerPaymentId, current.invoice.status === "paid");
    }
    const orderId = coreOrderId(order);
    const begun = await this.opts.core.begin({ userKey: ownerOf(order), provider: "smartpay", account: sp.serviceId, orderId, amount: { minor: order.amountMinor, currency: order.currency }, description: order.description });
    let invoiceId = begun.attempt.providerPaymentId;
    try {
      if (!invoiceId) {
        const made = await sp.client.createInvoice(
          { ptype: 1, invoice: { order: { order_id: orderId, service_id: sp.serviceId, amount: order.amountMinor, currency: order.currency, purpose: order.description, description: order.description, language: "ru-RU", tax_system: bundle.taxSystem, order_bundle: bundle.bundle } } },
          { lookupFirst: !begun.created }, // an earlier create of this order may have made it (its answer lost)
        );
        const snap = smartPaySnapshot(made, "created");
        if (!snap?.providerPaymentId) return failure("SmartPay answered without an invoice_id; send create again");
        await this.opts.core.observe("smartpay.create", { attemptId: begun.attempt.id }, snap);
        invoiceId = snap.providerPaymentId;
      } else {
        // A repeated create: SmartPay starts an invoice's payment once, so the page it gave is the
        // answer (kept in the ledger as the attempt's link).
        const snap = smartPaySnapshot(await sp.client.getInvoice(invoiceId));
        if (snap) await this.opts.core.observe("smartpay.imshop", { provider: "smartpay", providerPaymentId: invoiceId }, { ...snap, providerPaymentId: invoiceId });
        if (snap?.providerStatus !== "created") return this.startedSmartPay(c.orderId, invoiceId, String(snap?.providerStatus));
      }
      const paymentId = invoiceId;
      let started;
      try {
        started = await sp.client.startPayment(paymentId, {
          user_id: { partner_client_id: ownerOf(order) },
          operations: [{ operation: "payment", code: "card" }],
          return_url: this.doneUrl(paymentId, "success"),
          fail_url: this.doneUrl(paymentId, "failed"),
        });
      } catch (err) {
        // The same create made by another request right now started it first: its link is the answer.
        if (err instanceof SmartPayError && !isRetryable(err)) return this.startedSmartPay(c.orderId, paymentId, "started", 5);
        throw err;
      }
      if (typeof started.form_url !== "string") return failure(`SmartPay answered invoice ${paymentId} without a form_url`, paymentId);
      await this.opts.core.observe("smartpay.start", { provider: "smartpay", providerPaymentId: paymentId }, { status: "pending", providerStatus: "executed", providerPaymentId: paymentId, confirmationUrl: started.form_url });
      return { success: true, paymentId, paymentUrl: started.form_url, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX };
    } catch (err) {
      if (!(err instanceof SmartPayError)) throw err;
      const why = err.error.error_description ?? err.message;
      return failure(`SmartPay: ${typeof why === "string" ? why : JSON.stringify(why)}${isRetryable(err) ? "; send create again" : ""}`, invoiceId);
    }
  }

  /** The answer to a create of an order whose SmartPay payment was started: the same link while it is open. */
  private async startedSmartPay(orderId: string, paymentId: string, status: string, waits = 0): Promise<ImshopAnswer> {
    for (let wait = 0; ; wait++) {
      const attempt = await this.opts.core.store.attemptByProviderId("smartpay", paymentId);
      if (attempt?.confirmationUrl && attempt.providerStatus === "executed") {
        return { success: true, paymentId, paymentUrl: attempt.confirmationUrl, successRegex: SUCCESS_REGEX, failureRegex: FAILURE_REGEX };
      }
      if (wait >= waits) break;
      await new Promise((r) => setTimeout(r, 100 * (wait + 1)));
    }
    return failure(`order ${orderId}: its SmartPay payment ${paymentId} is ${status}: it cannot be started again; capture it to learn its outcome`, paymentId);
  }

  /** SmartPay's completion: `paid` (a hold) → PUT → `confirmed`; each answer goes into the core. */
  private async settleSmartPay(paymentId: string, client: SmartPayClient): Promise<ImshopAnswer> {
    const observe = async (body: unknown) => {
      const snap = smartPaySnapshot({ invoice_id: paymentId, ...(body as object) });
      if (snap) await this.opts.core.observe("smartpay.imshop", { provider: "smartpay", providerPaymentId: paymentId }, snap);
      return snap;
    };
    try {
      let snap = await observe(await client.getInvoice(paymentId));
      if (snap?.providerStatus === "paid") {
        await client.confirmInvoice(paymentId);
        snap = await observe(await client.getInvoice(paymentId));
      }
      switch (snap?.providerStatus) {
        case "confirmed":
        case "refunded":
          return { success: true, paymentId, paymentCaptured: true };
        case "cancelled":
        case "reversed":
          return failure(`payment ${paymentId} was declined (SmartPay: ${snap.providerStatus})`, paymentId);
        default:
          return pending(paymentId); // created/executed: the payer has not finished the page yet
      }
    } catch (err) {
      if (err instanceof SmartPayError && !isRetryable(err)) return failure(`SmartPay: ${err.message}`, paymentId);
      if (err instanceof SmartPayError) return pending(paymentId); // no answer: decided later
      throw err;
    }
  }

  private async currentSmartPay(order: ImshopOrder, serviceId: string): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt } | undefined> {
    const invoice = await this.opts.core.store.findByOrder("smartpay", serviceId, coreOrderId(order));
    const attempt = invoice && (await this.opts.core.store.attemptsOf(invoice.id)).at(-1);
    return invoice && attempt ? { invoice, attempt } : undefined;
  }

  private async bySmartPayId(paymentId: string): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt } | undefined> {
    const sp = this.opts.smartpay;
    if (!sp) return undefined;
    const attempt = await this.opts.core.store.attemptByProviderId("smartpay", paymentId);
    const invoice = attempt && (await this.opts.core.store.invoice(attempt.invoiceId));
    return attempt && invoice && invoice.account === sp.serviceId ? { invoice, attempt } : undefined;
  }

  private async byPaymentId(paymentId: string): Promise<{ invoice: PaymentInvoice; attempt: PaymentAttempt } | undefined> {
    const attempt = await this.opts.core.store.attemptByProviderId("yookassa", paymentId);
    const invoice = attempt && (await this.opts.core.store.invoice(attempt.invoiceId));
    return attempt && invoice && invoice.account === this.opts.shopId ? { invoice, attempt } : undefined;
  }
}

/**
 * A payment method the shop configured for SmartPay ("smartpay/…"): paid through SmartPay when it is
 * configured, else refused with what is missing, never paid through YooKassa behind the shop's back
 * (docs/payments.md, "SmartPay as the acquirer").
 */
export const isSmartPayMethod = (paymentMethodId: string): boolean => /^smartpay(\/|$)/i.test(paymentMethodId);
/** Why a `smartpay/…` payment method is refused when SmartPay is not configured, and what it needs. */
export const SMARTPAY_NOT_MAPPED = (method: string): string =>
  `paymentMethodId ${method}: SmartPay is not configured as the acquirer: it needs the operator's SmartPay token (SMARTPAY_TOKEN or the project's pay_api_key secret) and the project's injector.service_id (docs/payments.md, "SmartPay as the acquirer"); or pay by card through YooKassa (paymentMethodId yookassa/card)`;

const pending = (paymentId: string): ChargeAnswer => ({ success: true, paymentId, paymentCaptured: false, pending: true });

const ownerOf = (order: ImshopOrder): string => order.userKey ?? `${UNOWNED_PREFIX}${order.orderId}`;

function reason(res: YooKassaResult, fallback: string): string {
  const e = res.error as { error_description?: string } | undefined;
  return e?.error_description ?? fallback;
}
