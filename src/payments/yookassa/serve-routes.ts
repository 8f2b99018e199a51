// What `smartapp serve` mounts for YooKassa (docs/yookassa.md, "Serving"): the notification route of the
// project's shop, feeding the payment core's inbox, and the page a payer returns to after paying.
import express, { type Router } from "express";
import type { PaymentCore } from "../core/core.js";
import type { AttemptRef } from "../core/core.js";
import type { YooKassaClient } from "./client.js";
import { yookassaNotificationRoute, type VerifiedNotification } from "./notifications.js";

/** Where YooKassa POSTs a shop's notifications. */
export const NOTIFY_PATH = "/payments/yookassa/:account/notify";
/** Where the payer returns after YooKassa's checkout page. */
export const RETURN_PATH = "/payments/yookassa/return";

/** The notification URL to set in the shop's dashboard (or the emulator's). */
export const notifyUrl = (origin: string, shopId: string) => `${origin.replace(/\/+$/, "")}/payments/yookassa/${encodeURIComponent(shopId)}/notify`;

/** What the served YooKassa routes need: the payment core, a client per shop and the allowed senders. */
export interface YooKassaRoutesOptions {
  core: PaymentCore;
  clientFor(account: string): YooKassaClient | undefined;
  allowedRanges?: readonly string[] | "any";
  log?: (level: "info" | "warn", message: string) => void;
}

/**
 * A verified notification as a core input. The attempt is found by the fetched payment's own metadata
 * (so a payment whose create answer was lost is still ours), else by the payment id; the inbox write
 * happens inside `observe`, before the 200 goes out.
 */
export async function acceptNotification(core: PaymentCore, n: VerifiedNotification): Promise<void> {
  const attemptId = n.payment.metadata?.attempt_id;
  const own = attemptId !== undefined ? await core.store.attempt(attemptId) : undefined;
  const ref: AttemptRef = own && own.provider === "yookassa" && own.account === n.account ? { attemptId: own.id } : { provider: "yookassa", providerPaymentId: n.payment.id };
  await core.observe("yookassa.notify", ref, n.snapshot, n.raw);
}

/** The YooKassa routes `serve` mounts: the notification route and the payer's return page. */
export function yookassaRoutes(opts: YooKassaRoutesOptions): Router {
  const router = express.Router();
  router.post(
    NOTIFY_PATH,
    ...yookassaNotificationRoute({
      clientFor: opts.clientFor,
      allowedRanges: opts.allowedRanges,
      log: opts.log,
      accept: async (n) => {
        await acceptNotification(opts.core, n);
        // The events go into the dialog now rather than on the next timer tick.
        void opts.core.dispatchOnce().catch(() => undefined);
      },
    }),
  );
  router.get(RETURN_PATH, (_req, res) => {
    res.type("html").send('<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Оплата</title></head><body><p>Спасибо! Вернитесь в чат: бот сообщит, как прошла оплата.</p></body></html>');
  });
  return router;
}
