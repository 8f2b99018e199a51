// The host side of `$payment` (jsapi/payment.js). Scripts reach these ops synchronously through
// services.call(op, args); the worker bridge runs them here, on the main thread, and hands the JSON
// result back. Failures come back as SmartPay-shaped data ({code, error}) because scenario code reads
// `response.error.user_message`; only a programming error (unknown op, bad args) throws.
import { SmartPayClient } from "./smartpay/client.js";
import { SmartPayError } from "./smartpay/errors.js";
import type { CreateInvoiceRequest, ErrorBlock } from "./smartpay/types.js";

export interface PaymentLogger {
  warn(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
}

export interface PaymentOpsConfig {
  /** A ready client (its token is replaced per call); otherwise one is built from baseUrl. */
  client?: SmartPayClient;
  baseUrl?: string;
  storeBaseUrl?: string;
  storeUrl?: string; // alias of storeBaseUrl
  /** The operator's token (like env SMARTPAY_TOKEN); a token the script passes wins. */
  token?: string;
  /** Per SmartPay call. Default 8 s, so a call plus a long-poll stays inside the 30 s bridge limit. */
  timeoutMs?: number;
  /** Fallback order.service_id when the script gives none. */
  serviceId?: string;
  /** Project secrets, for a token passed as "$name". Default: env SMARTAPP_SECRET_<name>. */
  secrets?: Record<string, string> | ((name: string) => string | undefined);
  /** chatbot.yaml `injector` (pay_api_key works, with a warning). */
  injector?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  logger?: PaymentLogger;
  /** The same as `logger`, as a (level, message) function. */
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

export type PaymentOpHandler = (op: string, args: unknown) => Promise<unknown>;

/** The longest long-poll a script may ask for, seconds: the bridge gives a host call 30 s. */
export const MAX_WAIT_SECONDS = 15;

export const PAYMENT_OPS = ["payment.createPayment", "payment.checkPayment", "payment.getUserItems", "payment.getUserItem"] as const;

type Args = Record<string, unknown>;

/** What a script gets when no HTTP answer could be had (JAICP's $http uses -1 the same way). */
const NO_ANSWER = -1;

function failure(code: number, errorCode: string, userMessage: string, description: string) {
  return { code, error: { error_code: errorCode, user_message: userMessage, error_description: description } };
}

export function createPaymentOps(config: PaymentOpsConfig = {}): PaymentOpHandler {
  const env = config.env ?? process.env;
  const log: PaymentLogger | undefined =
    config.logger ?? (config.log ? { warn: (m) => config.log!("warn", m), info: (m) => config.log!("info", m), debug: (m) => config.log!("debug", m) } : undefined);
  const clients = new Map<string, SmartPayClient>();
  let warnedInjector = false;

  const secret = (name: string): string | undefined => {
    const s = config.secrets;
    if (typeof s === "function") return s(name);
    if (s) return s[name];
    return env[`SMARTAPP_SECRET_${name}`];
  };

  /** Token from the argument (a value or "$secretName"), then config.token / SMARTPAY_TOKEN, then injector.pay_api_key. */
  function resolveToken(arg: unknown, injectorArg: unknown): { token: string } | { missing: string } {
    if (typeof arg === "string" && arg !== "") {
      if (!arg.startsWith("$")) return { token: arg };
      const name = arg.slice(1);
      const value = secret(name) ?? secret(arg);
      return value ? { token: value } : { missing: `secret ${name} is not set` };
    }
    const operator = config.token || env.SMARTPAY_TOKEN;
    if (operator) return { token: operator };
    const injected = config.injector?.pay_api_key ?? injectorArg;
    if (typeof injected === "string" && injected !== "") {
      if (!warnedInjector) {
        warnedInjector = true;
        log?.warn("SmartPay token taken from injector.pay_api_key: it ships with the project files. Use a secret (\"$pay_api_key\") or SMARTPAY_TOKEN instead.");
      }
      return { token: injected };
    }
    return { missing: "no SmartPay token: pass one, set SMARTPAY_TOKEN, or use the secret \"$pay_api_key\"" };
  }

  function clientFor(token: string): SmartPayClient {
    let c = clients.get(token);
    if (!c) {
      c = config.client
        ? config.client.withToken(token)
        : new SmartPayClient({ baseUrl: config.baseUrl, storeBaseUrl: config.storeBaseUrl ?? config.storeUrl, token, timeoutMs: config.timeoutMs ?? 8000 });
      clients.set(token, c);
    }
    return c;
  }

  /** Run one SmartPay call and turn its outcome into the data a script sees. */
  async function run(op: string, what: string, call: () => Promise<Record<string, unknown>>): Promise<unknown> {
    const started = Date.now();
    try {
      const body = await call();
      log?.debug?.(`${op} ${what}: 200 in ${Date.now() - started} ms`);
      return { code: 200, ...body };
    } catch (err) {
      if (!(err instanceof SmartPayError)) throw err;
      log?.warn(`${op} ${what}: ${err.name} ${err.message}`);
      const body = typeof err.body === "object" && err.body !== null ? (err.body as Args) : {};
      const error: ErrorBlock = { user_message: userMessageFor(err), ...err.error };
      delete error.details; // the joined text is in error_description; keep the script's view small
      return { ...body, code: err.status === 0 ? NO_ANSWER : err.status, error };
    }
  }

  return async (op: string, rawArgs: unknown): Promise<unknown> => {
    const args = (typeof rawArgs === "string" ? JSON.parse(rawArgs) : rawArgs ?? {}) as Args;
    if (typeof args !== "object" || args === null) throw new TypeError(`${op}: arguments must be an object`);
    if (!(PAYMENT_OPS as readonly string[]).includes(op)) throw new Error(`unknown payment op ${op}`);

    const resolved = resolveToken(args.token, args.injectorToken);
    if ("missing" in resolved) {
      log?.warn(`${op}: ${resolved.missing}`);
      return failure(401, "401", "Оплата не настроена", resolved.missing);
    }
    const client = clientFor(resolved.token);

    switch (op) {
      case "payment.createPayment": {
        const body = args.body as CreateInvoiceRequest | undefined;
        const order = body?.invoice?.order;
        if (!order) throw new TypeError("payment.createPayment: args.body.invoice.order is required");
        const serviceId = order.service_id ?? config.serviceId ?? config.injector?.service_id;
        if (serviceId === undefined || serviceId === "") return failure(400, "400", "Некорректные данные заказа", "order.service_id is required");
        order.service_id = String(serviceId);
        return run(op, `order ${order.order_id}`, () => client.createInvoice(body!));
      }
      case "payment.checkPayment": {
        const id = args.invoiceId;
        if ((typeof id !== "string" && typeof id !== "number") || id === "") return failure(400, "400", "Некорректный запрос", "invoice_id is required");
        const wait = typeof args.wait === "number" ? Math.min(Math.max(0, args.wait), MAX_WAIT_SECONDS) : undefined;
        const invStatus = typeof args.invStatus === "string" ? args.invStatus : undefined;
        return run(op, `invoice ${id}`, () => client.getInvoice(id, { invStatus, wait }));
      }
      case "payment.getUserItems":
      case "payment.getUserItem": {
        const userId = args.userId;
        if (typeof userId !== "string" || userId === "") return { ...failure(400, "400", "Некорректный запрос", "the user is unknown ($request.rawRequest.uuid.sub is empty)"), success: false, message: "user is unknown" };
        const p = (args.params ?? {}) as Args;
        const params = { userId, serviceId: str(p.serviceId ?? config.serviceId ?? config.injector?.service_id), page: num(p.page), size: num(p.size), sort: str(p.sort), sortField: str(p.sortField) };
        if (op === "payment.getUserItems") return run(op, "items", () => client.getUserItems(params));
        const code = args.code;
        if ((typeof code !== "string" && typeof code !== "number") || code === "") return { ...failure(400, "400", "Некорректный запрос", "item_code is required"), success: false, message: "item_code is required" };
        return run(op, `item ${code}`, () => client.getUserItem(String(code), params));
      }
    }
    throw new Error(`unknown payment op ${op}`);
  };
}

const str = (v: unknown): string | undefined => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
const num = (v: unknown): string | number | undefined => (typeof v === "number" || typeof v === "string" ? v : undefined);

function userMessageFor(err: SmartPayError): string {
  if (err.status === 0) return "Платёжный сервис не ответил. Попробуйте позже";
  if (err.status === 401) return "Ошибка авторизации платёжного сервиса";
  if (err.status === 404) return "Счёт не найден";
  if (err.status === 400) return "Некорректные данные платежа";
  return "Платёжный сервис временно недоступен";
}
