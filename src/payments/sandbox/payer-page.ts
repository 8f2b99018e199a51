// The SmartPay sandbox's payer page (docs/payments.md, "SmartPay as the acquirer"): what `form_url`
// of the start-payment call (POST /invoices/{id}) opens. A person or a test pays or declines there and
// the browser is sent to the `return_url` / `fail_url` that call gave. The link is the credential (as
// the YooKassa emulator's checkout): invoice ids are small integers, so the link carries a keyed hash
// of the id, and nothing else about the invoice can be reached from it.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import express, { type Router } from "express";
import { SandboxError, type SandboxCore } from "./core.js";

/** Where the sandbox's payer page is mounted. */
export const PAYER_PAGE_PATH = "/pay";

/** Where the payer goes back to, as the start-payment call gave it. */
export interface PayerReturn {
  returnUrl?: string;
  failUrl?: string;
}

/**
 * The sandbox's payer pages: their router, each invoice's signed path, and the return URLs to send the payer
 * back to.
 */
export interface PayerPages {
  router: Router;
  /** The page's path (below the sandbox origin) for an invoice. */
  pathOf(invoiceId: string): string;
  /** Remember the start-payment call's return URLs (kept in memory: the page is for a running sandbox). */
  remember(invoiceId: string, back: PayerReturn): void;
}

/** The payer pages of the sandbox; `key` signs their paths so only the page given for an invoice pays it. */
export function payerPages(core: SandboxCore, key: string | undefined): PayerPages {
  const secret = key && key.length > 0 ? key : randomBytes(18).toString("base64url");
  const sign = (id: string) => createHmac("sha256", secret).update(`payer-page:${id}`).digest("base64url").slice(0, 22);
  const valid = (id: string, given: string) => {
    const want = Buffer.from(sign(id));
    const got = Buffer.from(given);
    return want.length === got.length && timingSafeEqual(want, got);
  };
  const backs = new Map<string, PayerReturn>();
  const pathOf = (id: string) => `${PAYER_PAGE_PATH}/${encodeURIComponent(id)}/${sign(id)}`;

  const router = express.Router();
  router.param("key", (req, res, next) => {
    if (!valid(String(req.params.id), String(req.params.key))) return void res.status(404).type("html").send(page("Not found", "<p>No such payment page.</p>"));
    next();
  });
  router.get("/:id/:key", (req, res) => {
    try {
      res.type("html").send(view(core, req.params.id, pathOf(req.params.id)));
    } catch (err) {
      fail(res, err);
    }
  });
  router.post("/:id/:key/:action", (req, res) => {
    try {
      const id = req.params.id;
      const action = req.params.action;
      if (action !== "pay" && action !== "decline") throw new SandboxError(404, `no action ${action}: pay or decline`);
      const rec = core.get(id);
      if (rec.status !== "executed") throw new SandboxError(409, `invoice ${id} is ${rec.status}: it cannot be ${action === "pay" ? "paid" : "declined"} now`);
      core.apply(id, { type: action === "pay" ? "SUCCESS" : "DECLINE" });
      const back = backs.get(id);
      const url = action === "pay" ? back?.returnUrl : back?.failUrl;
      if (url) return void res.redirect(303, url);
      res.type("html").send(view(core, id, pathOf(id)));
    } catch (err) {
      fail(res, err);
    }
  });
  return { router, pathOf, remember: (id, back) => void backs.set(id, back) };
}

function view(core: SandboxCore, id: string, self: string): string {
  const rec = core.get(id);
  const order = rec.request.invoice.order;
  const amount = `${(rec.context.amount / 100).toFixed(2)} ${order.currency}`;
  const actions =
    rec.status === "executed"
      ? `<form method="post" action="${self}/pay"><button name="pay">Pay ${escapeHtml(amount)}</button></form>
<form method="post" action="${self}/decline"><button name="decline">Decline</button></form>`
      : `<p>This invoice is ${escapeHtml(rec.status)}.</p>`;
  return page(order.description, `<p>Amount: ${escapeHtml(amount)} · status <b id="status">${escapeHtml(rec.status)}</b></p>\n${actions}`);
}

function fail(res: express.Response, err: unknown): void {
  const status = err instanceof SandboxError ? err.status : 500;
  res.status(status).type("html").send(page("Payment", `<p>${escapeHtml(err instanceof Error ? err.message : String(err))}</p>`));
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SmartPay sandbox payment</title></head>\n<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
