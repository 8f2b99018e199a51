// The payment core (docs/payments.md, "The payment core"): one place where every provider input is
// stored (inbox), applied by compare-and-set with its money facts (ledger) and its events (outbox),
// and where the events are delivered into the user's dialog after commit, once per (payment, status).
// A reconciler asks the provider about every attempt that is not final and finishes every refund
// left requested, so nothing is lost when a create had no answer, a user never returned from the pay
// dialog, or the process restarted. Refunds are core records too: written before the provider is
// called, checked against the captured money in the same compare-and-set.
import { randomUUID } from "node:crypto";
import { planRefund, planSnapshot, refundable, type Plan } from "./machine.js";
import type { Money, PaymentEvent, PaymentInvoice, PaymentRefund, ProviderKind, ProviderSnapshot } from "./model.js";
import { StaleVersionError, type BeginInput, type Begun, type LedgerStore } from "./store-types.js";
import type { PaymentProviderAdapter } from "../providers/types.js";
import { every } from "../../util/periodic.js";

/** Raises one payment event in the user's dialog; throws to have it retried later. */
export type Deliver = (event: PaymentEvent) => Promise<void>;

/**
 * What a `Deliver` throws when the event could not run now for a passing reason (the server is full
 * of turns): tried again after `retryAfterMs`, not after the growing pause of a failed delivery.
 */
export class DeliveryDeferred extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = "DeliveryDeferred";
  }
}

/** What the payment core works with: the ledger store, the provider adapters, event delivery and its timers. */
export interface PaymentCoreOptions {
  store: LedgerStore;
  adapters: Partial<Record<ProviderKind, PaymentProviderAdapter>>;
  /** Raises one event in the user's dialog; throws to have it retried later. */
  deliver?: Deliver;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
  now?: () => number;
  /** An attempt whose create had no answer and that the provider does not know is canceled after this long. Default 25 min (SmartPay's 20 min expiry + 5). */
  orphanCancelAfterMs?: number;
  /** A requested refund nobody is sending (its process stopped) is sent by the reconciler after this long. Default 30 s. */
  refundRetryAfterMs?: number;
  /** How long a claimed outbox event is reserved for the process delivering it. Default 60 s. */
  deliveryLeaseMs?: number;
}

/** A refund asked for by an operator or a script: which payment, how much and why. */
export interface RefundInput {
  /** Our invoice id, the provider's payment id or the order id. */
  payment: string;
  provider?: ProviderKind;
  /** Minor units; default everything that is left. */
  amountMinor?: number;
  currency?: string;
  /** The caller's key: a repeated request with it yields the same refund. */
  idempotencyKey: string;
  reason?: string;
  /** Provider-specific (SmartPay: order_bundle; YooKassa: description). */
  details?: Record<string, unknown>;
  /** A hash of the caller's terms (YooKassa: amount and description): a repeat under the key with other terms is refused, never a second refund. */
  requestHash?: string;
  /** The adapter for this call's own send (a script's, with a turn's short timeouts); the reconciler's resends use the core's. */
  via?: PaymentProviderAdapter;
}

/** A refund the core refuses before anything is written (HTTP-400 like): the message says why. */
export class RefundRejectedError extends Error {
  constructor(
    message: string,
    readonly code: "not_found" | "not_paid" | "amount" | "conflict" | "busy" | "unsupported" | "request",
  ) {
    super(message);
    this.name = "RefundRejectedError";
  }
}

export type { BeginInput } from "./store-types.js";

/** Where an input belongs: our attempt id, or the provider's id of the object. */
export type AttemptRef = { attemptId: string } | { provider: ProviderKind; providerPaymentId: string };

interface InboxBody {
  ref: AttemptRef;
  snapshot: ProviderSnapshot;
  raw?: unknown;
}

const RETRY_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000];

/**
 * The provider-neutral payment core: begins invoices, applies provider snapshots to the ledger, delivers
 * events once and refunds (docs/payments.md, "The payment core").
 */
export class PaymentCore {
  readonly store: LedgerStore;
  private readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private busy = { reconcile: false, dispatch: false };
  private readonly sending = new Set<string>();

  constructor(private readonly opts: PaymentCoreOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Write-ahead: the order's invoice and attempt exist before the provider is called (or are found). */
  begin(input: BeginInput): Promise<Begun> {
    return this.store.beginInvoice({ ...input, id: randomUUID(), attemptId: randomUUID() }, this.iso());
  }

  /**
   * One provider input: stored in the inbox first, then applied. A repeat of the same input (same
   * source, object, status) is recognised by its dedup key and stored once; applying it again
   * changes nothing that was applied already.
   */
  async observe(source: string, ref: AttemptRef, snapshot: ProviderSnapshot, raw?: unknown): Promise<{ applied: boolean; events: number; note?: string }> {
    const target = "attemptId" in ref ? ref.attemptId : `${ref.provider}:${ref.providerPaymentId}`;
    const dedup = `${source}:${target}:${snapshot.providerPaymentId ?? ""}:${snapshot.providerStatus}:${snapshot.refundedMinor ?? 0}`;
    const inboxId = await this.store.inbox(source, dedup, { ref, snapshot, raw } satisfies InboxBody, this.iso());
    // A repeat may be the very input another caller (another process) stored a moment ago and is
    // still applying, as when two creates of one order race: applied here too, so whoever returns
    // reads rows that already show it. Applying is idempotent (compare-and-set, ranks, unique keys).
    if (inboxId === undefined) {
      const out = await this.apply(ref, snapshot);
      return { ...out, note: out.note ?? "repeat" };
    }
    const out = await this.apply(ref, snapshot);
    await this.store.inboxDone(inboxId, this.iso(), out.note);
    return out;
  }

  private async apply(ref: AttemptRef, snapshot: ProviderSnapshot): Promise<{ applied: boolean; events: number; note?: string }> {
    for (let round = 0; round < 5; round++) {
      const attempt = "attemptId" in ref ? await this.store.attempt(ref.attemptId) : await this.store.attemptByProviderId(ref.provider, ref.providerPaymentId);
      if (!attempt) return { applied: false, events: 0, note: "unknown attempt" };
      const invoice = (await this.store.invoice(attempt.invoiceId))!;
      const plan = planSnapshot(invoice, attempt, snapshot);
      if (!plan.attempt && !plan.invoice && plan.ledger.length === 0 && plan.events.length === 0) {
        await this.store.markSynced(attempt.id, this.iso());
        return { applied: false, events: 0, note: plan.ignored ?? "no change" };
      }
      try {
        const { events } = await this.store.applyPlan(invoice, attempt, plan, this.iso());
        if (plan.ignored) this.opts.log?.("warn", `payment ${invoice.id}: ${plan.ignored}`);
        return { applied: true, events, note: plan.ignored };
      } catch (err) {
        if (!(err instanceof StaleVersionError)) throw err;
        // Somebody else applied an input meanwhile: plan again from the new rows.
      }
    }
    throw new Error("payment core: the attempt kept changing; giving up this input");
  }

  /** Inputs stored before a stop but not applied: applied now (at start). */
  async replayInbox(): Promise<number> {
    let n = 0;
    for (const entry of await this.store.unprocessedInbox()) {
      const body = entry.body as InboxBody;
      const out = await this.apply(body.ref, body.snapshot);
      await this.store.inboxDone(entry.id, this.iso(), out.note ?? "replayed");
      n++;
    }
    return n;
  }

  /**
   * Ask the provider about every attempt that is not final. An attempt whose create had no answer is
   * looked up by order: adopted when the provider has it, canceled when it still does not after
   * `orphanCancelAfterMs`.
   */
  async reconcileOnce(opts: { all?: boolean } = {}): Promise<number> {
    if (this.busy.reconcile) return 0;
    this.busy.reconcile = true;
    let changed = 0;
    try {
      for (const attempt of await this.store.openAttempts()) {
        const adapter = this.opts.adapters[attempt.provider];
        if (!adapter) continue;
        const every = adapter.pollIntervalMs;
        if (!opts.all && every && attempt.syncedAt && this.now() - Date.parse(attempt.syncedAt) < every) continue;
        try {
          if (attempt.providerPaymentId) {
            const found = await adapter.fetch(attempt);
            if (found !== "not_found") changed += (await this.observe(`${attempt.provider}.poll`, { attemptId: attempt.id }, found)).applied ? 1 : 0;
            else await this.store.markSynced(attempt.id, this.iso());
            continue;
          }
          const invoice = (await this.store.invoice(attempt.invoiceId))!;
          const found = await adapter.findByOrder(invoice.account, invoice.orderId);
          if (found !== "not_found") {
            changed += (await this.observe(`${attempt.provider}.adopt`, { attemptId: attempt.id }, found)).applied ? 1 : 0;
          } else if (this.now() - Date.parse(attempt.createdAt) > (this.opts.orphanCancelAfterMs ?? 25 * 60_000)) {
            changed += (await this.observe("core.orphan", { attemptId: attempt.id }, { status: "canceled", providerStatus: "not_found", cancelCategory: "technical" })).applied ? 1 : 0;
          } else {
            await this.store.markSynced(attempt.id, this.iso());
          }
        } catch (err) {
          this.opts.log?.("warn", `payment reconcile ${attempt.id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const retryAfter = this.opts.refundRetryAfterMs ?? 30_000;
      for (const refund of await this.store.openRefunds()) {
        // One being sent by a live caller is left to it; after a stop, nobody is sending it.
        if (this.now() - Date.parse(refund.sentAt ?? refund.createdAt) < retryAfter) continue;
        try {
          if ((await this.sendRefund(refund.id)).status !== "requested") changed++;
        } catch (err) {
          this.opts.log?.("warn", `payment refund ${refund.id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      this.busy.reconcile = false;
    }
    return changed;
  }

  /** Deliver due events after commit; a failed delivery is retried later, a delivered one never again. */
  async dispatchOnce(): Promise<number> {
    const deliver = this.opts.deliver;
    if (!deliver || this.busy.dispatch) return 0;
    this.busy.dispatch = true;
    let n = 0;
    try {
      // Claimed: another process dispatching at the same time gets other events, never these. A claim
      // holds the oldest undelivered event of each invoice only; once it is delivered, the invoice's
      // next event is claimable, so a few claims in a row drain a payment's events in order.
      for (let claim = 0; claim < 10; claim++) {
        let delivered = 0;
        const one = async (event: PaymentEvent): Promise<void> => {
          try {
            await deliver(event);
            await this.store.delivered(event.id, this.iso());
            delivered++;
          } catch (err) {
            // Deferred (the server was full): soon again, and not a failed try, so a real failure
            // after a flood still waits as long as its own tries say.
            const deferred = err instanceof DeliveryDeferred;
            const wait = deferred ? err.retryAfterMs : RETRY_MS[Math.min(event.tries, RETRY_MS.length - 1)]!;
            await this.store.deliveryFailed(event.id, err instanceof Error ? err.message : String(err), this.now() + wait, !deferred);
            this.opts.log?.(deferred ? "debug" : "warn", `payment event ${event.name} for ${event.invoiceId}: ${deferred ? "deferred" : "delivery failed"}, next try in ${wait} ms`);
          }
        };
        // An event turn waits in its user's queue behind that user's turns: users are served side by
        // side, so one user's slow turns hold up only their own events (a user's own, in claim order).
        const byUser = new Map<string, PaymentEvent[]>();
        for (const event of await this.store.claimDueEvents(this.now(), this.opts.deliveryLeaseMs ?? 60_000)) {
          const list = byUser.get(event.userKey);
          if (list) list.push(event);
          else byUser.set(event.userKey, [event]);
        }
        // Every user's deliveries end before the pass does, also when the store fails for one of
        // them: the pass is never marked done while another user's event turn still runs.
        const outcomes = await Promise.allSettled(
          [...byUser.values()].map(async (events) => {
            for (const event of events) await one(event);
          }),
        );
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
        if (failed) throw failed.reason;
        n += delivered;
        if (delivered === 0) break;
      }
    } finally {
      this.busy.dispatch = false;
    }
    return n;
  }

  /** Replay the inbox, then reconcile and dispatch on timers until stop(). */
  async start(opts: { reconcileMs?: number; dispatchMs?: number } = {}): Promise<void> {
    await this.replayInbox();
    const failed = (err: unknown) => this.opts.log?.("error", `payment core: ${String(err)}`);
    const round = () => this.reconcileOnce().then(() => this.dispatchOnce());
    this.timers.push(every(opts.reconcileMs ?? 5_000, round, failed), every(opts.dispatchMs ?? 500, () => this.dispatchOnce(), failed));
    // At once too, every open attempt: after a restart, what happened while the process was down is found now.
    void this.reconcileOnce({ all: true })
      .then(() => this.dispatchOnce())
      .catch((err: unknown) => this.opts.log?.("error", `payment core: ${String(err)}`));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async close(): Promise<void> {
    this.stop();
    await this.store.close();
  }

  /** An invoice by our id, the provider's payment id or the order id (the CLI and `$payment` take any). */
  async findPayment(id: string, provider?: ProviderKind): Promise<PaymentInvoice | undefined> {
    // Every way of naming a payment finds only the provider's own: a SmartPay refund
    // ($payment.refundPayment) never reaches a YooKassa payment by the core's id.
    const direct = await this.store.invoice(id);
    if (direct && (!provider || direct.provider === provider)) return direct;
    for (const kind of provider ? [provider] : (Object.keys(this.opts.adapters) as ProviderKind[])) {
      const byProvider = await this.store.attemptByProviderId(kind, id);
      if (byProvider) return this.store.invoice(byProvider.invoiceId);
    }
    // By the stores' order-id index: a ledger of any size, not a scan of its newest invoices.
    return this.store.invoiceByOrderId(id, provider);
  }

  /**
   * A refund, written (requested) before the provider is called, then sent. A repeat with the same
   * idempotency key yields the same refund, however often and from however many processes it comes.
   * The amount is checked against what is left (captured less every refund not failed) under the
   * invoice's compare-and-set, so partial and repeated refunds never exceed the captured money.
   */
  async refund(input: RefundInput): Promise<{ refund: PaymentRefund; created: boolean }> {
    const key = input.idempotencyKey.trim();
    if (key === "" || key.length > 128) throw new RefundRejectedError("an idempotency key (1-128 characters) is required", "request");
    for (let round = 0; round < 5; round++) {
      const invoice = await this.findPayment(input.payment, input.provider);
      if (!invoice) throw new RefundRejectedError(`no payment ${input.payment}`, "not_found");
      const existing = await this.store.refundByKey(invoice.id, key);
      if (existing) {
        if (input.amountMinor !== undefined && input.amountMinor !== existing.amount.minor) {
          throw new RefundRejectedError(`idempotency key ${key} was used for a refund of ${existing.amount.minor}, not ${input.amountMinor}`, "conflict");
        }
        if (input.requestHash !== undefined && existing.requestHash !== undefined && input.requestHash !== existing.requestHash) {
          throw new RefundRejectedError(`idempotency key ${key} was used for a refund with other terms`, "conflict");
        }
        return { refund: await this.finishIfIdle(existing, input.via), created: false };
      }
      const adapter = this.opts.adapters[invoice.provider];
      if (!adapter?.submitRefund || !adapter.prepareRefund) throw new RefundRejectedError(`${invoice.provider} refunds are not supported`, "unsupported");
      if (invoice.status !== "paid" || !invoice.paidAttemptId) throw new RefundRejectedError(`payment ${invoice.id} is ${invoice.status}: only a paid payment can be refunded`, "not_paid");
      const attempt = (await this.store.attempt(invoice.paidAttemptId))!;
      const refunds = await this.store.refundsOf(invoice.id);
      if (refunds.some((r) => r.status === "requested")) throw new RefundRejectedError(`a refund of payment ${invoice.id} is in progress: try again when it is final`, "busy");
      const left = refundable(invoice, refunds);
      if (input.amountMinor === undefined && left === 0) throw new RefundRejectedError(`nothing is left to refund of payment ${invoice.id} (captured ${invoice.capturedMinor}, refunded ${invoice.refundedMinor})`, "amount");
      const amount = input.amountMinor ?? left;
      if (!Number.isInteger(amount) || amount <= 0) throw new RefundRejectedError(`the refund amount must be a positive integer in minor units (got ${String(input.amountMinor)}; ${left} left)`, "amount");
      if (input.currency !== undefined && input.currency !== invoice.amount.currency) throw new RefundRejectedError(`the payment is in ${invoice.amount.currency}, not ${input.currency}`, "amount");
      if (amount > left) throw new RefundRejectedError(`a refund of ${amount} exceeds the ${left} left of payment ${invoice.id} (captured ${invoice.capturedMinor})`, "amount");
      const money: Money = { minor: amount, currency: invoice.amount.currency };
      let request: unknown;
      try {
        request = await adapter.prepareRefund(invoice, attempt, { amount: money, currentMinor: invoice.capturedMinor - invoice.refundedMinor, details: input.details });
      } catch (err) {
        throw new RefundRejectedError(err instanceof Error ? err.message : String(err), "request");
      }
      try {
        const id = randomUUID();
        // The provider's own key is fixed with the row: a resend (this process, another, after a restart) is the same refund.
        const made = await this.store.insertRefund(
          { id, invoiceId: invoice.id, attemptId: attempt.id, amount: money, idempotencyKey: key, request, reason: input.reason, requestHash: input.requestHash, providerIdempotenceKey: `rf:${id}` },
          invoice.version,
          this.iso(),
        );
        if (!made.created) return { refund: await this.finishIfIdle(made.refund, input.via), created: false };
        return { refund: await this.sendQuietly(made.refund, input.via), created: true };
      } catch (err) {
        if (!(err instanceof StaleVersionError)) throw err;
        // The invoice moved (another refund, a status read): decide again from the new rows.
      }
    }
    throw new Error("payment core: the payment kept changing; try the refund again");
  }

  /** A repeat of a request whose refund is still requested and nobody here is sending it: send it now. */
  private async finishIfIdle(refund: PaymentRefund, via?: PaymentProviderAdapter): Promise<PaymentRefund> {
    if (refund.status !== "requested" || this.sending.has(refund.id)) return refund;
    if (refund.sentAt && this.now() - Date.parse(refund.sentAt) < (this.opts.refundRetryAfterMs ?? 30_000)) return refund;
    return this.sendQuietly(refund, via);
  }

  /** Send now; without an answer the refund stays requested (the caller says so) and the reconciler sends it again. */
  private async sendQuietly(refund: PaymentRefund, via?: PaymentProviderAdapter): Promise<PaymentRefund> {
    try {
      return await this.sendRefund(refund.id, via);
    } catch (err) {
      this.opts.log?.("warn", `refund ${refund.id}: no answer yet (${err instanceof Error ? err.message : String(err)}); sent again later`);
      return (await this.store.refund(refund.id)) ?? refund;
    }
  }

  /**
   * Send a requested refund and record the answer. `sentAt` is set by compare-and-set first, so of
   * two processes only one sends; without an answer it stays requested and the reconciler sends the
   * same request again (the provider's own guard, SmartPay's current_amount, refuses a second refund).
   */
  async sendRefund(refundId: string, via?: PaymentProviderAdapter): Promise<PaymentRefund> {
    let refund = await this.store.refund(refundId);
    if (!refund || refund.status !== "requested" || this.sending.has(refundId)) return refund!;
    this.sending.add(refundId);
    try {
      const invoice = (await this.store.invoice(refund.invoiceId))!;
      const attempt = (await this.store.attempt(refund.attemptId))!;
      const adapter = via?.kind === invoice.provider && via.submitRefund ? via : this.opts.adapters[invoice.provider];
      if (!adapter?.submitRefund) throw new Error(`${invoice.provider} refunds are not supported`);
      const resend = refund.sentAt !== undefined;
      if (!(await this.store.markRefundSent(refund.id, refund.version, this.iso()))) return (await this.store.refund(refundId))!;
      refund = (await this.store.refund(refundId))!;
      const outcome = await adapter.submitRefund(invoice, attempt, refund, resend);
      for (let round = 0; round < 5; round++) {
        const inv = (await this.store.invoice(refund.invoiceId))!;
        const cur = (await this.store.refund(refundId))!;
        if (cur.status !== "requested") return cur;
        const plan: Plan = planRefund(inv, attempt, cur, await this.store.refundsOf(inv.id), outcome);
        try {
          await this.store.applyPlan(inv, attempt, plan, this.iso());
          if (outcome.status === "failed") this.opts.log?.("warn", `refund ${refundId} of payment ${inv.id} failed: ${outcome.error}`);
          return (await this.store.refund(refundId))!;
        } catch (err) {
          if (!(err instanceof StaleVersionError)) throw err;
        }
      }
      throw new Error(`payment core: refund ${refundId} kept changing`);
    } finally {
      this.sending.delete(refundId);
    }
  }
}
