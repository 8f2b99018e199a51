// SmartPay invoices API client (spec smartapp-api.md §5) plus the SmartStore purchases API (§5.10).
// Every verb is on /invoices/{id}: GET status, POST start payment, PUT confirm, DELETE reverse,
// PATCH refund. Creates are made safe to retry by looking the order up before posting again.
import { request, type Dispatcher } from "undici";
import { errorForStatus, isRetryable, SmartPayMalformedResponseError, SmartPayNetworkError, SmartPayNotFoundError, SmartPayTimeoutError, type SmartPayError } from "./errors.js";
import { normaliseBody, parseJson, storeErrorBlock } from "./parse.js";
import type {
  ConfirmRequest,
  CreateInvoiceRequest,
  CreateInvoiceResponse,
  ErrorOnlyResponse,
  InvoiceStatus,
  InvoiceListResponse,
  InvoiceStatusResponse,
  RefundRequest,
  SmartStoreItemResponse,
  SmartStoreListResponse,
  StartPaymentRequest,
  StartPaymentResponse,
  UserItemsParams,
} from "./types.js";
import { withQuery, type Query } from "../../util/url.js";

/** SmartPay's production API base, used when no SMARTPAY_URL is given. */
export const DEFAULT_SMARTPAY_URL = "https://smartpay.devices.sberbank.ru/smartpay/v1";

/** Where the SmartPay client sends its calls, with what token and within what time. */
export interface SmartPayClientOptions {
  /** Default: env SMARTPAY_URL, else the production base. */
  baseUrl?: string;
  /** SmartStore base (serves /items). Default: env SMARTSTORE_URL, else derived from baseUrl. */
  storeBaseUrl?: string;
  token: string;
  /** Per-request limit for headers and body; a long-poll adds its `wait` on top. Default 10 s. */
  timeoutMs?: number;
  /** How many times a create is re-posted after a timeout or 5xx (each after an order lookup). Default 2. */
  createRetries?: number;
  /** `author` header for PUT/DELETE/PATCH (the person making the change). */
  author?: string;
  dispatcher?: Dispatcher;
}

/**
 * SmartStore lives beside SmartPay on the same host: `…/smartpay/v1` → `…/api/smart-store`
 * (production: https://smartpay.devices.sberbank.ru/api/smart-store/items).
 */
export function deriveStoreBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  const m = /^(.*)\/smartpay\/v\d+$/.exec(trimmed);
  return `${m ? m[1] : trimmed}/api/smart-store`;
}

export type { Query };

/** How one create of an invoice may run: its deadline, and whether to look the order up first. */
export interface CreateOptions {
  /** Epoch ms by which the create (with its retries and lookups) must be over. */
  deadlineAt?: number;
  /** Look the order up before posting (an earlier create of it had no answer). */
  lookupFirst?: boolean;
}

const timeLeft = (deadlineAt: number | undefined): number => (deadlineAt === undefined ? Infinity : deadlineAt - Date.now());

/**
 * The SmartPay API over HTTP: invoices, payments, refunds and the SmartStore items, with retries and
 * SmartPay's errors as SmartPayError.
 */
export class SmartPayClient {
  readonly baseUrl: string;
  readonly storeBaseUrl: string;
  private readonly opts: SmartPayClientOptions;

  constructor(opts: SmartPayClientOptions) {
    this.opts = opts;
    this.baseUrl = (opts.baseUrl ?? DEFAULT_SMARTPAY_URL).replace(/\/+$/, "");
    this.storeBaseUrl = (opts.storeBaseUrl ?? deriveStoreBaseUrl(this.baseUrl)).replace(/\/+$/, "");
  }

  /** The same client with another token (scripts may pass their own). */
  withToken(token: string): SmartPayClient {
    return new SmartPayClient({ ...this.opts, baseUrl: this.baseUrl, storeBaseUrl: this.storeBaseUrl, token });
  }

  /**
   * POST /invoices. After a timeout, network failure or 5xx the invoice may exist anyway, so the
   * order is looked up by order_id before posting again: one order never yields two invoices.
   */
  async createInvoice(body: CreateInvoiceRequest, opts: CreateOptions = {}): Promise<CreateInvoiceResponse> {
    const retries = this.opts.createRetries ?? 2;
    const { service_id, order_id } = body.invoice.order;
    if (opts.lookupFirst) {
      // An earlier create of this order had no answer: it may exist, so ask before posting.
      const existing = await this.lookupAfterFailure(String(service_id), String(order_id), undefined, opts.deadlineAt);
      if (existing) return existing;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.call("POST", this.invoiceUrl(), body, 0, true, opts.deadlineAt)) as CreateInvoiceResponse;
      } catch (err) {
        if (!isRetryable(err) || attempt >= retries || timeLeft(opts.deadlineAt) <= 0) throw err;
        const existing = await this.lookupAfterFailure(String(service_id), String(order_id), err as SmartPayError, opts.deadlineAt);
        if (existing) return existing;
      }
    }
  }

  /** GET /invoices/{id}; with `invStatus` the answer is held while the status equals it, up to `wait` seconds. */
  async getInvoice(invoiceId: string | number, opts: { invStatus?: InvoiceStatus | string; wait?: number } = {}): Promise<InvoiceStatusResponse> {
    const query: Query = { inv_status: opts.invStatus, wait: opts.wait };
    const extraMs = opts.invStatus !== undefined && opts.wait ? opts.wait * 1000 : 0;
    return (await this.call("GET", this.invoiceUrl(invoiceId, query), undefined, extraMs)) as InvoiceStatusResponse;
  }

  /** GET /invoices/0?service_id=&order_id=: the invoice made for an order. */
  async findInvoiceByOrder(serviceId: string | number, orderId: string): Promise<InvoiceStatusResponse> {
    return (await this.call("GET", this.invoiceUrl(0, { service_id: String(serviceId), order_id: orderId }))) as InvoiceStatusResponse;
  }

  /** GET /invoices: the invoices of a service (optionally of one user or status), a page at a time. */
  async listInvoices(params: { serviceId?: string | number; userId?: string; status?: InvoiceStatus | string; page?: number; size?: number } = {}): Promise<InvoiceListResponse> {
    const query: Query = { service_id: params.serviceId === undefined ? undefined : String(params.serviceId), user_id: params.userId, invoice_status: params.status, page: params.page, size: params.size };
    return (await this.call("GET", this.invoiceUrl(undefined, query))) as InvoiceListResponse;
  }

  /** POST /invoices/{id}: start paying with a chosen instrument (what the payment app does). */
  async startPayment(invoiceId: string | number, body: StartPaymentRequest): Promise<StartPaymentResponse> {
    return (await this.call("POST", this.invoiceUrl(invoiceId), body)) as StartPaymentResponse;
  }

  /** PUT /invoices/{id}: complete a two-stage payment, in full or (with a body) in part. */
  async confirmInvoice(invoiceId: string | number, body?: ConfirmRequest): Promise<ErrorOnlyResponse> {
    return (await this.call("PUT", this.invoiceUrl(invoiceId), body)) as ErrorOnlyResponse;
  }

  /** DELETE /invoices/{id}: release a two-stage hold. */
  async reverseInvoice(invoiceId: string | number): Promise<ErrorOnlyResponse> {
    return (await this.call("DELETE", this.invoiceUrl(invoiceId))) as ErrorOnlyResponse;
  }

  /** PATCH /invoices/{id}: refund `refund_amount`; repeatable until the whole amount is back. */
  async refundInvoice(invoiceId: string | number, body: RefundRequest): Promise<ErrorOnlyResponse> {
    return (await this.call("PATCH", this.invoiceUrl(invoiceId), body)) as ErrorOnlyResponse;
  }

  /** SmartStore GET /items: what the user bought (confirmed invoices made with a user_id). */
  async getUserItems(params: UserItemsParams): Promise<SmartStoreListResponse> {
    return (await this.call("GET", storeItemsUrl(this.storeBaseUrl, undefined, params), undefined, 0, false)) as SmartStoreListResponse;
  }

  /** SmartStore GET /items/{code}: one purchased item with `quantities.quantity_value`. */
  async getUserItem(itemCode: string, params: UserItemsParams): Promise<SmartStoreItemResponse> {
    return (await this.call("GET", storeItemsUrl(this.storeBaseUrl, itemCode, params), undefined, 0, false)) as SmartStoreItemResponse;
  }

  private async lookupAfterFailure(serviceId: string, orderId: string, cause: SmartPayError | undefined, deadlineAt?: number): Promise<InvoiceStatusResponse | undefined> {
    try {
      const url = this.invoiceUrl(0, { service_id: serviceId, order_id: orderId });
      return (await this.call("GET", url, undefined, 0, true, deadlineAt)) as InvoiceStatusResponse;
    } catch (err) {
      if (err instanceof SmartPayNotFoundError) return undefined; // never created: safe to post again
      throw isRetryable(err) && cause ? cause : err;
    }
  }

  private invoiceUrl(id?: string | number, query?: Query): string {
    return invoiceUrl(this.baseUrl, id, query);
  }

  /**
   * One prepared call (see `buildPaymentRequest` in ../host-ops.ts): the same headers, timeout and
   * response reading as every method here. `extraMs` lengthens the timeout (a long-poll's `wait`).
   */
  async send(req: { method: Dispatcher.HttpMethod; url: string; body?: unknown; extraMs?: number; smartPay?: boolean; deadlineAt?: number }): Promise<Record<string, unknown>> {
    return this.call(req.method, req.url, req.body, req.extraMs ?? 0, req.smartPay ?? true, req.deadlineAt);
  }

  /** `deadlineAt` (epoch ms) cuts the timeout short: the call must end by then (a turn's budget). */
  private async call(method: Dispatcher.HttpMethod, url: string, body?: unknown, extraMs = 0, smartPay = true, deadlineAt?: number): Promise<Record<string, unknown>> {
    const timeout = Math.min((this.opts.timeoutMs ?? 10_000) + extraMs, timeLeft(deadlineAt));
    const headers = smartPayHeaders(method, this.opts.token, body !== undefined, this.opts.author);
    const where = `${method} ${new URL(url).pathname}`;
    if (timeout <= 0) throw new SmartPayTimeoutError(`${where}: no time left in the turn`, 0, { error_code: "timeout", error_description: "no time left in the turn's budget" });

    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
        dispatcher: this.opts.dispatcher,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw transportError(err, where, timeout);
    }
    return readSmartPayResponse(status, text, where, smartPay);
  }
}

/** The headers of every SmartPay/SmartStore call (§5.1); no Authorization without a token. */
export function smartPayHeaders(method: string, token: string | undefined, hasBody: boolean, author?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  headers.accept = "application/json";
  if (hasBody) headers["content-type"] = "application/json";
  if (author && (method === "PUT" || method === "DELETE" || method === "PATCH")) headers.author = author;
  return headers;
}

/**
 * Pure: what one HTTP answer means. A 2xx JSON object comes back normalised (tolerant parsing); any
 * other answer throws the typed SmartPayError for its status. `where` names the call in messages;
 * `smartPay` false reads a SmartStore body (no `error` block, `message` instead).
 */
export function readSmartPayResponse(status: number, text: string, where: string, smartPay = true): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = text === "" ? undefined : parseJson(text);
  } catch {
    raw = undefined;
  }
  const parsed = normaliseBody(raw, status, smartPay);
  const ok = status >= 200 && status < 300;
  if (!parsed) {
    const error = { error_code: String(status), error_description: `not a JSON object: ${text.slice(0, 200)}` };
    if (ok) throw new SmartPayMalformedResponseError(`${where}: malformed body`, status, error, text);
    throw errorForStatus(status, `${where}: HTTP ${status}`, error, text);
  }
  if (ok) return parsed;
  const error = smartPay ? (parsed.error as SmartPayError["error"]) : storeErrorBlock(parsed, status);
  throw errorForStatus(status, `${where}: HTTP ${status}${error.error_description ? `: ${error.error_description}` : ""}`, error, parsed);
}

/** Pure: `{base}/invoices` or `{base}/invoices/{id}?query` (undefined/empty query values are left out). */
export function invoiceUrl(baseUrl: string, id?: string | number, query?: Query): string {
  const path = id === undefined ? "/invoices" : `/invoices/${encodeURIComponent(String(id))}`;
  return withQuery(baseUrl.replace(/\/+$/, "") + path, query);
}

/** Pure: SmartStore `{storeBase}/items` (no code) or `{storeBase}/items/{code}`, with the user query. */
export function storeItemsUrl(storeBaseUrl: string, itemCode: string | undefined, params: UserItemsParams): string {
  const path = itemCode === undefined ? "/items" : `/items/${encodeURIComponent(itemCode)}`;
  return withQuery(storeBaseUrl.replace(/\/+$/, "") + path, storeQuery(params));
}

function transportError(err: unknown, where: string, timeout: number): SmartPayError {
  const code = (err as { code?: string }).code ?? "";
  const name = (err as { name?: string }).name ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (name === "TimeoutError" || name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new SmartPayTimeoutError(`${where}: no answer within ${timeout} ms`, 0, { error_code: "timeout", error_description: message });
  }
  return new SmartPayNetworkError(`${where}: ${message}`, 0, { error_code: "network", error_description: message });
}

function storeQuery(p: UserItemsParams): Query {
  return { user_id: p.userId, service_id: p.serviceId, page: p.page, size: p.size, sort: p.sort, sortField: p.sortField };
}
