// The emulator's HTTP notifications (docs/yookassa.md, "Notifications"): each event is POSTed to the
// configured URL until it answers 200, with growing pauses, for 24 hours after the event. Pauses run
// on the emulator's clock, so moving a virtual clock replays a day of retries in seconds.
// Faults: a delivery sent several times, and an event held back until the next one went out.
import { request } from "undici";
import type { NotificationEvent, Payment, Refund } from "./types.js";

/** How long the emulator keeps retrying a notification after its event (24 hours). */
export const NOTIFICATION_WINDOW_MS = 24 * 3600_000;
/** YooKassa does not publish its intervals; these grow from a minute to two hours. */
export const DEFAULT_NOTIFICATION_SCHEDULE = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3600_000, 2 * 3600_000];

/** A fault a test injects into notifications: a delivery sent several times, or one held back until the next. */
export type NotificationFault = { kind: "duplicate"; copies?: number; times?: number } | { kind: "reorder"; times?: number };

/** A notification to deliver: its event, body and retry state. */
export interface Delivery {
  id: number;
  event: NotificationEvent;
  objectId: string;
  body: string;
  createdAt: number;
  nextAt: number; // clock ms of the next try; Infinity while held back
  tries: number;
  copies: number; // extra deliveries after the first success (duplicate fault)
  deliveredAt?: number;
  givenUpAt?: number;
  lastStatus?: number | string;
}

/** One try of a delivery as the tests read it: when, and what the runtime answered. */
export interface DeliveryTry {
  deliveryId: number;
  event: NotificationEvent;
  objectId: string;
  at: string; // clock time
  status: number | string;
}

/** The emulator's outgoing notifications: POSTed until answered 200, with growing pauses on the emulator's clock. */
export class NotificationQueue {
  url: string | undefined;
  readonly deliveries: Delivery[] = [];
  readonly log: DeliveryTry[] = [];
  private readonly faults: NotificationFault[] = [];
  private readonly schedule: number[];
  private held: Delivery | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(
    private readonly clock: { now(): number },
    opts: { url?: string; schedule?: number[]; pollMs?: number } = {},
  ) {
    this.url = opts.url;
    this.schedule = opts.schedule?.length ? opts.schedule : DEFAULT_NOTIFICATION_SCHEDULE;
    // Real-time ticks pick up due deliveries; unref'd so an idle emulator never keeps a process alive.
    this.timer = setInterval(() => void this.pump(), opts.pollMs ?? 200);
    this.timer.unref();
  }

  enqueue(event: NotificationEvent, object: Payment | Refund): void {
    const now = this.clock.now();
    const d: Delivery = { id: ++this.nextId, event, objectId: object.id, body: JSON.stringify({ type: "notification", event, object }), createdAt: now, nextAt: now, tries: 0, copies: 0 };
    const dup = this.take("duplicate");
    if (dup?.kind === "duplicate") d.copies = Math.max(1, dup.copies ?? 1);
    if (this.held) {
      // The held-back event goes out just after this one: the receiver sees them reordered.
      this.held.nextAt = now + 1;
      this.held = undefined;
    } else if (this.take("reorder")) {
      d.nextAt = Infinity;
      this.held = d;
    }
    this.deliveries.push(d);
    void this.pump();
  }

  inject(fault: NotificationFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
    if (this.held) this.held.nextAt = this.clock.now();
    this.held = undefined;
  }

  /** Sends everything due now, in event order; resolves when this round is over. */
  pump(): Promise<void> {
    if (!this.running) this.running = this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Rounds until nothing is due (a test's "let the emulator deliver"). */
  async flush(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await this.pump();
      if (!this.deliveries.some((d) => this.due(d))) return;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private due(d: Delivery): boolean {
    return this.url !== undefined && d.givenUpAt === undefined && (d.deliveredAt === undefined || d.copies > 0) && d.nextAt <= this.clock.now();
  }

  private async round(): Promise<void> {
    const due = this.deliveries.filter((d) => this.due(d)).sort((a, b) => a.nextAt - b.nextAt || a.id - b.id);
    for (const d of due) await this.send(d);
  }

  private async send(d: Delivery): Promise<void> {
    const url = this.url;
    if (!url) return;
    let status: number | string;
    try {
      const res = await request(url, { method: "POST", headers: { "content-type": "application/json" }, body: d.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
      await res.body.dump();
      status = res.statusCode;
    } catch (err) {
      status = (err as { code?: string }).code ?? "network_error";
    }
    const now = this.clock.now();
    this.log.push({ deliveryId: d.id, event: d.event, objectId: d.objectId, at: new Date(now).toISOString(), status });
    d.lastStatus = status;
    if (d.deliveredAt !== undefined) {
      d.copies--; // a duplicate went out; the first success already counted
      return;
    }
    d.tries++;
    if (status === 200) {
      d.deliveredAt = now;
      return;
    }
    const pause = this.schedule[Math.min(d.tries - 1, this.schedule.length - 1)];
    if (now + pause > d.createdAt + NOTIFICATION_WINDOW_MS) d.givenUpAt = now;
    else d.nextAt = now + pause;
  }

  private take(kind: NotificationFault["kind"]): NotificationFault | undefined {
    const i = this.faults.findIndex((f) => f.kind === kind && (f.times === undefined || f.times > 0));
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (f.times !== undefined && --f.times === 0) this.faults.splice(i, 1);
    return f;
  }
}
