// The host side of `$payment` (jsapi/payment.js). Scripts reach these ops synchronously through
// services.call(op, args). Failures come back as SmartPay-shaped data ({code, error}) because scenario
// code reads `response.error.user_message`; only a programming error (unknown op, bad args) throws.
//
// Two paths share one definition of what an op sends and what an answer means:
//  - `buildPaymentRequest` (pure): op + args → the exact SmartPay/SmartStore HTTP request, or a
//    result decided without calling SmartPay (bad input);
//  - `paymentResultFromResponse` / `paymentResultFromError` (pure): an HTTP answer → script data.
// `createPaymentOps` (the server: the worker bridge runs it on the main thread) sends the request
// with the undici SmartPayClient, which adds the safe create retry. `callPaymentSync` (XML tests) hands
// the same request to a synchronous `http` function — the test runner's <mockData> layer.
import { DEFAULT_SMARTPAY_URL, deriveStoreBaseUrl, invoiceUrl, readSmartPayResponse, SmartPayClient, smartPayHeaders, storeItemsUrl } from "./smartpay/client.js";
import { SmartPayError } from "./smartpay/errors.js";
import type { CreateInvoiceRequest, ErrorBlock } from "./smartpay/types.js";
import type { HttpRequest, HttpResponse } from "../engine/types.js";
import { projectSecret, type SecretSource } from "../util/secrets.js";
import { RefundRejectedError, type PaymentCore } from "./core/core.js";
import type { PaymentAttempt } from "./core/model.js";
import { smartPaySnapshot } from "./providers/smartpay.js";
export { projectSecret, type SecretSource };

/** Where the payment ops log: warnings always, details when the logger has them. */
export interface PaymentLogger {
  warn(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
}


/** How the payment ops reach SmartPay (client or bases, tokens, timeouts) and where they log. */
export interface PaymentOpsConfig {
  /** A ready client (its token is replaced per call); otherwise one is built from baseUrl. */
  client?: SmartPayClient;
  baseUrl?: string;
  storeBaseUrl?: string;
  storeUrl?: string; // alias of storeBaseUrl
  /** The operator's token (like env SMARTPAY_TOKEN); a token the script passes wins. */
  token?: string;
  /** Per SmartPay call. Default: env SMARTPAY_TIMEOUT_MS, else 8 s, so a call plus a long-poll stays inside the 30 s bridge limit. */
  timeoutMs?: number;
  /**
   * How long one `$payment` call may take in all (retries, lookups and a long-poll's wait included),
   * so the turn still answers inside the webhook's deadline. Default DEFAULT_CALL_BUDGET_MS.
   */
  budgetMs?: number;
  /** Fallback order.service_id when the script gives none. */
  serviceId?: string;
  /** Project secrets, for a token passed as "$name". Default: env SMARTAPP_SECRET_<name> (see projectSecret). */
  secrets?: SecretSource;
  /** The payment core: invoices made here are recorded (write-ahead) and every answer feeds its ledger. */
  core?: PaymentCore;
  /** chatbot.yaml `injector` (pay_api_key works, with a warning). */
  injector?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  logger?: PaymentLogger;
  /** The same as `logger`, as a (level, message) function. */
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

/** Answers one `payment.*` host op of a script with the data `$payment` returns. */
export type PaymentOpHandler = (op: string, args: unknown) => Promise<unknown>;

/** The longest long-poll a script may ask for, seconds: the bridge gives a host call 30 s. */
export const MAX_WAIT_SECONDS = 15;

/** Default per-call SmartPay timeout of the host ops. */
export const DEFAULT_PAYMENT_TIMEOUT_MS = 8000;

/**
 * Default budget of one `$payment` call: the webhook answers ERROR after 6 s (src/channels/smartapp/
 * server.ts), and the rest of the turn (loading, scripts, saving) gets the other 1.5 s.
 */
export const DEFAULT_CALL_BUDGET_MS = 4500;

/** What the user is told when a create ran out of time: the invoice may exist and is found next turn. */
export const PREPARING_MESSAGE = "Счёт ещё готовится. Скажите «оплатить» ещё раз через несколько секунд";

/** The host ops `$payment` calls (jsapi/payment.js). */
export const PAYMENT_OPS = ["payment.createPayment", "payment.checkPayment", "payment.getUserItems", "payment.getUserItem"] as const;
/** One of PAYMENT_OPS. */
export type PaymentOp = (typeof PAYMENT_OPS)[number];

/** Whether a host op is one of `$payment`'s. */
export const isPaymentOp = (op: string): op is PaymentOp => (PAYMENT_OPS as readonly string[]).includes(op);

type Args = Record<string, unknown>;
/** What a script gets back: SmartPay's body (or an error shape) plus `code`. */
export type PaymentResult = Record<string, unknown> & { code: number };

/** What a script gets when no HTTP answer could be had (JAICP's $http uses -1 the same way). */
export const NO_ANSWER = -1;

function failure(code: number, errorCode: string, userMessage: string, description: string): PaymentResult {
  return { code, error: { error_code: errorCode, user_message: userMessage, error_description: description } };
}

/** The SmartPay and SmartStore bases: explicit, else env SMARTPAY_URL / SMARTSTORE_URL, else production. */
export function paymentBases(env: (name: string) => string | undefined, baseUrl?: string, storeBaseUrl?: string): { baseUrl: string; storeBaseUrl: string } {
  const base = (baseUrl || env("SMARTPAY_URL") || DEFAULT_SMARTPAY_URL).replace(/\/+$/, "");
  const store = (storeBaseUrl || env("SMARTSTORE_URL") || deriveStoreBaseUrl(base)).replace(/\/+$/, "");
  return { baseUrl: base, storeBaseUrl: store };
}

/** `args` as an object (the bridge may pass JSON text); throws for an unknown op or non-object args. */
export function parsePaymentArgs(op: string, rawArgs: unknown): Args {
  const args = (typeof rawArgs === "string" ? JSON.parse(rawArgs) : rawArgs ?? {}) as Args;
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw new TypeError(`${op}: arguments must be an object`);
  if (!isPaymentOp(op)) throw new Error(`unknown payment op ${op}`);
  return args;
}

/** Where a SmartPay token can come from: project secrets, the operator's token, the injector's key. */
export interface TokenSources {
  secret: (name: string) => string | undefined;
  /** config.token / env SMARTPAY_TOKEN. */
  operatorToken?: string;
  /** chatbot.yaml injector.pay_api_key (the host's copy, else the one payment.js forwarded). */
  injectorToken?: unknown;
}

/** The token a call uses (and whether it came from chatbot.yaml's injector), or the secret that is missing. */
export type TokenResolution = { token: string; fromInjector?: boolean } | { missing: string };

/** The name scripts pass as `$pay_api_key` (seed 003): the project's SmartPay token. */
export const PAY_API_KEY = "pay_api_key";

/**
 * The SmartPay token of one call, in this order (docs/payments.md, "Which token"):
 *  1. a literal token argument;
 *  2. an argument "$name": the project secret `name` (SMARTAPP_SECRET_name);
 *  3. no argument, or "$pay_api_key" whose secret is not set: the operator's token (SMARTPAY_TOKEN);
 *  4. then injector.pay_api_key of chatbot.yaml, where the seed's project keeps it.
 * Another "$name" whose secret is not set is an error: the script named a secret that does not exist.
 */
export function resolvePaymentToken(arg: unknown, sources: TokenSources): TokenResolution {
  if (typeof arg === "string" && arg !== "") {
    if (!arg.startsWith("$")) return { token: arg };
    const name = arg.slice(1);
    const value = sources.secret(name);
    if (value) return { token: value };
    if (name !== PAY_API_KEY) return { missing: `secret ${name} is not set` };
  }
  if (sources.operatorToken) return { token: sources.operatorToken };
  const injected = sources.injectorToken;
  if (typeof injected === "string" && injected !== "") return { token: injected, fromInjector: true };
  return { missing: "no SmartPay token: set the secret pay_api_key (SMARTAPP_SECRET_pay_api_key) or SMARTPAY_TOKEN, or injector.pay_api_key in chatbot.yaml" };
}

/** One SmartPay/SmartStore HTTP call, exactly as it goes on the wire. */
export interface PaymentRequest {
  op: PaymentOp;
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  /** The JSON body as data (createPayment) and serialised. */
  json?: unknown;
  body?: string;
  /** A long-poll's `wait`, ms: the call's timeout grows by this much. */
  waitMs: number;
  /** false: a SmartStore call (its bodies have `success`/`message`, no `error` block). */
  smartPay: boolean;
  /** For logs: `order 42`, `invoice 7`, `items`. */
  what: string;
}

/** Where and how one `$payment` call goes: the bases, the token, the service and the call's budget. */
export interface PaymentTarget {
  baseUrl: string;
  storeBaseUrl: string;
  /** Omitted from the request when undefined (XML tests need none). */
  token?: string;
  /** Fallback order.service_id / SmartStore service_id. */
  serviceId?: string;
  /** The call's budget, ms: a long-poll's `wait` is shortened to fit it. */
  budgetMs?: number;
}

const str = (v: unknown): string | undefined => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
const num = (v: unknown): string | number | undefined => (typeof v === "number" || typeof v === "string" ? v : undefined);
const storeFailure = (description: string, message: string): PaymentResult => ({ ...failure(400, "400", "Некорректный запрос", description), success: false, message });

/**
 * Pure: the HTTP request an op sends, or the result when the args decide it without SmartPay
 * (service_id, invoice id, user or item code missing). Never mutates `args`.
 */
export function buildPaymentRequest(op: PaymentOp, args: Args, target: PaymentTarget): { request: PaymentRequest } | { result: PaymentResult } {
  const make = (method: "GET" | "POST", url: string, what: string, extra: Partial<PaymentRequest> = {}): { request: PaymentRequest } => {
    const json = extra.json;
    return {
      request: {
        op,
        method,
        url,
        headers: smartPayHeaders(method, target.token, json !== undefined),
        ...(json !== undefined ? { json, body: JSON.stringify(json) } : {}),
        waitMs: extra.waitMs ?? 0,
        smartPay: extra.smartPay ?? true,
        what,
      },
    };
  };
  switch (op) {
    case "payment.createPayment": {
      const given = args.body as CreateInvoiceRequest | undefined;
      if (!given?.invoice?.order) throw new TypeError("payment.createPayment: args.body.invoice.order is required");
      const body = structuredClone(given);
      const order = body.invoice.order;
      const serviceId = order.service_id ?? target.serviceId;
      if (serviceId === undefined || serviceId === "") return { result: failure(400, "400", "Некорректные данные заказа", "order.service_id is required") };
      order.service_id = String(serviceId);
      return make("POST", invoiceUrl(target.baseUrl), `order ${order.order_id}`, { json: body });
    }
    case "payment.checkPayment": {
      const id = args.invoiceId;
      if ((typeof id !== "string" && typeof id !== "number") || id === "") return { result: failure(400, "400", "Некорректный запрос", "invoice_id is required") };
      // A long-poll fits the call's budget, a second kept for the answer.
      const maxWait = target.budgetMs === undefined ? MAX_WAIT_SECONDS : Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.floor((target.budgetMs - 1000) / 1000)));
      const wait = typeof args.wait === "number" ? Math.min(Math.max(0, args.wait), maxWait) : undefined;
      const invStatus = typeof args.invStatus === "string" ? args.invStatus : undefined;
      const waitMs = invStatus !== undefined && wait ? wait * 1000 : 0;
      return make("GET", invoiceUrl(target.baseUrl, id, { inv_status: invStatus, wait }), `invoice ${id}`, { waitMs });
    }
    case "payment.getUserItems":
    case "payment.getUserItem": {
      const userId = args.userId;
      if (typeof userId !== "string" || userId === "") return { result: storeFailure("the user is unknown ($request.rawRequest.uuid.sub is empty)", "user is unknown") };
      const p = (args.params ?? {}) as Args;
      const params = { userId, serviceId: str(p.serviceId ?? target.serviceId), page: num(p.page), size: num(p.size), sort: str(p.sort), sortField: str(p.sortField) };
      if (op === "payment.getUserItems") return make("GET", storeItemsUrl(target.storeBaseUrl, undefined, params), "items", { smartPay: false });
      const code = args.code;
      if ((typeof code !== "string" && typeof code !== "number") || code === "") return { result: storeFailure("item_code is required", "item_code is required") };
      return make("GET", storeItemsUrl(target.storeBaseUrl, String(code), params), `item ${code}`, { smartPay: false });
    }
  }
}

function userMessageFor(status: number): string {
  if (status === 0) return "Платёжный сервис не ответил. Попробуйте позже";
  if (status === 401) return "Ошибка авторизации платёжного сервиса";
  if (status === 404) return "Счёт не найден";
  if (status === 400) return "Некорректные данные платежа";
  return "Платёжный сервис временно недоступен";
}

/** Pure: a SmartPay failure as script data: the body with `code` (-1: no answer) and a normalised `error`. */
export function paymentResultFromError(err: SmartPayError): PaymentResult {
  const body = typeof err.body === "object" && err.body !== null ? (err.body as Args) : {};
  const error: ErrorBlock = { user_message: userMessageFor(err.status), ...err.error };
  delete error.details; // the joined text is in error_description; keep the script's view small
  return { ...body, code: err.status === 0 ? NO_ANSWER : err.status, error };
}

/** Pure: what a script gets for one HTTP answer to `request`. */
export function paymentResultFromResponse(request: Pick<PaymentRequest, "method" | "url" | "smartPay">, status: number, text: string): PaymentResult {
  try {
    const body = readSmartPayResponse(status, text, `${request.method} ${new URL(request.url).pathname}`, request.smartPay);
    return { ...body, code: 200 };
  } catch (err) {
    if (err instanceof SmartPayError) return paymentResultFromError(err);
    throw err;
  }
}

/** Pure: no answer at all (timeout, refused connection, no mock): code -1. */
export function paymentNoAnswer(description: string, kind: "timeout" | "network" = "network"): PaymentResult {
  return failure(NO_ANSWER, kind, userMessageFor(0), description);
}

/** The asynchronous payment ops of the server: each `$payment` call becomes SmartPay calls within the call's budget. */
export function createPaymentOps(config: PaymentOpsConfig = {}): PaymentOpHandler {
  const env = config.env ?? {}; // the CLI passes values explicitly (src/cli/config.ts)
  const log: PaymentLogger | undefined =
    config.logger ?? (config.log ? { warn: (m) => config.log!("warn", m), info: (m) => config.log!("info", m), debug: (m) => config.log!("debug", m) } : undefined);
  const clients = new Map<string, SmartPayClient>();
  const bases = paymentBases((n) => env[n], config.client?.baseUrl ?? config.baseUrl, config.client?.storeBaseUrl ?? config.storeBaseUrl ?? config.storeUrl);
  const envTimeout = Number(env.SMARTPAY_TIMEOUT_MS);
  const timeoutMs = config.timeoutMs ?? (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : DEFAULT_PAYMENT_TIMEOUT_MS);
  const budgetMs = config.budgetMs ?? DEFAULT_CALL_BUDGET_MS;
  let warnedInjector = false;
  // Orders whose create had no answer: the invoice may exist, so the next create looks it up first.
  // Kept in memory; the payment core (src/payments/core) also finds it after a restart.
  const unanswered = new Set<string>();

  function clientFor(token: string): SmartPayClient {
    let c = clients.get(token);
    if (!c) {
      c = config.client ? config.client.withToken(token) : new SmartPayClient({ baseUrl: bases.baseUrl, storeBaseUrl: bases.storeBaseUrl, token, timeoutMs });
      clients.set(token, c);
    }
    return c;
  }

  /** The core never breaks a script's payment call: its failures are logged. */
  async function record<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (!config.core) return undefined;
    try {
      return await fn();
    } catch (err) {
      log?.warn(`payment core: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  return async (op: string, rawArgs: unknown): Promise<unknown> => {
    if (op === REFUND_OP) return refundThroughCore(config.core, rawArgs);
    const args = parsePaymentArgs(op, rawArgs);
    const resolved = resolvePaymentToken(args.token, {
      secret: (name) => projectSecret(name, config.secrets, env),
      operatorToken: config.token || env.SMARTPAY_TOKEN,
      injectorToken: config.injector?.pay_api_key ?? args.injectorToken,
    });
    if ("missing" in resolved) {
      log?.warn(`${op}: ${resolved.missing}`);
      return failure(401, "401", "Оплата не настроена", resolved.missing);
    }
    if (resolved.fromInjector && !warnedInjector) {
      warnedInjector = true;
      log?.warn("SmartPay token taken from injector.pay_api_key: it ships with the project files. Use a secret (\"$pay_api_key\") or SMARTPAY_TOKEN instead.");
    }
    const plan = buildPaymentRequest(op as PaymentOp, args, { ...bases, token: resolved.token, serviceId: config.serviceId ?? str(config.injector?.service_id), budgetMs });
    if ("result" in plan) return plan.result;
    const { request } = plan;
    const client = clientFor(resolved.token);
    const started = Date.now();
    const deadlineAt = started + budgetMs;
    const order = request.op === "payment.createPayment" ? (request.json as CreateInvoiceRequest).invoice.order : undefined;
    const orderKey = order ? `${order.service_id}/${order.order_id}` : "";
    const begun = order ? await record(() => beginAttempt(config.core, args.user, request.json as CreateInvoiceRequest)) : undefined;
    try {
      // An order whose earlier create had no answer (this process, or the core's write-ahead row) is looked up first.
      const lookupFirst = unanswered.has(orderKey) || (begun !== undefined && !begun.created && !begun.attempt.providerPaymentId);
      const body = order
        ? // safe retry: looks the order up before posting again
          await client.createInvoice(request.json as CreateInvoiceRequest, { deadlineAt, lookupFirst })
        : await client.send({ method: request.method, url: request.url, extraMs: request.waitMs, smartPay: request.smartPay, deadlineAt });
      if (order) unanswered.delete(orderKey);
      await record(() => observeAnswer(config.core, op, args, begun?.attempt, body));
      log?.debug?.(`${op} ${request.what}: 200 in ${Date.now() - started} ms`);
      return { code: 200, ...(body as Args) };
    } catch (err) {
      if (!(err instanceof SmartPayError)) throw err;
      log?.warn(`${op} ${request.what}: ${err.name} ${err.message}`);
      if (order && err.status === 0 && !neverSent(err)) {
        unanswered.add(orderKey);
        return preparing(order.order_id, err);
      }
      return paymentResultFromError(err);
    }
  };
}

/** Write-ahead: the order's invoice and attempt in the core before SmartPay is called. */
async function beginAttempt(core: PaymentCore | undefined, user: unknown, body: CreateInvoiceRequest): Promise<{ attempt: PaymentAttempt; created: boolean } | undefined> {
  if (!core || typeof user !== "string" || user === "") return undefined;
  const o = body.invoice.order;
  return core.begin({ userKey: user, provider: "smartpay", account: String(o.service_id), orderId: String(o.order_id), amount: { minor: o.amount, currency: o.currency }, description: o.description });
}

/** A SmartPay answer as a core input: the create's invoice_id, or an invoice's status. */
async function observeAnswer(core: PaymentCore | undefined, op: string, args: Args, attempt: PaymentAttempt | undefined, body: unknown): Promise<void> {
  if (!core) return;
  if (op === "payment.createPayment" && attempt) {
    const snap = smartPaySnapshot(body, "created");
    if (snap?.providerPaymentId) await core.observe("smartpay.create", { attemptId: attempt.id }, snap);
  } else if (op === "payment.checkPayment") {
    const snap = smartPaySnapshot({ invoice_id: args.invoiceId, ...(body as Args) });
    if (snap?.providerPaymentId && (await core.store.attemptByProviderId("smartpay", snap.providerPaymentId))) {
      await core.observe("smartpay.check", { provider: "smartpay", providerPaymentId: snap.providerPaymentId }, snap);
    }
  }
}

/** `$payment.refundPayment`: the script's refund goes through the payment core (written first, once per key). */
export const REFUND_OP = "payment.refundPayment";

async function refundThroughCore(core: PaymentCore | undefined, rawArgs: unknown): Promise<PaymentResult> {
  const a = (typeof rawArgs === "string" ? JSON.parse(rawArgs) : rawArgs ?? {}) as Args;
  if (!core) return failure(400, "400", "Возврат недоступен", "refunds need the payment core (smartapp serve)");
  const amount = typeof a.amount === "number" ? a.amount : undefined;
  const details = typeof a.details === "object" && a.details !== null ? (a.details as Record<string, unknown>) : undefined;
  try {
    const { refund, created } = await core.refund({ payment: String(a.invoiceId ?? ""), provider: "smartpay", amountMinor: amount, idempotencyKey: String(a.idempotencyKey ?? ""), reason: typeof a.reason === "string" ? a.reason : undefined, details });
    const out: PaymentResult = {
      code: refund.status === "failed" ? 400 : 200,
      refund_id: refund.id,
      refund_status: refund.status,
      refund_amount: refund.amount.minor,
      currency: refund.amount.currency,
      repeated: !created,
    };
    if (refund.status === "requested") out.pending = true;
    if (refund.status === "failed") out.error = { error_code: "refund_failed", user_message: "Возврат не выполнен", error_description: refund.error ?? "" };
    return out;
  } catch (err) {
    if (err instanceof RefundRejectedError) return failure(err.code === "not_found" ? 404 : err.code === "conflict" || err.code === "busy" ? 409 : 400, err.code, "Возврат не выполнен", err.message);
    throw err;
  }
}

/**
 * A create without an answer (timeout, network): SmartPay may have made the invoice. The script gets
 * `pending: true` and a message to say; the same order_id on the next turn finds the invoice.
 */
export function preparing(orderId: unknown, err: SmartPayError): PaymentResult {
  const res = paymentResultFromError(err);
  return { ...res, pending: true, order_id: String(orderId), error: { ...(res.error as ErrorBlock), user_message: PREPARING_MESSAGE } };
}

/** A failure that shows the request never reached SmartPay (so no invoice can exist). */
function neverSent(err: SmartPayError): boolean {
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(`${err.message} ${err.error.error_description ?? ""}`);
}

/** The synchronous payment ops of the XML test runner, over its mockable HTTP. */
export interface SyncPaymentConfig {
  /** Synchronous HTTP: the XML test runner's mock layer (or real HTTP for integration cases). */
  http: (req: HttpRequest) => HttpResponse;
  /** Reads SMARTPAY_URL, SMARTSTORE_URL, SMARTPAY_TOKEN, SMARTPAY_TIMEOUT_MS. */
  env?: (name: string) => string | undefined;
  /** Project secrets for a "$name" token. */
  secret?: (name: string) => string | undefined;
}

/**
 * `$payment` for XML tests: the same request the server would send, handed to a synchronous `http`
 * (the <mockData> layer). No token is needed: Authorization is sent only when one resolves.
 */
export function callPaymentSync(op: string, rawArgs: unknown, config: SyncPaymentConfig): unknown {
  const env = config.env ?? (() => undefined);
  if (op === REFUND_OP) return failure(400, "400", "Возврат недоступен", "refunds run through the payment core of smartapp serve; mock them in XML tests with <mockData>");
  const args = parsePaymentArgs(op, rawArgs);
  const resolved = resolvePaymentToken(args.token, { secret: config.secret ?? (() => undefined), operatorToken: env("SMARTPAY_TOKEN"), injectorToken: args.injectorToken });
  const plan = buildPaymentRequest(op as PaymentOp, args, { ...paymentBases(env), token: "token" in resolved ? resolved.token : undefined, budgetMs: DEFAULT_CALL_BUDGET_MS });
  if ("result" in plan) return plan.result;
  const { request } = plan;
  const envTimeout = Number(env("SMARTPAY_TIMEOUT_MS"));
  const timeoutMs = (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : DEFAULT_PAYMENT_TIMEOUT_MS) + request.waitMs;
  const res = config.http({ method: request.method, url: request.url, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}), timeoutMs, dataType: "json" });
  if (res.status < 0 || res.status === 0) {
    const kind = /time/i.test(res.error ?? "") ? "timeout" : "network";
    const none = paymentNoAnswer(res.error ?? "no answer", kind);
    if (request.op !== "payment.createPayment" || kind !== "timeout") return none;
    // As on the server: the invoice may exist, the script is told to try again.
    return { ...none, pending: true, order_id: String((request.json as CreateInvoiceRequest).invoice.order.order_id), error: { ...(none.error as ErrorBlock), user_message: PREPARING_MESSAGE } };
  }
  return paymentResultFromResponse(request, res.status, res.body);
}
