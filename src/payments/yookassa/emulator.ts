// The YooKassa emulator over HTTP (docs/yookassa.md, "The emulator"). A router with the real API's
// paths (/payments, /refunds…) to mount at `/yookassa/v3`, plus two local-only corners:
//   /__checkout/{id}   the page behind confirmation_url, where a person pays, declines or abandons;
//   /__sandbox/...     test control: the same actions headlessly, faults, the clock, the delivery log.
// Auth is Basic with any shop id and the configured secret key (the CLI passes YOOKASSA_SECRET_KEY).
import { timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { listenApp } from "../../util/listen.js";
import { DECLINE_REASONS, DEFAULT_EMULATOR_SECRET_KEY, errorBody, YooKassaEmulatorCore, type EmulatorCoreOptions } from "./emulator-core.js";
import { EmulatorError, isObject } from "./emulator-validate.js";
import type { NotificationFault } from "./emulator-notify.js";
import type { NotificationEvent, Payment } from "./types.js";

const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ["payment.waiting_for_capture", "payment.succeeded", "payment.canceled", "refund.succeeded"];

/** An injected failure of API calls. */
export interface HttpFault {
  status: number; // 429, 500, 503, or 202 ("still processing")
  when?: "before" | "after"; // before the work (default) or after it: the work is done, the answer lost
  times?: number; // how many matching calls; default every call
  method?: string;
  path?: string; // a substring of the path below /yookassa/v3
  latencyMs?: number;
  retryAfterMs?: number; // the 202's retry_after
}

/** The emulator's secret key, public URL and core options. */
export interface EmulatorOptions extends EmulatorCoreOptions {
  /** The only password accepted; default DEFAULT_EMULATOR_SECRET_KEY. Any shop id is accepted. */
  secretKey?: string;
  /** Where confirmation URLs point; default the origin the request came to plus the mount path. */
  publicUrl?: string;
  /**
   * When set, the `/__sandbox` test-control routes require it in `X-Sandbox-Admin-Token` (they can mark a
   * payment paid): the local sandbox of `serve` passes its admin token. Unset: open (a test's own emulator).
   */
  adminToken?: string;
}

/** A YooKassa emulator to mount: its router, its core, and the HTTP faults tests inject. */
export interface YooKassaEmulator {
  router: Router;
  core: YooKassaEmulatorCore;
  faults: HttpFault[];
}

/** The YooKassa API v3 emulator as an Express router, with its payer page and test-control routes. */
export function createYooKassaEmulator(opts: EmulatorOptions = {}): YooKassaEmulator {
  const core = new YooKassaEmulatorCore(opts);
  const secret = opts.secretKey ?? DEFAULT_EMULATOR_SECRET_KEY;
  const faults: HttpFault[] = [];
  const router = express.Router();
  const base = (req: Request) => opts.publicUrl?.replace(/\/+$/, "") ?? `${req.protocol}://${req.get("host")}${req.baseUrl}`;

  const fail = (res: Response, err: unknown) => {
    const e = err instanceof EmulatorError ? err : new EmulatorError(500, "internal_server_error", err instanceof Error ? err.message : String(err));
    res.status(e.status).json(errorBody(e));
  };

  // ---- checkout page (the payer's browser; the link is the credential) ----
  router.get("/__checkout/:id", (req, res) => {
    try {
      res.type("html").send(checkoutPage(core.checkoutView(req.params.id), base(req)));
    } catch (err) {
      res.status(err instanceof EmulatorError ? err.status : 500).type("html").send(`<!doctype html><p>${escapeHtml(err instanceof Error ? err.message : String(err))}</p>`);
    }
  });
  router.post("/__checkout/:id/:action", express.urlencoded({ extended: false }), (req, res) => {
    try {
      const reason = isObject(req.body) && typeof req.body.reason === "string" ? req.body.reason : undefined;
      const payment = payerAction(core, req.params.id, req.params.action, reason);
      const back = core.checkoutView(payment.id).return_url;
      if (back && req.params.action !== "abandon") return void res.redirect(303, back);
      res.type("html").send(checkoutPage(core.checkoutView(payment.id), base(req)));
    } catch (err) {
      res.status(err instanceof EmulatorError ? err.status : 500).type("html").send(`<!doctype html><p>${escapeHtml(err instanceof Error ? err.message : String(err))}</p>`);
    }
  });

  // ---- test control (JSON) ----
  const control = express.Router();
  if (opts.adminToken !== undefined) {
    const want = Buffer.from(opts.adminToken);
    control.use((req, res, next) => {
      const given = Buffer.from(req.get("x-sandbox-admin-token") ?? "");
      if (want.length === 0 || given.length !== want.length || !timingSafeEqual(given, want)) return void res.status(401).json({ error: "the /__sandbox routes need the X-Sandbox-Admin-Token header" });
      next();
    });
  }
  control.use(express.json({ type: () => true }));
  const guard = (run: (req: Request) => unknown) => (req: Request, res: Response) => {
    try {
      res.json(run(req));
    } catch (err) {
      fail(res, err);
    }
  };
  const body = (req: Request): Record<string, unknown> => (isObject(req.body) ? req.body : {});
  control.post("/payments/:id/:action", guard((req) => payerAction(core, String(req.params.id), String(req.params.action), typeof body(req).reason === "string" ? (body(req).reason as string) : undefined)));
  control.post("/payment-methods/:id/revoke", guard((req) => (core.revokeMethod(String(req.params.id)), { revoked: req.params.id })));
  control.post("/decline-next", guard((req) => (core.declineNext(String(body(req).reason ?? "general_decline")), { ok: true })));
  control.post("/clock", async (req, res) => {
    const ms = Number(body(req).advanceMs);
    if (!core.clock.advance || !Number.isFinite(ms) || ms < 0) return void res.status(400).json({ error: "send {advanceMs} (only a virtual clock can move)" });
    core.clock.advance(ms);
    core.sweep();
    await core.notifications.flush();
    res.json({ now: new Date(core.clock.now()).toISOString() });
  });
  control.put("/notification-url", guard((req) => {
    const url = body(req).url;
    if (url !== null && (typeof url !== "string" || !/^https?:\/\//.test(url))) throw new EmulatorError(400, "invalid_request", "send {url} with an http(s) URL, or null");
    core.notifications.url = url ?? undefined;
    return { url };
  }));
  control.get("/notifications", guard(() => ({ deliveries: core.notifications.deliveries.map(({ body: _b, ...d }) => d), log: core.notifications.log })));
  // A notification whose body says whatever the test wants (a forged "succeeded" for a pending payment).
  control.post("/notifications/send", async (req, res) => {
    const { event, object } = body(req);
    if (typeof event !== "string" || !NOTIFICATION_EVENTS.includes(event as NotificationEvent) || !isObject(object) || typeof object.id !== "string") {
      return void fail(res, new EmulatorError(400, "invalid_request", `send {event: ${NOTIFICATION_EVENTS.join("|")}, object: {id, …}}`));
    }
    core.notifications.enqueue(event as NotificationEvent, object as unknown as Payment);
    await core.notifications.flush();
    res.json({ ok: true });
  });
  control.post("/notifications/flush", async (_req, res) => {
    await core.notifications.flush();
    res.json({ ok: true });
  });
  control.post("/faults", guard((req) => {
    const f = body(req);
    if (f.kind === "duplicate" || f.kind === "reorder") core.injectNotificationFault(f as NotificationFault);
    else if (typeof f.status === "number") faults.push(f as unknown as HttpFault);
    else throw new EmulatorError(400, "invalid_request", "send {status, when?, times?, method?, path?} or {kind: duplicate|reorder}");
    return { faults };
  }));
  control.delete("/faults", guard(() => {
    faults.length = 0;
    core.notifications.clearFaults();
    return { faults };
  }));
  router.use("/__sandbox", control);

  // ---- the API ----
  const injectFaults = async (req: Request, res: Response, next: NextFunction) => {
    const fault = faults.find((f) => (f.times === undefined || f.times > 0) && (!f.method || f.method.toUpperCase() === req.method) && (!f.path || req.path.includes(f.path)));
    if (!fault) return next();
    if (fault.times !== undefined) fault.times--;
    if (fault.latencyMs) await delay(fault.latencyMs);
    if (fault.when === "after") {
      res.locals.fault = fault;
      return next();
    }
    answerFault(res, fault);
  };

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const m = /^Basic\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
    const [shopId, ...rest] = m ? Buffer.from(m[1], "base64").toString("utf8").split(":") : [];
    if (!shopId || rest.join(":") !== secret) return fail(res, new EmulatorError(401, "invalid_credentials", m ? "Login or password is incorrect" : "Authorization: Basic <shopId:secretKey> is missing"));
    res.locals.shopId = shopId;
    next();
  };

  const raw = express.text({ type: () => true, limit: "1mb" });
  const readBody = (req: Request): unknown => {
    const text = typeof req.body === "string" ? req.body : "";
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new EmulatorError(400, "invalid_request", "the body is not valid JSON");
    }
  };

  /** Every answer goes out here, so an "after" fault replaces the answer of work that was done. */
  const send = (res: Response, status: number, text: string) => {
    const fault = res.locals.fault as HttpFault | undefined;
    if (fault) return answerFault(res, fault);
    res.status(status).type("application/json").send(text);
  };

  /** A POST under the idempotency rules: the key and body are checked before anything else. */
  const post = (run: (req: Request, shopId: string, body: unknown) => unknown) => (req: Request, res: Response) => {
    try {
      const body = readBody(req);
      const shopId = res.locals.shopId as string;
      const answer = core.idempotent(shopId, req.get("idempotence-key"), { method: "POST", path: req.path, body }, () => ({ status: 200, body: run(req, shopId, body) }));
      send(res, answer.status, answer.text);
    } catch (err) {
      fail(res, err);
    }
  };
  const get = (run: (req: Request, shopId: string) => unknown) => (req: Request, res: Response) => {
    try {
      send(res, 200, JSON.stringify(run(req, res.locals.shopId as string)));
    } catch (err) {
      fail(res, err);
    }
  };
  const query = (req: Request) => Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === "string"));

  const api = express.Router();
  api.use(auth, injectFaults, raw);
  api.post("/payments", post((req, shop, b) => core.createPayment(shop, b, `${base(req)}/__checkout`)));
  api.get("/payments", get((req, shop) => core.listPayments(shop, query(req))));
  api.get("/payments/:id", get((req, shop) => core.getPayment(shop, String(req.params.id))));
  api.post("/payments/:id/capture", post((req, shop, b) => core.capture(shop, String(req.params.id), b)));
  api.post("/payments/:id/cancel", post((req, shop) => core.cancel(shop, String(req.params.id))));
  api.post("/refunds", post((_req, shop, b) => core.createRefund(shop, b)));
  api.get("/refunds", get((req, shop) => core.listRefunds(shop, query(req))));
  api.get("/refunds/:id", get((req, shop) => core.getRefund(shop, String(req.params.id))));
  api.use((req: Request, res: Response) => fail(res, new EmulatorError(404, "not_found", `no such path ${req.method} ${req.path}`)));
  router.use(api);

  return { router, core, faults };
}

/** An emulator listening on its own port. */
export interface RunningYooKassaEmulator extends YooKassaEmulator {
  origin: string;
  /** The API base to give a client: `${origin}/yookassa/v3`. */
  url: string;
  close(): Promise<void>;
}

/** The emulator alone on its own port (tests; the sandbox mounts `router` beside SmartPay instead). */
export async function startYooKassaEmulator(opts: EmulatorOptions & { port?: number; host?: string } = {}): Promise<RunningYooKassaEmulator> {
  const emulator = createYooKassaEmulator(opts);
  const app = express();
  app.disable("x-powered-by");
  app.use("/yookassa/v3", emulator.router);
  const host = opts.host ?? "127.0.0.1";
  const { server, origin } = await listenApp(app, opts.port ?? 0, host);
  return {
    ...emulator,
    origin,
    url: `${origin}/yookassa/v3`,
    close: async () => {
      emulator.core.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function payerAction(core: YooKassaEmulatorCore, id: string, action: string, reason: string | undefined) {
  if (action === "pay") return core.pay(id);
  if (action === "decline") return core.decline(id, reason);
  if (action === "abandon") return core.abandon(id);
  throw new EmulatorError(404, "not_found", `unknown action ${action}; one of pay, decline, abandon`);
}

function answerFault(res: Response, fault: HttpFault): void {
  if (fault.status === 202) {
    res.status(202).json({ type: "processing", description: "Request accepted, but not processed yet", retry_after: fault.retryAfterMs ?? 1800 });
    return;
  }
  const code = fault.status === 429 ? "too_many_requests" : fault.status >= 500 ? "internal_server_error" : "invalid_request";
  res.status(fault.status).json(errorBody(new EmulatorError(fault.status, code, `injected ${fault.status}${fault.when === "after" ? " after the work was done" : ""}`)));
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function checkoutPage(p: ReturnType<YooKassaEmulatorCore["checkoutView"]>, base: string): string {
  const id = encodeURIComponent(p.id);
  const actions =
    p.status === "pending"
      ? `<form method="post" action="${base}/__checkout/${id}/pay"><button name="pay">Pay ${escapeHtml(p.amount.value)} ${escapeHtml(p.amount.currency)}</button></form>
<form method="post" action="${base}/__checkout/${id}/decline"><select name="reason">${DECLINE_REASONS.map((r) => `<option>${r}</option>`).join("")}</select><button name="decline">Decline</button></form>
<form method="post" action="${base}/__checkout/${id}/abandon"><button name="abandon">Abandon</button></form>`
      : `<p>This payment is ${escapeHtml(p.status)}${p.cancellation_details ? ` (${escapeHtml(p.cancellation_details.reason)})` : ""}.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>YooKassa emulator checkout</title></head>
<body><h1>${escapeHtml(p.description ?? "Payment")}</h1><p>Amount: ${escapeHtml(p.amount.value)} ${escapeHtml(p.amount.currency)} · status <b id="status">${escapeHtml(p.status)}</b></p>
${actions}</body></html>`;
}
