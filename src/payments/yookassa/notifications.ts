// Incoming YooKassa HTTP notifications (docs/yookassa.md, "Incoming notifications"). They carry no
// signature, so a notification is only a hint: the object is re-fetched with the shop's own
// credentials and only the fetched status is passed on. A sender outside the documented address
// ranges is refused (configurable: behind a proxy set express's "trust proxy", or pass "any").
// The answer is 200 only after the sink stored the input, so YooKassa re-delivers what we lost.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";
import express from "express";
import type { ProviderSnapshot } from "../core/model.js";
import { yookassaSnapshot } from "../providers/yookassa.js";
import type { YooKassaClient } from "./client.js";
import { YooKassaError, YooKassaNotFoundError } from "./errors.js";
import { YOOKASSA_NOTIFICATION_RANGES } from "./ip-ranges.js";
import { inRanges } from "../../util/ip-ranges.js";
import type { NotificationEvent, Payment, Refund } from "./types.js";

const EVENTS: ReadonlySet<string> = new Set<NotificationEvent>(["payment.waiting_for_capture", "payment.succeeded", "payment.canceled", "refund.succeeded"]);

/**
 * A notification after verification: what it claimed, and the payment (and refund) as fetched from YooKassa,
 * which is the truth.
 */
export interface VerifiedNotification {
  account: string; // the shop id from the notification URL
  event: NotificationEvent; // what the notification claimed
  payment: Payment; // as fetched: the truth
  refund?: Refund; // as fetched, for refund.succeeded
  snapshot: ProviderSnapshot; // the fetched payment on the neutral model
  /** Inbox dedup key (docs/payments.md): account, event, object id and the FETCHED status. */
  dedupKey: string;
  sourceIp: string;
  raw: unknown;
}

/** How the notification route checks a sender and fetches what a notification names. */
export interface NotificationRouteOptions {
  clientFor(account: string): YooKassaClient | undefined;
  /** Stores (inbox) and applies the verified input; the 200 goes out after it resolves. */
  accept(input: VerifiedNotification): Promise<void> | void;
  /** CIDR ranges allowed to send; "any" turns the check off. Default YooKassa's documented ranges. */
  allowedRanges?: readonly string[] | "any";
  log?: (level: "info" | "warn", message: string) => void;
}

/** POST handler for `/payments/yookassa/:account/notify` (one URL per shop, set in its dashboard). */
export function yookassaNotificationRoute(opts: NotificationRouteOptions): [RequestHandler, RequestHandler, ErrorRequestHandler, RequestHandler] {
  const answer = (res: Response, status: number, reason: string) => void res.status(status).json({ ok: status === 200, reason });
  const handle = async (req: Request, res: Response) => {
    const sourceIp = senderOf(req);
    const account = String(req.params.account ?? "");
    const body = req.body as { type?: unknown; event?: unknown; object?: { id?: unknown } } | undefined;
    if (!body || body.type !== "notification" || typeof body.event !== "string" || !EVENTS.has(body.event) || typeof body.object?.id !== "string") {
      return answer(res, 400, "not a YooKassa notification of a known event");
    }
    const client = opts.clientFor(account);
    if (!client) return answer(res, 404, `no YooKassa shop ${account} here`);
    const event = body.event as NotificationEvent;
    let payment: Payment;
    let refund: Refund | undefined;
    try {
      if (event === "refund.succeeded") {
        refund = await client.getRefund(body.object.id);
        payment = await client.getPayment(refund.payment_id);
      } else {
        payment = await client.getPayment(body.object.id);
      }
    } catch (err) {
      if (err instanceof YooKassaNotFoundError) return answer(res, 400, "the shop has no such object"); // forged or another shop's
      opts.log?.("warn", `yookassa notification ${event} ${body.object.id}: re-fetch failed: ${err instanceof Error ? err.message : String(err)}`);
      return answer(res, err instanceof YooKassaError && err.status === 401 ? 500 : 503, "could not verify now; deliver again later");
    }
    if (refund === undefined && payment.status !== event.slice("payment.".length)) {
      opts.log?.("info", `yookassa notification said ${event} but the payment is ${payment.status}; the fetched status is used`);
    }
    const objectId = refund?.id ?? payment.id;
    const fetchedStatus = refund ? `refund:${refund.status}` : payment.status;
    const input: VerifiedNotification = { account, event, payment, snapshot: yookassaSnapshot(payment), dedupKey: `${account}:${event}:${objectId}:${fetchedStatus}`, sourceIp, raw: body };
    if (refund) input.refund = refund;
    try {
      await opts.accept(input);
    } catch (err) {
      opts.log?.("warn", `yookassa notification ${event} ${objectId}: not stored: ${err instanceof Error ? err.message : String(err)}`);
      return answer(res, 500, "not stored; deliver again");
    }
    answer(res, 200, "ok");
  };
  const senderOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? "";
  // The sender is checked before the body is read: a stranger's body is never parsed.
  const allowedSender: RequestHandler = (req, res, next) => {
    const sourceIp = senderOf(req);
    const ranges = opts.allowedRanges ?? YOOKASSA_NOTIFICATION_RANGES; // read per request: operators may change it
    if (ranges !== "any" && !inRanges(sourceIp, ranges)) {
      opts.log?.("warn", `yookassa notification from ${sourceIp} refused: outside the allowed ranges`);
      return answer(res, 403, "sender address not allowed");
    }
    next();
  };
  const badJson: ErrorRequestHandler = (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: string }).type === "entity.parse.failed") return answer(res, 400, "the body is not valid JSON");
    next(err);
  };
  return [allowedSender, express.json({ limit: "256kb", type: () => true }), badJson, (req, res) => void handle(req, res)];
}
