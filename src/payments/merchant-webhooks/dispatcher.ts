// Delivers merchant notifications from the outbox (docs/yookassa.md, "Outgoing notifications to the
// merchant"): signed with HMAC-SHA256 over the raw body, in order per payment (a later state waits
// for the earlier one), retried with growing pauses and ±10 % jitter for 24 hours after the state
// change, then marked failed. Success is exactly HTTP 200 (the seed's contract); redirects fail.
import { createHmac, randomUUID } from "node:crypto";
import { request } from "undici";
import type { MerchantNotification } from "./format.js";
import type { MerchantOutboxStore, OutboxRow } from "./outbox-types.js";

/** How long a notification is retried after its event (24 hours). */
export const DELIVERY_WINDOW_MS = 24 * 3600_000;
/** One try's timeout unless configured (SMARTAPP_NOTIFY_TIMEOUT_MS). */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;
/** Pause before try 2, 3, …: 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (last ≈ 23 h 51 min after the event). */
export const MERCHANT_RETRY_SCHEDULE = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3600_000, 2 * 3600_000, 4 * 3600_000, 8 * 3600_000, 8 * 3600_000];

/** POSTs a body with headers; the HTTP status. */
export type Send = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

/** The outbox, the signing key, the clock, the retry schedule and how to send. */
export interface DispatcherOptions {
  /** SQLite (one host), or PostgreSQL / Redis shared by every serving process. */
  outbox: MerchantOutboxStore;
  /** HMAC key shared with the merchant; without one the X-Payment-Signature header is left out. */
  secret?: string;
  now?: () => number;
  random?: () => number; // jitter source, [0, 1)
  schedule?: number[];
  send?: Send;
  timeoutMs?: number; // per try; default 10 s
  /** How long a claimed row is left to this dispatcher before another may take it; default 6 × the timeout. */
  leaseMs?: number;
}

/** Pure: the pause before the next try after `tries` failed tries, with ±10 % jitter. */
export function retryDelay(tries: number, schedule: number[], random: () => number): number {
  const base = schedule[Math.min(tries - 1, schedule.length - 1)]!;
  return Math.round(base * (0.9 + 0.2 * random()));
}

/** The X-Payment-Signature header's value: an HMAC-SHA256 of the body. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Delivers the outbox's signed POSTs: one payment's in order, each retried on the schedule until answered 2xx
 * or out of the window.
 */
export class MerchantWebhookDispatcher {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly schedule: number[];
  private readonly send: Send;
  private readonly leaseMs: number;
  private running: Promise<number> | undefined;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.schedule = opts.schedule ?? MERCHANT_RETRY_SCHEDULE;
    const timeout = opts.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;
    // Longer than a try can take, so a row is only taken over from a dispatcher that died with it.
    this.leaseMs = opts.leaseMs ?? 6 * timeout;
    this.send =
      opts.send ??
      (async (url, body, headers) => {
        const res = await request(url, { method: "POST", headers, body, headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout) });
        await res.body.dump();
        return res.statusCode;
      });
  }

  /** Records one state of a payment for delivery (once per payment and state). */
  enqueue(url: string, n: Omit<MerchantNotification, "event_id" | "state_changed_at" | "created_at">): boolean | Promise<boolean> {
    const at = this.now();
    const body: MerchantNotification = { ...n, created_at: Math.floor(at / 1000), event_id: randomUUID(), state_changed_at: new Date(at).toISOString() };
    return this.opts.outbox.add({ eventId: body.event_id, paymentKey: n.payment_uuid, state: n.state, url, body: JSON.stringify(body), createdAt: at });
  }

  /** One round: the due head of every payment's line is tried once. Resolves with the number delivered. */
  runOnce(): Promise<number> {
    if (!this.running) this.running = this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves once the round in flight, if any, has finished. */
  async idle(): Promise<void> {
    await this.running?.catch(() => 0);
  }

  private async round(): Promise<number> {
    let delivered = 0;
    // Claimed rows are heads of different payments: they go out side by side, each payment in order.
    const rows = await this.opts.outbox.claimDue(this.now(), this.leaseMs);
    for (const ok of await Promise.all(rows.map((row) => this.deliver(row)))) if (ok) delivered++;
    return delivered;
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-payment-event-id": row.eventId,
      "x-delivery-attempt": String(row.tries + 1),
      ...(this.opts.secret ? { "x-payment-signature": sign(this.opts.secret, row.body) } : {}),
    };
    let error: string;
    try {
      const status = await this.send(row.url, row.body, headers);
      if (status === 200) {
        await this.opts.outbox.delivered(row.id, this.now());
        return true;
      }
      error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const next = this.now() + retryDelay(row.tries + 1, this.schedule, this.random);
    // Past the day the line moves on: a failed state is surfaced (status failed), not retried forever.
    if (next > row.createdAt + DELIVERY_WINDOW_MS) await this.opts.outbox.failed(row.id, error);
    else await this.opts.outbox.retryAt(row.id, next, error);
    return false;
  }
}
