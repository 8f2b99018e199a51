// The SmartPay sandbox over HTTP. SmartPay's own paths live under /smartpay/v1 and SmartStore's under
// /api/smart-store, like production, so pointing SMARTPAY_URL at `${origin}/smartpay/v1` is the only
// change a client needs (the SmartStore base is derived from it). Test hooks live under /__sandbox.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { listenApp } from "../../util/listen.js";
import { SandboxClock, SandboxCore, SandboxError, type Clock, type CoreOptions } from "./core.js";
import { EVENT_TYPES, STATUS_IDS, type InvoiceEvent } from "./machine.js";
import { parseExact, playPayDialog, runPayDialog, stringifyExact, type PayDialogInput, type PayOutcome } from "./pay-dialog.js";
import { PAYER_PAGE_PATH, payerPages } from "./payer-page.js";
import type { InvoiceRecord } from "./store.js";
import type { SchemaIssue } from "./validate.js";

/** Production oddities to reproduce (spec §8). */
export interface Quirks {
  errorDescriptionArray?: boolean; // 400s carry error_description as JSON-schema errors (#269)
  invoiceIdNumber?: boolean; // invoice_id as a JSON number
  errorCodeNumber?: boolean; // error_code as a JSON number
}

/** An injected failure for SmartPay/SmartStore calls. */
export interface Fault {
  status?: number; // answer with this status (403, 500, 503…); none = only latency
  latencyMs?: number; // hold the answer this long
  when?: "before" | "after"; // fail before doing the work (default) or after it (the work is done, the answer lost)
  times?: number; // how many matching calls it hits; default every call
  method?: string;
  path?: string; // a substring of the request path
}

/** Where the sandbox listens, which tokens it accepts, and its quirks and faults. */
export interface SandboxOptions extends Omit<CoreOptions, "clock"> {
  port?: number; // 0 = ephemeral
  host?: string; // default 127.0.0.1
  clock?: Clock;
  /** Accepted Bearer tokens; default any non-empty token. */
  tokens?: string[];
  quirks?: Quirks;
  faults?: Fault[];
  /** Invoices belong to the token that made them: another token gets 404 for them. Default off. */
  scopeByToken?: boolean;
  /** Upper bound for a long-poll `wait`, seconds. Default 60. */
  maxWaitSeconds?: number;
  /**
   * What the /__sandbox admin routes require in the `X-Sandbox-Admin-Token` header: they can mark an
   * invoice paid, so a SmartPay token is not enough. startSandbox makes a random one when none is given.
   */
  adminToken?: string;
  /** The YooKassa emulator's router (../yookassa/emulator.ts), served at /yookassa/v3. */
  yookassa?: express.Router;
  /** The shop app of webhook acquiring (../imshop/app-sandbox.ts), served at /imshop-app. */
  imshopApp?: express.Router;
  /** A request's headers and body must arrive within this long (default DEFAULT_APP_REQUEST_TIMEOUT_MS, src/util/listen.ts). */
  requestTimeoutMs?: number;
}

/** A running sandbox: its URLs, admin token and core, and how to close it. */
export interface Sandbox {
  /** The sandbox origin (`http://127.0.0.1:<port>`); admin hooks are under `${url}/__sandbox`. */
  url: string;
  origin: string; // the same as url
  /** The SmartPay base to put in SMARTPAY_URL: `${url}/smartpay/v1`. */
  smartPayUrl: string;
  /** The SmartStore base (derived by the client from smartPayUrl): `${url}/api/smart-store`. */
  storeUrl: string;
  core: SandboxCore;
  clock: Clock;
  quirks: Quirks;
  /** The X-Sandbox-Admin-Token the /__sandbox routes require. */
  adminToken: string;
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const USER_MESSAGES: Record<number, string> = {
  400: "Некорректный запрос",
  401: "Ошибка авторизации",
  403: "Внутренняя ошибка сервиса. Обратитесь в поддержку",
  404: "Счёт не найден",
};

/** The sandbox's Express app: SmartPay's and SmartStore's paths, the payer page and the /__sandbox admin hooks. */
export function createSandboxApp(core: SandboxCore, opts: SandboxOptions = {}): { app: express.Express; quirks: Quirks; faults: Fault[] } {
  const quirks: Quirks = { ...opts.quirks };
  const faults: Fault[] = [...(opts.faults ?? [])];
  const tokens = opts.tokens;
  const maxWait = opts.maxWaitSeconds ?? 60;
  const app = express();
  app.disable("x-powered-by");
  const payer = payerPages(core, opts.adminToken);

  const code = (c: string): string | number => (quirks.errorCodeNumber ? Number(c) : c);
  const ok = () => ({ user_message: "Успешно", error_description: "Успешно", error_code: code("0") });
  const id = (v: string): string | number => (quirks.invoiceIdNumber ? Number(v) : v);

  function errorBody(status: number, description: string, issues?: SchemaIssue[]) {
    const array = quirks.errorDescriptionArray && status === 400;
    const fallback: SchemaIssue = { keyword: "custom", dataPath: "", schemaPath: "#", params: {}, message: description };
    return {
      error: {
        user_message: USER_MESSAGES[status] ?? "Непредвиденная ошибка",
        error_description: array ? (issues?.length ? issues : [fallback]) : description,
        error_code: code(String(status)),
      },
    };
  }

  /** Every SmartPay answer goes out here, so faults of kind "after" and latency apply uniformly. */
  async function send(res: Response, status: number, body: unknown): Promise<void> {
    const fault = res.locals.fault as Fault | undefined;
    if (fault?.latencyMs) await delay(fault.latencyMs);
    if (fault?.status && fault.when === "after") {
      res.status(fault.status).json(errorBody(fault.status, `injected ${fault.status} after the work was done`));
      return;
    }
    if (!res.headersSent && !res.writableEnded) res.status(status).json(body);
  }

  function fail(res: Response, err: unknown): Promise<void> {
    if (err instanceof SandboxError) return send(res, err.status, errorBody(err.status, err.message, err.issues));
    return send(res, 500, errorBody(500, err instanceof Error ? err.message : String(err)));
  }

  const invoiceView = (rec: InvoiceRecord) => ({
    invoice_id: id(rec.id),
    invoice_date: rec.invoiceDate,
    invoice_status: rec.status,
    invoice: rec.request.invoice,
    ...(rec.paymentInfo ? { payment_info: rec.paymentInfo } : {}),
    error: ok(),
  });

  // Faults first: they stand for trouble in front of the service.
  const injectFaults = async (req: Request, res: Response, next: NextFunction) => {
    const fault = faults.find((f) => (f.times === undefined || f.times > 0) && (!f.method || f.method.toUpperCase() === req.method) && (!f.path || req.originalUrl.includes(f.path)));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      res.locals.fault = fault;
      if (fault.status && fault.when !== "after") {
        if (fault.latencyMs) await delay(fault.latencyMs);
        res.status(fault.status).json(errorBody(fault.status, `injected ${fault.status}`));
        return;
      }
    }
    next();
  };

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
    if (!m || (tokens && !tokens.includes(m[1]))) {
      res.status(401).json(errorBody(401, m ? "token is not valid" : "Authorization: Bearer <token> is missing"));
      return;
    }
    res.locals.owner = createHash("sha256").update(m[1]).digest("hex").slice(0, 16);
    next();
  };
  /** With scopeByToken, an invoice made with another token does not exist for this caller (404). */
  const own = (res: Response, rec: InvoiceRecord): InvoiceRecord => {
    const owner = core.store.ownerOf(rec.id);
    if (opts.scopeByToken && owner !== undefined && owner !== res.locals.owner) throw new SandboxError(404, `invoice ${rec.id} not found`);
    return rec;
  };
  const ownId = (res: Response, invoiceId: string): string => own(res, core.get(invoiceId)).id;

  const json = express.json({ limit: "1mb", type: () => true });
  const badJson = (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: string }).type === "entity.parse.failed") return void fail(res, new SandboxError(400, "the body is not valid JSON"));
    next(err);
  };

  // ---- SmartPay /smartpay/v1 ----
  const pay = express.Router();
  pay.use(injectFaults, auth, json, badJson);

  pay.post("/invoices", async (req, res) => {
    try {
      if (opts.scopeByToken) {
        const order = (req.body as { invoice?: { order?: { service_id?: unknown; order_id?: unknown } } } | undefined)?.invoice?.order;
        const existing = order ? core.store.findByOrder(String(order.service_id), String(order.order_id)) : undefined;
        if (existing) own(res, existing); // another token's order_id is not this caller's to reuse
      }
      const { invoice } = core.create(req.body);
      core.store.setOwner(invoice.id, String(res.locals.owner));
      await send(res, 200, { invoice_id: id(invoice.id), error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  // The list of invoices (SmartPay API 1.02; query names and paging [Inf], as for SmartStore).
  pay.get("/invoices", async (req, res) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      const page = q.page === undefined ? 1 : Number(q.page);
      const size = q.size === undefined ? 20 : Number(q.size);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 100) throw new SandboxError(400, "page must be an integer from 1, size 1–100");
      const all = core.list({ status: q.invoice_status, userId: q.user_id, serviceId: q.service_id }).filter((r) => !opts.scopeByToken || core.store.ownerOf(r.id) === res.locals.owner);
      await send(res, 200, { invoices: all.slice((page - 1) * size, page * size).map(invoiceView), page, size, total: all.length, error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  pay.get("/invoices/:id", async (req, res) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      let rec: InvoiceRecord;
      if (req.params.id === "0") {
        if (!q.service_id || !q.order_id) throw new SandboxError(400, "invoice 0 needs service_id and order_id");
        rec = own(res, core.findByOrder(q.service_id, q.order_id));
      } else {
        rec = own(res, core.get(req.params.id));
      }
      if (q.inv_status && q.wait) {
        const wait = Number(q.wait);
        if (!Number.isFinite(wait) || wait < 0) throw new SandboxError(400, "wait must be a number of seconds");
        const aborted = new AbortController();
        res.on("close", () => aborted.abort());
        rec = await core.waitWhile(rec.id, q.inv_status, Math.min(wait, maxWait) * 1000, aborted.signal);
      }
      await send(res, 200, invoiceView(rec));
    } catch (err) {
      await fail(res, err);
    }
  });

  pay.post("/invoices/:id", async (req, res) => {
    try {
      const rec = core.startPayment(ownId(res, req.params.id), req.body);
      const b = (req.body ?? {}) as { return_url?: unknown; fail_url?: unknown };
      payer.remember(rec.id, { returnUrl: httpUrl(b.return_url), failUrl: httpUrl(b.fail_url) });
      // form_url is the payer's page, which sends the browser to return_url / fail_url.
      await send(res, 200, { invoice_id: id(rec.id), form_url: `${req.protocol}://${req.get("host")}${payer.pathOf(rec.id)}`, error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  pay.put("/invoices/:id", async (req, res) => {
    try {
      core.confirm(ownId(res, req.params.id), req.body);
      await send(res, 200, { error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  pay.delete("/invoices/:id", async (req, res) => {
    try {
      core.apply(ownId(res, req.params.id), { type: "REVERSE" });
      await send(res, 200, { error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  pay.patch("/invoices/:id", async (req, res) => {
    try {
      core.refund(ownId(res, req.params.id), req.body);
      await send(res, 200, { error: ok() });
    } catch (err) {
      await fail(res, err);
    }
  });

  app.use("/smartpay/v1", pay);

  // ---- SmartStore /api/smart-store ----
  const store = express.Router();
  store.use(injectFaults, auth);

  store.get("/items", async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.user_id) return void (await send(res, 400, { success: false, message: "user_id is required" }));
    const page = Math.max(1, Number(q.page ?? 1) || 1); // [Inf] pages count from 1
    const size = Math.max(1, Number(q.size ?? 20) || 20);
    const field = q.sortField ?? "item_code";
    const dir = (q.sort ?? "ASC").toUpperCase() === "DESC" ? -1 : 1;
    const items = core.userItems(q.user_id, q.service_id).sort((a, b) => dir * compare(sortKey(a, field), sortKey(b, field)));
    await send(res, 200, { success: true, message: "OK", items: items.slice((page - 1) * size, page * size), page, size, total: items.length });
  });

  store.get("/items/:code", async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.user_id) return void (await send(res, 400, { success: false, message: "user_id is required" }));
    const item = core.userItems(q.user_id, q.service_id).find((i) => i.item_code === req.params.code);
    if (!item) return void (await send(res, 404, { success: false, message: `item ${req.params.code} was not bought by this user` }));
    await send(res, 200, { success: true, message: "OK", ...item });
  });

  app.use("/api/smart-store", store);

  // ---- admin hooks /__sandbox ----
  const admin = express.Router();
  const adminToken = Buffer.from(opts.adminToken ?? "");
  admin.use((req, res, next) => {
    const given = Buffer.from(req.get("x-sandbox-admin-token") ?? "");
    if (adminToken.length === 0 || given.length !== adminToken.length || !timingSafeEqual(given, adminToken)) {
      res.status(401).json({ error: "the /__sandbox admin routes need the header X-Sandbox-Admin-Token (printed when the sandbox starts)" });
      return;
    }
    next();
  });
  const adminView = (rec: InvoiceRecord) => ({
    ...invoiceView(rec),
    invoice_id: rec.id,
    status_id: STATUS_IDS[rec.status],
    service_id: rec.serviceId,
    order_id: rec.orderId,
    user_id: rec.userId,
    amount: rec.context.amount,
    captured: rec.context.captured,
    refunded: rec.context.refunded,
    expires_at: new Date(rec.expiresAt).toISOString(),
    refunds: rec.refunds,
  });
  const adminFail = (res: Response, err: unknown) => {
    const status = err instanceof SandboxError ? err.status : 500;
    res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
  };

  admin.post("/pay-dialog", express.text({ type: () => true, limit: "1mb" }), async (req, res) => {
    try {
      const input = parseExact(typeof req.body === "string" ? req.body : "") as PayDialogInput;
      const result = await runPayDialog(core, input);
      res.status(200).type("application/json").send(stringifyExact(result));
    } catch (err) {
      adminFail(res, err);
    }
  });

  admin.use(json);
  // The dialog's effect alone, for callers that deliver PAY_DIALOG_FINISHED themselves (the CLI chat).
  admin.post("/invoices/:id/pay", (req, res) => {
    try {
      const b = (req.body ?? {}) as { outcome?: string; payer?: string; settleMs?: number };
      res.json(playPayDialog(core, req.params.id, b.outcome as PayOutcome, { payer: b.payer, settleMs: b.settleMs }));
    } catch (err) {
      adminFail(res, err);
    }
  });
  admin.get("/invoices", (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json({ invoices: core.list({ status: q.status, userId: q.user_id, serviceId: q.service_id }).map(adminView) });
  });
  admin.get("/invoices/:id", (req, res) => {
    try {
      res.json(adminView(core.get(req.params.id)));
    } catch (err) {
      adminFail(res, err);
    }
  });
  admin.post("/invoices/:id/status", (req, res) => {
    try {
      const body = (req.body ?? {}) as { status?: string; force?: boolean; event?: string; amount?: number };
      let rec: InvoiceRecord;
      if (body.event !== undefined) {
        if (!(EVENT_TYPES as readonly string[]).includes(body.event)) throw new SandboxError(400, `unknown event ${body.event}; one of ${EVENT_TYPES.join(", ")}`);
        rec = core.apply(req.params.id, { type: body.event, amount: body.amount } as InvoiceEvent);
      } else if (typeof body.status === "string") {
        rec = core.setStatus(req.params.id, body.status, body.force === true);
      } else {
        throw new SandboxError(400, "send {status, force?} or {event, amount?}");
      }
      res.json(adminView(rec));
    } catch (err) {
      adminFail(res, err);
    }
  });
  admin.post("/faults", (req, res) => {
    faults.push(req.body as Fault);
    res.json({ faults });
  });
  admin.delete("/faults", (_req, res) => {
    faults.length = 0;
    res.json({ faults });
  });
  admin.post("/quirks", (req, res) => {
    Object.assign(quirks, req.body as Quirks);
    res.json({ quirks });
  });
  admin.post("/clock", (req, res) => {
    const ms = Number((req.body as { advanceMs?: unknown }).advanceMs);
    if (!(core.clock instanceof SandboxClock) || !Number.isFinite(ms)) return void res.status(400).json({ error: "send {advanceMs} (only the built-in clock can move)" });
    core.clock.advance(ms);
    core.sweep();
    res.json({ now: new Date(core.clock.now()).toISOString() });
  });
  admin.post("/reset", (_req, res) => {
    core.store.clear();
    faults.length = 0;
    res.json({ ok: true });
  });
  app.use("/__sandbox", admin);
  app.use(PAYER_PAGE_PATH, express.urlencoded({ extended: false }), payer.router);

  if (opts.yookassa) app.use("/yookassa/v3", opts.yookassa);
  if (opts.imshopApp) app.use("/imshop-app", opts.imshopApp);
  app.use((_req: Request, res: Response) => void res.status(404).json(errorBody(404, "no such path")));
  return { app, quirks, faults };
}

/** Starts the SmartPay sandbox on its own port. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const core = new SandboxCore({ ...opts, clock: opts.clock ?? new SandboxClock() });
  const adminToken = opts.adminToken ?? randomBytes(18).toString("base64url");
  const { app, quirks, faults } = createSandboxApp(core, { ...opts, adminToken });
  const host = opts.host ?? "127.0.0.1";
  const { server, origin } = await listenApp(app, opts.port ?? 0, host, { requestTimeoutMs: opts.requestTimeoutMs });
  return {
    url: origin,
    origin,
    smartPayUrl: `${origin}/smartpay/v1`,
    storeUrl: `${origin}/api/smart-store`,
    core,
    clock: core.clock,
    quirks,
    adminToken,
    inject: (fault) => void faults.push({ ...fault }),
    clearFaults: () => void (faults.length = 0),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      core.close();
    },
  };
}

/** A return URL the payer page may redirect to: http(s) only (never javascript: and the like). */
function httpUrl(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sortKey(item: { item_code: string; name: string; quantities: { quantity_value: number } }, field: string): string | number {
  if (field === "name") return item.name;
  if (field === "quantity_value" || field === "quantity") return item.quantities.quantity_value;
  return item.item_code;
}

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
