// The payment core (docs/payments.md, "The payment core"): one place where every provider input is
// stored (inbox), applied by compare-and-set with its money facts (ledger) and its events (outbox),
// and where the events are delivered into the user's dialog after commit, once per (payment, status).
// A reconciler asks the provider about every attempt that is not final, so nothing is lost when a
// create had no answer, a user never returned from the pay dialog, or the process restarted.
import { randomUUID } from "node:crypto";
import { planSnapshot } from "./machine.js";
import type { Money, PaymentAttempt, PaymentEvent, PaymentInvoice, ProviderKind, ProviderSnapshot } from "./model.js";
import { PaymentStore, StaleVersionError } from "./store.js";
import type { PaymentProviderAdapter } from "../providers/types.js";

export type Deliver = (event: PaymentEvent) => Promise<void>;

export interface PaymentCoreOptions {
  store: PaymentStore;
  adapters: Partial<Record<ProviderKind, PaymentProviderAdapter>>;
  /** Raises one event in the user's dialog; throws to have it retried later. */
  deliver?: Deliver;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
  now?: () => number;
  /** An attempt whose create had no answer and that the provider does not know is canceled after this long. Default 25 min (SmartPay's 20 min expiry + 5). */
  orphanCancelAfterMs?: number;
}

export interface BeginInput {
  userKey: string;
  provider: ProviderKind;
  account: string;
  orderId: string;
  amount: Money;
  description: string;
}

/** Where an input belongs: our attempt id, or the provider's id of the object. */
export type AttemptRef = { attemptId: string } | { provider: ProviderKind; providerPaymentId: string };

interface InboxBody {
  ref: AttemptRef;
  snapshot: ProviderSnapshot;
  raw?: unknown;
}

const RETRY_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000];

export class PaymentCore {
  readonly store: PaymentStore;
  private readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private busy = { reconcile: false, dispatch: false };

  constructor(private readonly opts: PaymentCoreOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Write-ahead: the order's invoice and attempt exist before the provider is called (or are found). */
  begin(input: BeginInput): { invoice: PaymentInvoice; attempt: PaymentAttempt; created: boolean } {
    return this.store.beginInvoice({ ...input, id: randomUUID(), attemptId: randomUUID() }, this.iso());
  }

  /**
   * One provider input: stored in the inbox first, then applied. A repeat of the same input (same
   * source, object, status) is recognised by its dedup key and not applied twice.
   */
  observe(source: string, ref: AttemptRef, snapshot: ProviderSnapshot, raw?: unknown): { applied: boolean; events: number; note?: string } {
    const target = "attemptId" in ref ? ref.attemptId : `${ref.provider}:${ref.providerPaymentId}`;
    const dedup = `${source}:${target}:${snapshot.providerPaymentId ?? ""}:${snapshot.providerStatus}:${snapshot.refundedMinor ?? 0}`;
    const inboxId = this.store.inbox(source, dedup, { ref, snapshot, raw } satisfies InboxBody, this.iso());
    if (inboxId === undefined) return { applied: false, events: 0, note: "repeat" };
    const out = this.apply(ref, snapshot);
    this.store.inboxDone(inboxId, this.iso(), out.note);
    return out;
  }

  private apply(ref: AttemptRef, snapshot: ProviderSnapshot): { applied: boolean; events: number; note?: string } {
    for (let round = 0; round < 5; round++) {
      const attempt = "attemptId" in ref ? this.store.attempt(ref.attemptId) : this.store.attemptByProviderId(ref.provider, ref.providerPaymentId);
      if (!attempt) return { applied: false, events: 0, note: "unknown attempt" };
      const invoice = this.store.invoice(attempt.invoiceId)!;
      const plan = planSnapshot(invoice, attempt, snapshot);
      if (!plan.attempt && !plan.invoice && plan.ledger.length === 0 && plan.events.length === 0) {
        this.store.markSynced(attempt.id, this.iso());
        return { applied: false, events: 0, note: plan.ignored ?? "no change" };
      }
      try {
        const { events } = this.store.applyPlan(invoice, attempt, plan, this.iso());
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
  replayInbox(): number {
    let n = 0;
    for (const entry of this.store.unprocessedInbox()) {
      const body = entry.body as InboxBody;
      const out = this.apply(body.ref, body.snapshot);
      this.store.inboxDone(entry.id, this.iso(), out.note ?? "replayed");
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
      for (const attempt of this.store.openAttempts()) {
        const adapter = this.opts.adapters[attempt.provider];
        if (!adapter) continue;
        const every = adapter.pollIntervalMs;
        if (!opts.all && every && attempt.syncedAt && this.now() - Date.parse(attempt.syncedAt) < every) continue;
        try {
          if (attempt.providerPaymentId) {
            const found = await adapter.fetch(attempt);
            if (found !== "not_found") changed += this.observe(`${attempt.provider}.poll`, { attemptId: attempt.id }, found).applied ? 1 : 0;
            else this.store.markSynced(attempt.id, this.iso());
            continue;
          }
          const invoice = this.store.invoice(attempt.invoiceId)!;
          const found = await adapter.findByOrder(invoice.account, invoice.orderId);
          if (found !== "not_found") {
            changed += this.observe(`${attempt.provider}.adopt`, { attemptId: attempt.id }, found).applied ? 1 : 0;
          } else if (this.now() - Date.parse(attempt.createdAt) > (this.opts.orphanCancelAfterMs ?? 25 * 60_000)) {
            changed += this.observe("core.orphan", { attemptId: attempt.id }, { status: "canceled", providerStatus: "not_found", cancelCategory: "technical" }).applied ? 1 : 0;
          } else {
            this.store.markSynced(attempt.id, this.iso());
          }
        } catch (err) {
          this.opts.log?.("warn", `payment reconcile ${attempt.id}: ${err instanceof Error ? err.message : String(err)}`);
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
      for (const event of this.store.dueEvents(this.now())) {
        try {
          await deliver(event);
          this.store.delivered(event.id, this.iso());
          n++;
        } catch (err) {
          const wait = RETRY_MS[Math.min(event.tries, RETRY_MS.length - 1)]!;
          this.store.deliveryFailed(event.id, err instanceof Error ? err.message : String(err), this.now() + wait);
          this.opts.log?.("warn", `payment event ${event.name} for ${event.invoiceId}: delivery failed, next try in ${wait} ms`);
        }
      }
    } finally {
      this.busy.dispatch = false;
    }
    return n;
  }

  /** Replay the inbox, then reconcile and dispatch on timers until stop(). */
  start(opts: { reconcileMs?: number; dispatchMs?: number } = {}): void {
    this.replayInbox();
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.opts.log?.("error", `payment core: ${String(err)}`)), ms);
      t.unref();
      this.timers.push(t);
    };
    const round = () => this.reconcileOnce().then(() => this.dispatchOnce());
    every(opts.reconcileMs ?? 5_000, round);
    every(opts.dispatchMs ?? 500, () => this.dispatchOnce());
    // At once too, every open attempt: after a restart, what happened while the process was down is found now.
    void this.reconcileOnce({ all: true })
      .then(() => this.dispatchOnce())
      .catch((err: unknown) => this.opts.log?.("error", `payment core: ${String(err)}`));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  close(): void {
    this.stop();
    this.store.close();
  }
}
