// The fake SmartPay's behaviour without HTTP: invoices, the state machine, expiry on a clock,
// long-poll waiting, and the SmartStore view. server.ts maps it onto SmartPay's paths.
import { EventEmitter } from "node:events";
import type { CreateInvoiceRequest, InvoiceStatus, OrderBundleItem } from "../smartpay/types.js";
import { INVOICE_STATUSES } from "../smartpay/types.js";
import { initialInvoiceState, nextInvoiceState, pathTo, type InvoiceEvent } from "./machine.js";
import { InvoiceStore, type InvoiceRecord } from "./store.js";
import { describeIssues, parseDate, validateCreate, type SchemaIssue } from "./validate.js";

/** The sandbox's time source. */
export interface Clock {
  now(): number;
}

/** Real time plus an offset that tests (and the admin hook) can move forward. */
export class SandboxClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** A failure the HTTP layer turns into SmartPay's error envelope. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: SchemaIssue[],
  ) {
    super(message);
  }
}

/** The sandbox's database, clock and how it treats a repeated order. */
export interface CoreOptions {
  dbPath?: string;
  clock?: Clock;
  /**
   * A repeated order_id: "conflict" (default) hands back the existing invoice for the same order and
   * answers 409 when the body differs; "existing" always hands it back; "error" always answers 409.
   */
  duplicateOrder?: "existing" | "conflict" | "error";
  /** How long an `executed` invoice (a payment started, never finished) lives past its expiry. Default 15 min. */
  executedTimeoutMs?: number;
  /** Payment window when the order names no expiration_date. Default 20 min (spec §5.9). */
  expiryMs?: number;
}

const DEFAULT_EXPIRY_MS = 20 * 60 * 1000;

/**
 * The fake SmartPay without HTTP: invoices on the state machine, expiry on the clock, long-poll waits, the
 * SmartStore view.
 */
export class SandboxCore {
  readonly store: InvoiceStore;
  readonly clock: Clock;
  private readonly changes = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: CoreOptions = {}) {
    this.store = new InvoiceStore(opts.dbPath ?? ":memory:");
    this.clock = opts.clock ?? new SandboxClock();
    this.changes.setMaxListeners(0);
  }

  /** POST /invoices. Returns the invoice and whether it was made now. */
  create(body: unknown): { invoice: InvoiceRecord; created: boolean } {
    const issues = validateCreate(body);
    if (issues.length > 0) throw new SandboxError(400, describeIssues(issues), issues);
    const req = body as CreateInvoiceRequest;
    const order = req.invoice.order;
    const serviceId = String(order.service_id);
    const orderId = String(order.order_id);

    const existing = this.store.findByOrder(serviceId, orderId);
    if (existing) {
      const mode = this.opts.duplicateOrder ?? "conflict";
      if (mode === "error") throw new SandboxError(409, `order_id ${orderId} already has invoice ${existing.id} for service_id ${serviceId}`);
      if (mode === "conflict" && !sameOrder(existing.request, req)) {
        throw new SandboxError(409, `order_id ${orderId} already has invoice ${existing.id} for service_id ${serviceId} with another amount or bundle; use a new order_id`);
      }
      return { invoice: this.refresh(existing), created: false };
    }

    const now = this.clock.now();
    const ptype = req.ptype ?? 0;
    const expiresAt = order.expiration_date ? parseDate(order.expiration_date) : now + (this.opts.expiryMs ?? DEFAULT_EXPIRY_MS);
    const autocompleteAt = ptype === 1 && order.autocompletion_date ? parseDate(order.autocompletion_date) : undefined;
    const state = initialInvoiceState(ptype, order.amount);
    const invoice = this.store.insert({
      serviceId,
      orderId,
      status: state.status,
      context: state.context,
      invoiceDate: new Date(now).toISOString(),
      expiresAt,
      autocompleteAt,
      userId: userIdOf(req.user_id),
      request: req,
    });
    this.changes.emit("change", invoice.id);
    return { invoice, created: true };
  }

  get(id: string): InvoiceRecord {
    const rec = this.store.get(id);
    if (!rec) throw new SandboxError(404, `invoice ${id} not found`);
    return this.refresh(rec);
  }

  findByOrder(serviceId: string, orderId: string): InvoiceRecord {
    const rec = this.store.findByOrder(serviceId, orderId);
    if (!rec) throw new SandboxError(404, `no invoice for order_id ${orderId} of service_id ${serviceId}`);
    return this.refresh(rec);
  }

  list(filter: { status?: string; userId?: string; serviceId?: string } = {}): InvoiceRecord[] {
    this.sweep();
    return this.store.list(filter);
  }

  /**
   * Long-poll: while the status equals `invStatus`, wait for a change (or a timer firing) up to
   * `waitMs`. Answers at once when the status already differs.
   */
  async waitWhile(id: string, invStatus: string, waitMs: number, signal?: AbortSignal): Promise<InvoiceRecord> {
    const deadline = Date.now() + waitMs;
    let rec = this.get(id);
    while (rec.status === invStatus && Date.now() < deadline && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        // Wake on a change to this invoice, or every 100 ms to notice the clock passing an expiry.
        const done = () => {
          clearTimeout(timer);
          this.changes.off("change", onChange);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const onChange = (changed: string) => changed === id && done();
        const timer = setTimeout(done, Math.min(100, Math.max(0, deadline - Date.now())));
        this.changes.on("change", onChange);
        signal?.addEventListener("abort", done);
      });
      rec = this.get(id);
    }
    return rec;
  }

  /** Move an invoice through the machine; an illegal event is a 400 naming both sides. */
  apply(id: string, event: InvoiceEvent, effect?: (rec: InvoiceRecord) => void): InvoiceRecord {
    return this.transit(this.get(id), event, effect);
  }

  private transit(rec: InvoiceRecord, event: InvoiceEvent, effect?: (rec: InvoiceRecord) => void): InvoiceRecord {
    const id = rec.id;
    const next = nextInvoiceState({ status: rec.status, context: rec.context }, event);
    if (!next) throw new SandboxError(400, `invoice ${id} is ${rec.status}: ${describeEvent(event)} is not allowed`);
    rec.status = next.status;
    rec.context = next.context;
    if (next.status === "confirmed" || next.status === "paid") rec.paymentInfo ??= fakePaymentInfo(rec.id);
    effect?.(rec);
    this.store.update(rec);
    this.changes.emit("change", id);
    return rec;
  }

  /** Admin: reach `status` by the shortest legal path, or (force) set it outright. */
  setStatus(id: string, status: string, force = false): InvoiceRecord {
    if (!(INVOICE_STATUSES as readonly string[]).includes(status)) throw new SandboxError(400, `unknown status ${status}`);
    const rec = this.get(id);
    const path = pathTo({ status: rec.status, context: rec.context }, status as InvoiceStatus);
    if (path) {
      let out = rec;
      for (const event of path) out = this.apply(id, event);
      return out;
    }
    if (!force) throw new SandboxError(400, `invoice ${id} cannot go from ${rec.status} to ${status} (use force)`);
    rec.status = status as InvoiceStatus;
    this.store.update(rec);
    this.changes.emit("change", id);
    return rec;
  }

  /** POST /invoices/{id}: the payer starts paying; remembers who pays for SmartStore. */
  startPayment(id: string, body: { user_id?: Record<string, unknown> } | undefined): InvoiceRecord {
    return this.apply(id, { type: "PAY_START" }, (rec) => {
      rec.userId ??= userIdOf(body?.user_id);
    });
  }

  /** Fire `event` after `ms` of real time (the "unknown" pay-dialog outcome settles later). */
  later(ms: number, id: string, event: InvoiceEvent): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        this.apply(id, event);
      } catch {
        // the invoice moved on meanwhile; nothing to settle
      }
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** PUT: capture a hold, fully or for `amount` (which must match its bundle when one is given). */
  confirm(id: string, body: { invoice?: { order?: { amount?: unknown; order_bundle?: { item_amount?: unknown }[] } } } | undefined): InvoiceRecord {
    const order = body?.invoice?.order;
    const amount = order?.amount;
    if (amount !== undefined && !isKopecks(amount)) throw new SandboxError(400, "invoice.order.amount must be a positive integer (kopecks)");
    const held = this.get(id);
    if (held.status === "paid" && typeof amount === "number" && amount > held.context.amount) {
      throw new SandboxError(400, `invoice.order.amount ${amount} exceeds the ${held.context.amount} held on invoice ${id}`);
    }
    if (order?.order_bundle && sumItems(order.order_bundle) !== amount) throw new SandboxError(400, "invoice.order.amount must equal the sum of order_bundle item_amount");
    return this.apply(id, { type: "CONFIRM", amount: amount as number | undefined });
  }

  /** PATCH: refund `refund_amount` of the items in `order_bundle` (the docs require both). */
  refund(id: string, body: { invoice?: { order?: Record<string, unknown> } } | undefined): InvoiceRecord {
    const rec = this.get(id);
    if (rec.status !== "confirmed") throw new SandboxError(400, `invoice ${id} is ${rec.status}: a refund (PATCH) needs a confirmed invoice`);
    const remaining = rec.context.captured - rec.context.refunded;
    const order = body?.invoice?.order;
    if (!order) throw new SandboxError(400, "a refund needs a body: invoice.order with refund_amount and order_bundle");
    if (!Array.isArray(order.order_bundle)) throw new SandboxError(400, "invoice.order.order_bundle is required: the items refunded");
    const amount = order.refund_amount;
    if (!isKopecks(amount)) throw new SandboxError(400, "invoice.order.refund_amount must be a positive integer (kopecks)");
    if (order.current_amount !== undefined && order.current_amount !== remaining) {
      throw new SandboxError(400, `invoice.order.current_amount is ${String(order.current_amount)}, the invoice holds ${remaining}`);
    }
    if (order.currency !== undefined && order.currency !== "RUB") throw new SandboxError(400, "invoice.order.currency must be RUB");
    if (amount > remaining) throw new SandboxError(400, `refund of ${amount} exceeds the ${remaining} left on invoice ${id}`);
    const bundle = Array.isArray(order.order_bundle) ? (order.order_bundle as Partial<OrderBundleItem>[]) : undefined;
    if (bundle && sumItems(bundle) !== amount) throw new SandboxError(400, "invoice.order.refund_amount must equal the sum of order_bundle item_amount");
    return this.apply(id, { type: "REFUND", amount }, (r) => {
      r.refunds.push({
        amount,
        at: new Date(this.clock.now()).toISOString(),
        items: bundle?.map((i) => ({ item_code: String(i.item_code), quantity: Number(i.quantity?.value ?? 0) })),
      });
    });
  }

  /**
   * SmartStore: the user's items from confirmed invoices (spec §5.10), quantities summed per
   * item_code, less what partial refunds named.
   */
  userItems(userId: string, serviceId?: string): { item_code: string; name: string; quantities: { quantity_value: number; measure: string } }[] {
    const byCode = new Map<string, { item_code: string; name: string; quantities: { quantity_value: number; measure: string } }>();
    for (const inv of this.list({ status: "confirmed", userId, serviceId })) {
      for (const item of inv.request.invoice.order.order_bundle ?? []) {
        const entry = byCode.get(item.item_code) ?? { item_code: item.item_code, name: item.name, quantities: { quantity_value: 0, measure: item.quantity.measure } };
        entry.quantities.quantity_value += item.quantity.value;
        byCode.set(item.item_code, entry);
      }
      for (const refund of inv.refunds) {
        for (const r of refund.items ?? []) {
          const entry = byCode.get(r.item_code);
          if (entry) entry.quantities.quantity_value -= r.quantity;
        }
      }
    }
    return [...byCode.values()].filter((e) => e.quantities.quantity_value > 0);
  }

  private executedTimeoutMs(): number {
    return this.opts.executedTimeoutMs ?? 15 * 60 * 1000;
  }

  /** Apply timers that are due (expiry, autocompletion, an abandoned payment). */
  sweep(): void {
    for (const id of this.store.due(this.clock.now(), this.executedTimeoutMs())) {
      const rec = this.store.get(id);
      if (rec) this.refresh(rec);
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.close();
  }

  /** Lazily fire the invoice's timers against the clock. */
  private refresh(rec: InvoiceRecord): InvoiceRecord {
    const now = this.clock.now();
    if (rec.status === "created" && now >= rec.expiresAt) return this.transit(rec, { type: "EXPIRE" });
    if (rec.status === "paid" && rec.autocompleteAt !== undefined && now >= rec.autocompleteAt) return this.transit(rec, { type: "AUTOCOMPLETE" });
    // A payment started but never finished ends declined some time after the invoice's expiry.
    if (rec.status === "executed" && now >= rec.expiresAt + this.executedTimeoutMs()) return this.transit(rec, { type: "DECLINE" });
    return rec;
  }
}

/** Two creates of one order: the same amount and the same bundle (positions, codes, amounts). */
function sameOrder(a: CreateInvoiceRequest, b: CreateInvoiceRequest): boolean {
  const key = (r: CreateInvoiceRequest) =>
    JSON.stringify([r.invoice.order.amount, r.invoice.order.currency, (r.invoice.order.order_bundle ?? []).map((i) => [i.item_code, i.quantity?.value, i.item_amount])]);
  return key(a) === key(b);
}

const isKopecks = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

function sumItems(items: { item_amount?: unknown }[]): number {
  return items.reduce<number>((s, i) => s + (typeof i.item_amount === "number" ? i.item_amount : NaN), 0);
}

function userIdOf(userId: Record<string, unknown> | undefined): string | undefined {
  if (!userId) return undefined;
  const v = userId.partner_client_id ?? userId.user_uid ?? userId.encrypted_sub_id ?? userId.partner_client_sub_id;
  return typeof v === "string" && v !== "" ? v : undefined;
}

function describeEvent(event: InvoiceEvent): string {
  const verbs: Record<InvoiceEvent["type"], string> = {
    PAY_START: "starting payment (POST)",
    SUCCESS: "a successful payment",
    DECLINE: "a declined payment",
    CANCEL: "cancelling",
    EXPIRE: "expiry",
    CONFIRM: "confirmation (PUT)",
    AUTOCOMPLETE: "autocompletion",
    REVERSE: "reversal (DELETE)",
    REFUND: "refund (PATCH)",
  };
  return verbs[event.type];
}

function fakePaymentInfo(id: string): Record<string, unknown> {
  return {
    payment_id: `sandbox-${id}`,
    masked_pan: "220220******0000",
    expiry_date: "2030-12",
    cardholder: "SANDBOX CARDHOLDER",
    payment_system: "MIR",
    paysys: "sandbox",
    bank_info: { bank_name: "Sandbox Bank", bank_country_code: "RU", bank_country_name: "Россия" },
  };
}
