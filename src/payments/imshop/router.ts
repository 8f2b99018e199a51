// The HTTP face of webhook acquiring (docs/payments.md, "Webhook acquiring for shop apps"), mounted by
// `smartapp serve` at /payments/imshop:
//   POST /payments/imshop            the app platform's four commands (Bearer IMSHOP_SECRET)
//   POST /payments/imshop/orders     the merchant registers an order: amount, description, owner (same secret)
//   GET  /payments/imshop/return/ID  where YooKassa sends the payer back; redirects to a URL the app's regexes match
//   GET  /payments/imshop/done/…     the page at the end of that redirect
// The seed documents no authentication; ours is a shared secret, and a request without it changes nothing.
import { createHash, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { ImshopAcquiring } from "./acquiring.js";
import { checkCommand, failure } from "./protocol.js";
import type { ImshopOrders, NewOrder } from "./store.js";

/** What the webhook acquiring routes need: the acquiring, the order store and the shared secret. */
export interface ImshopRouterOptions {
  acquiring: ImshopAcquiring;
  store: ImshopOrders;
  secret: string;
  now?: () => number;
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Pure: an order registration body, or the reason it is not one. */
export function checkOrder(body: unknown): { ok: true; order: NewOrder } | { ok: false; error: string } {
  if (!isObject(body)) return { ok: false, error: "expected a JSON object {orderId, amount, description, currency?, user?, receipt?}" };
  const { orderId, amount, description, currency = "RUB", user, receipt } = body;
  if (typeof orderId !== "string" || !/^[\x21-\x7e]{1,64}$/.test(orderId) || orderId.includes("#")) return { ok: false, error: "orderId: expected 1–64 printable ASCII characters without #" };
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) return { ok: false, error: "amount: expected a positive integer number of kopecks" };
  if (typeof description !== "string" || description.trim() === "" || description.length > 128) return { ok: false, error: "description: expected a non-empty string of at most 128 characters" };
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return { ok: false, error: "currency: expected an ISO 4217 code such as RUB" };
  if (user !== undefined && (typeof user !== "string" || user === "" || user.length > 256)) return { ok: false, error: "user: expected the dialog's user key (1–256 characters)" };
  if (receipt !== undefined && !isObject(receipt)) return { ok: false, error: "receipt: expected an object {email or phone, items}" };
  return { ok: true, order: { orderId, amountMinor: amount, currency, description, ...(user !== undefined ? { userKey: user as string } : {}), ...(receipt !== undefined ? { receipt } : {}) } };
}

/**
 * The HTTP face of webhook acquiring at /payments/imshop: the app platform's commands, order registration and
 * the payer's return pages.
 */
export function imshopRouter(opts: ImshopRouterOptions): Router {
  const router = express.Router();
  const expected = digest(opts.secret);
  const now = opts.now ?? Date.now;

  const authorized = (req: Request, res: Response, next: NextFunction) => {
    const header = req.get("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    // Compared as digests: equal lengths, so the comparison takes the same time for any guess.
    if (opts.secret.length === 0 || given.length === 0 || !timingSafeEqual(digest(given), expected)) {
      res.status(401).json(failure("unauthorized: send Authorization: Bearer <IMSHOP_SECRET>"));
      return;
    }
    next();
  };
  const json = express.json({ limit: "64kb", type: () => true });

  router.post("/", authorized, json, (req, res, next) => {
    const checked = checkCommand(req.body);
    if (!checked.ok) return void res.status(400).json(failure(checked.error));
    opts.acquiring.handle(checked.command).then((answer) => res.json(answer), next);
  });

  router.post("/orders", authorized, json, (req, res, next) => {
    const checked = checkOrder(req.body);
    if (!checked.ok) return void res.status(400).json({ error: checked.error });
    opts.store.addOrder(checked.order, new Date(now()).toISOString()).then((out) => {
      if ("conflict" in out) return void res.status(409).json({ error: `order ${checked.order.orderId} is registered with other terms; a changed order needs a new orderId`, order: out.conflict });
      res.status(out.created ? 201 : 200).json({ order: out.order });
    }, next);
  });

  router.get("/return/:orderId", (req, res, next) => {
    opts.acquiring.landing(String(req.params.orderId)).then((out) => {
      if ("redirect" in out) return void res.redirect(302, out.redirect);
      if ("error" in out) return void res.status(404).type("html").send(page("Платёж не найден", escapeHtml(out.error)));
      // Not decided yet (the acquirer is still confirming): look again in two seconds.
      res.set("refresh", "2").type("html").send(page("Проверяем оплату…", "Страница обновится сама."));
    }, next);
  });

  router.get("/done/:paymentId/:outcome", (req, res) => {
    const ok = req.params.outcome === "success";
    res.type("html").send(page(ok ? "Оплата прошла" : "Оплата не прошла", ok ? "Можно вернуться в приложение." : "Вернитесь в приложение и попробуйте ещё раз."));
  });

  return router;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, text: string): string => `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p>`;
