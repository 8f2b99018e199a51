// `$yookassa` in XML dialog tests (docs/testing.md, "`$yookassa` in XML tests"): each case gets its own
// YooKassa emulator (the sandbox's, src/payments/yookassa/emulator-core.ts, run in-process on the
// case's clock) and keeps its payments as the payment core would. The scripts' arguments are checked
// by the same rules as on the server, the answers are built by the same view, and a payment's typed
// events come from the core's own state machine (planSnapshot), so a dialog test sees what `serve`
// would deliver. The `<yookassa action="pay"/>` step is the payer on the checkout page.
import { randomUUID } from "node:crypto";
import { planSnapshot, type PlannedEvent } from "../payments/core/machine.js";
import type { PaymentAttempt, PaymentInvoice } from "../payments/core/model.js";
import { yookassaSnapshot } from "../payments/providers/yookassa.js";
import { YooKassaEmulatorCore } from "../payments/yookassa/emulator-core.js";
import { EmulatorError } from "../payments/yookassa/emulator-validate.js";
import { YOOKASSA_OPS } from "../payments/yookassa/host-ops.js";
import { toAmount } from "../payments/yookassa/money.js";
import { checkPaymentArgs } from "../payments/yookassa/script-args.js";
import { conflict, invalid, nothingLeft, view, type YooKassaResult } from "../payments/yookassa/service.js";
import type { Payment } from "../payments/yookassa/types.js";

/** What the payer does on the checkout page in a `<yookassa action="…"/>` step. */
export type PayerAction = "pay" | "decline" | "abandon";
/** Every PayerAction, for checking the `action` attribute. */
export const PAYER_ACTIONS: readonly PayerAction[] = ["pay", "decline", "abandon"];

const SHOP = "test-shop";
const CHECKOUT = "https://yookassa.test/__checkout";
const RETURN_URL = "https://smartapp.test/payments/yookassa/return";

interface Order {
  invoice: PaymentInvoice;
  attempt: PaymentAttempt;
}

type Json = Record<string, unknown>;

/** The `$yookassa` of one test case: its own emulator on the case's clock, its payments and their events. */
export class CaseYooKassa {
  private emulator: YooKassaEmulatorCore | undefined;
  private readonly orders = new Map<string, Order>(); // by orderId
  private readonly seenEvents = new Set<string>(); // an event key is raised once, as in the ledger
  private events: PlannedEvent[] = [];
  private lastOrderId: string | undefined;

  constructor(private readonly now: () => number) {}

  private get emu(): YooKassaEmulatorCore {
    this.emulator ??= new YooKassaEmulatorCore({ clock: { now: () => this.now() } });
    return this.emulator;
  }

  static handles(op: string): boolean {
    return (YOOKASSA_OPS as readonly string[]).includes(op);
  }

  /** One `$yookassa` host call, answered as the server answers it (data, never an exception). */
  call(op: string, raw: unknown): YooKassaResult {
    const args = (raw ?? {}) as Json;
    try {
      switch (op) {
        case "yookassa.createPayment":
        case "yookassa.charge":
          return this.create(String(args.user ?? ""), args.args, op === "yookassa.charge");
        case "yookassa.getPayment":
          return this.withOrder(args.ref, (o) => this.observe(o, this.emu.getPayment(SHOP, o.attempt.providerPaymentId!)));
        case "yookassa.capture":
          return this.withOrder(args.ref, (o) => this.observe(o, this.emu.capture(SHOP, o.attempt.providerPaymentId!, args.amount === undefined ? {} : { amount: toAmount(Number(args.amount), o.invoice.amount.currency) })));
        case "yookassa.cancel":
          return this.withOrder(args.ref, (o) => this.observe(o, this.emu.cancel(SHOP, o.attempt.providerPaymentId!)));
        default:
          return this.withOrder(args.ref, (o) => this.refund(o, (args.options ?? {}) as Json));
      }
    } catch (err) {
      if (!(err instanceof EmulatorError)) throw err;
      return { code: err.status, ok: false, error: { error_code: err.code, user_message: "Платёжная система отклонила запрос", error_description: `${op.slice("yookassa.".length)}: ${err.message}`, ...(err.parameter ? { parameter: err.parameter } : {}) } };
    }
  }

  /** The payer on the checkout page of the order's link (the last link made when no order is named). */
  act(action: PayerAction, orderId?: string): PlannedEvent[] {
    const id = orderId ?? this.lastOrderId;
    const order = id === undefined ? undefined : this.orders.get(id);
    if (!order?.attempt.providerPaymentId) throw new Error(id === undefined ? "no YooKassa payment link was made in this case yet" : `no YooKassa payment for orderId ${id}`);
    const pid = order.attempt.providerPaymentId;
    const payment = action === "pay" ? this.emu.pay(pid) : action === "decline" ? this.emu.decline(pid) : this.emu.abandon(pid);
    this.observe(order, payment);
    return this.takeEvents();
  }

  /** The typed events raised since the last call, in order (each becomes a turn of the user's dialog). */
  takeEvents(): PlannedEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  close(): void {
    this.emulator?.close();
  }

  private create(user: string, raw: unknown, charge: boolean): YooKassaResult {
    const checked = checkPaymentArgs(raw);
    if (!checked.ok) return invalid(checked.field, checked.message);
    const { args, request } = checked;
    if (charge && !args.paymentMethodId) return invalid("paymentMethodId", "is required: charge pays with a saved method");
    if (user === "") return invalid("user", "the request has no user whose dialog would hear the payment's events");
    const amount = { minor: args.amount, currency: args.currency ?? "RUB" };
    const known = this.orders.get(args.orderId);
    if (known) {
      if (known.invoice.amount.minor !== amount.minor || known.invoice.amount.currency !== amount.currency) return conflict(`orderId ${args.orderId} already has a payment of ${known.invoice.amount.minor} ${known.invoice.amount.currency} kopecks; a changed order needs a new orderId`);
      if (known.invoice.userKey !== user) return conflict(`orderId ${args.orderId} belongs to another user`);
      this.lastOrderId = args.orderId;
      return this.observe(known, this.emu.getPayment(SHOP, known.attempt.providerPaymentId!));
    }
    const at = new Date(this.now()).toISOString();
    const invoice: PaymentInvoice = { id: randomUUID(), userKey: user, provider: "yookassa", account: SHOP, orderId: args.orderId, amount, description: args.description, status: "open", capturedMinor: 0, refundedMinor: 0, version: 1, createdAt: at, updatedAt: at };
    const attempt: PaymentAttempt = { id: randomUUID(), invoiceId: invoice.id, provider: "yookassa", account: SHOP, status: "created", amount, version: 1, createdAt: at, updatedAt: at, ...(request.receipt ? { receipt: request.receipt as unknown as Json } : {}) };
    const body = {
      ...request,
      metadata: { ...(args.metadata ?? {}), invoice_id: invoice.id, attempt_id: attempt.id, order_id: invoice.orderId },
      ...(args.paymentMethodId ? {} : { confirmation: { type: "redirect", return_url: RETURN_URL } }),
    };
    const payment = this.emu.createPayment(SHOP, body, CHECKOUT);
    const order = { invoice, attempt };
    this.orders.set(args.orderId, order);
    this.lastOrderId = args.orderId;
    return this.observe(order, payment);
  }

  private refund(order: Order, o: Json): YooKassaResult {
    const { invoice, attempt } = order;
    if (invoice.status !== "paid") return conflict(`orderId ${invoice.orderId} is ${invoice.status}: only a paid payment can be refunded`);
    if (o.amount === undefined && invoice.capturedMinor - invoice.refundedMinor <= 0) return conflict(nothingLeft(invoice));
    const minor = o.amount ?? invoice.capturedMinor - invoice.refundedMinor;
    if (typeof minor !== "number" || !Number.isSafeInteger(minor) || minor <= 0) return invalid("amount", "must be a positive integer number of kopecks");
    const made = this.emu.createRefund(SHOP, { payment_id: attempt.providerPaymentId, amount: toAmount(minor, invoice.amount.currency), ...(typeof o.description === "string" ? { description: o.description } : {}) });
    // The refund itself, as the server's answer has it (service.ts refund): scripts read its status.
    return { ...this.observe(order, this.emu.getPayment(SHOP, attempt.providerPaymentId!)), refund: { id: made.id, status: made.status, amount: minor } };
  }

  private withOrder(ref: unknown, fn: (o: Order) => YooKassaResult): YooKassaResult {
    const order =
      typeof ref === "string" ? this.orders.get(ref) : typeof ref === "object" && ref !== null && typeof (ref as Json).paymentId === "string" ? [...this.orders.values()].find((o) => o.attempt.providerPaymentId === (ref as Json).paymentId) : undefined;
    if (!order) return { code: 404, ok: false, error: { error_code: "not_found", user_message: "Платёж не найден", error_description: `no YooKassa payment for ${JSON.stringify(ref)} in this test case` } };
    return fn(order);
  }

  /** A payment as YooKassa has it now, applied to the order as the core applies a snapshot. */
  private observe(order: Order, payment: Payment): YooKassaResult {
    const plan = planSnapshot(order.invoice, order.attempt, yookassaSnapshot(payment));
    if (plan.attempt) {
      const { paymentMethod, ...rest } = plan.attempt;
      order.attempt = { ...order.attempt, ...rest, ...(paymentMethod ? { paymentMethodId: paymentMethod.id, paymentMethodSaved: paymentMethod.saved } : {}), version: order.attempt.version + 1 };
    }
    if (plan.invoice) order.invoice = { ...order.invoice, ...plan.invoice, version: order.invoice.version + 1 };
    for (const e of plan.events) {
      if (this.seenEvents.has(e.key)) continue;
      this.seenEvents.add(e.key);
      this.events.push(e);
    }
    return view(order.invoice, order.attempt, payment);
  }
}
