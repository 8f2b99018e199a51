// The sandbox's shop app (docs/payments.md, "The sandbox plays the shop app"): IMSHOP's side of webhook
// acquiring as a sandbox feature, mounted by the local sandbox at /imshop-app (`smartapp sandbox`, and
// the sandbox `serve` starts):
//   POST /imshop-app/sync                 the app platform's sync URL: takes the merchant's statuses, shows them
//   POST /imshop-app/__sandbox/pay        drive one card payment against a merchant webhook (runCardPayment)
//   GET  /imshop-app/__sandbox/sync       the statuses received, with the virtual time and the signature check
//   POST /imshop-app/__sandbox/faults     the sync URL down ({status}), slow ({latencyMs}), or both, `times` answers
//   DELETE /imshop-app/__sandbox/faults   clears them
// The `/__sandbox` routes need X-Sandbox-Admin-Token (they make payments); the sync URL takes any
// caller, as the platform's does, and checks X-Payment-Signature when it knows the secret.
import { timingSafeEqual } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { sign } from "../merchant-webhooks/dispatcher.js";
import { runCardPayment, type PayerAction } from "./shop-app.js";
import { escapeControls } from "../../util/terminal.js";

/** A fault a test sets on the sandbox's sync URL: another status, a delay, for some requests. */
export interface SyncFault {
  /** Answer this status instead of 200 (e.g. 503: the sync URL is down). */
  status?: number;
  /** Answer only after this many ms of real time (a slow platform; past the sender's timeout it is a lost answer). */
  latencyMs?: number;
  /** How many requests it applies to; unset: until cleared. */
  times?: number;
}

/** A status the sandbox's sync URL received, and what it answered. */
export interface SyncReceipt {
  at: string; // the sandbox's (virtual) time
  body: unknown;
  /** true/false when the app knows IMSHOP_SECRET; undefined when it does not. */
  signatureOk?: boolean;
  answered: number;
}

/** The sandbox shop app's admin token, clock and default webhook. */
export interface ShopAppSandboxOptions {
  adminToken: string;
  /** The sandbox's clock (virtual: POST …/__sandbox/clock moves it). */
  now?: () => number;
  /** What the app uses when a request names none: serve fills these in once it listens. */
  defaults?: { webhookUrl?: string; secret?: string };
  /** Where a received status is shown (serve's log, the standalone sandbox's output). */
  show?: (line: string) => void;
}

/** The sandbox's shop app to mount: its router and the sync statuses it received. */
export interface ShopAppSandbox {
  router: Router;
  received: SyncReceipt[];
  defaults: { webhookUrl?: string; secret?: string };
  /** Replaceable: serve points it at its log once the logger exists. */
  show?: (line: string) => void;
}

const ACTIONS: readonly PayerAction[] = ["pay", "decline", "abandon"];
/** Statuses kept for GET /__sandbox/sync: the latest ones (a test reads a handful). */
export const MAX_RECEIVED = 1000;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The sandbox's shop app: the app platform's sync URL and the routes that make it pay an order through a
 * merchant webhook.
 */
export function createShopAppSandbox(opts: ShopAppSandboxOptions): ShopAppSandbox {
  const now = opts.now ?? Date.now;
  const defaults = opts.defaults ?? {};
  const received: SyncReceipt[] = [];
  let fault: SyncFault | undefined;
  const router = express.Router();
  const out: ShopAppSandbox = { router, received, defaults, show: opts.show };

  router.post("/sync", express.text({ type: () => true, limit: "64kb" }), async (req: Request, res: Response) => {
    const raw = typeof req.body === "string" ? req.body : "";
    const active = fault;
    if (active?.times !== undefined && --active.times <= 0) fault = undefined;
    if (active?.latencyMs) await sleep(active.latencyMs);
    const answered = active?.status ?? 200;
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text: the log shows what the merchant sent
    }
    const given = req.get("x-payment-signature");
    const signatureOk = defaults.secret ? given !== undefined && safeEqual(given, sign(defaults.secret, raw)) : undefined;
    received.push({ at: new Date(now()).toISOString(), body, ...(signatureOk !== undefined ? { signatureOk } : {}), answered });
    // Anyone who reaches the port may post here (a web page too: a text/plain POST needs no preflight).
    if (received.length > MAX_RECEIVED) received.splice(0, received.length - MAX_RECEIVED);
    out.show?.(`shop app: sync status ${escapeControls(raw)}${signatureOk === false ? " (bad signature)" : ""}; answered ${answered}`);
    res.status(answered).type("text").send(answered === 200 ? "ok" : "sandbox fault");
  });

  const admin = express.Router();
  const want = Buffer.from(opts.adminToken);
  admin.use((req, res, next) => {
    const given = Buffer.from(req.get("x-sandbox-admin-token") ?? "");
    if (want.length === 0 || given.length !== want.length || !timingSafeEqual(given, want)) return void res.status(401).json({ error: "the /__sandbox routes need the X-Sandbox-Admin-Token header" });
    next();
  });
  admin.use(express.json({ type: () => true, limit: "64kb" }));
  admin.post("/pay", async (req, res) => {
    const checked = checkPay(req.body, defaults);
    if (!checked.ok) return void res.status(400).json({ error: checked.error });
    try {
      const run = await runCardPayment(checked.args);
      out.show?.(`shop app: order ${checked.args.orderId}: ${run.steps.join(" → ")}`);
      res.json(run);
    } catch (err) {
      // The merchant's webhook is what is under test: its failure is the answer, not a sandbox crash.
      res.status(502).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });
  admin.get("/sync", (_req, res) => void res.json({ received }));
  admin.post("/faults", (req, res) => {
    const f: unknown = req.body;
    const ok = isObject(f) && (f.status === undefined || (Number.isInteger(f.status) && (f.status as number) >= 200 && (f.status as number) <= 599)) && (f.latencyMs === undefined || (Number.isInteger(f.latencyMs) && (f.latencyMs as number) >= 0 && (f.latencyMs as number) <= 120_000)) && (f.times === undefined || (Number.isInteger(f.times) && (f.times as number) > 0)) && (f.status !== undefined || f.latencyMs !== undefined);
    if (!ok) return void res.status(400).json({ error: "send {status?: 200–599, latencyMs?: 0–120000, times?: n ≥ 1}, at least one of status and latencyMs" });
    fault = { ...(f.status !== undefined ? { status: f.status as number } : {}), ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs as number } : {}), ...(f.times !== undefined ? { times: f.times as number } : {}) };
    res.json({ fault });
  });
  admin.delete("/faults", (_req, res) => {
    fault = undefined;
    res.json({ fault: null });
  });
  router.use("/__sandbox", admin);
  return out;
}

type PayArgs = Parameters<typeof runCardPayment>[0];

/** Pure: a `/__sandbox/pay` body with the defaults filled in, or the reason it is not one. */
export function checkPay(body: unknown, defaults: { webhookUrl?: string; secret?: string }): { ok: true; args: PayArgs } | { ok: false; error: string } {
  if (!isObject(body)) return { ok: false, error: "send {orderId, action: pay|decline|abandon, webhookUrl?, secret?, orderUuid?, declineReason?, paymentMethodId?, register?: {amount, description, receipt?}}" };
  const { orderId, action = "pay", orderUuid, declineReason, paymentMethodId, register } = body;
  const webhookUrl = body.webhookUrl ?? defaults.webhookUrl;
  const secret = body.secret ?? defaults.secret;
  if (typeof orderId !== "string" || orderId === "") return { ok: false, error: "orderId: the merchant's order number is required" };
  if (typeof action !== "string" || !ACTIONS.includes(action as PayerAction)) return { ok: false, error: `action: one of ${ACTIONS.join(", ")}` };
  if (typeof webhookUrl !== "string" || !/^https?:\/\//.test(webhookUrl)) return { ok: false, error: "webhookUrl: the merchant's payment webhook (http(s)); serve's sandbox knows its own" };
  if (typeof secret !== "string" || secret === "") return { ok: false, error: "secret: the webhook's shared secret (IMSHOP_SECRET); serve's sandbox knows its own" };
  for (const [k, v] of Object.entries({ orderUuid, declineReason, paymentMethodId })) if (v !== undefined && typeof v !== "string") return { ok: false, error: `${k}: expected a string` };
  if (register !== undefined && (!isObject(register) || typeof register.amount !== "number" || typeof register.description !== "string" || (register.receipt !== undefined && !isObject(register.receipt)))) {
    return { ok: false, error: "register: {amount (kopecks), description, receipt? (an object, needed by smartpay/… methods)}" };
  }
  return {
    ok: true,
    args: {
      webhookUrl,
      secret,
      orderId,
      orderUuid: (orderUuid as string | undefined) ?? `sandbox-${orderId}`,
      action: action as PayerAction,
      ...(declineReason !== undefined ? { declineReason: declineReason as string } : {}),
      ...(paymentMethodId !== undefined ? { paymentMethodId: paymentMethodId as string } : {}),
      ...(register !== undefined ? { register: register as { amount: number; description: string; receipt?: Record<string, unknown> } } : {}),
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
