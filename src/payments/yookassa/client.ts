// YooKassa API v3 client (docs/yookassa.md, "The client"). Basic auth with the shop id and secret
// key; every POST carries the caller's Idempotence-Key, which the caller persisted before calling:
// the client never invents one, so a retry here or after a restart is the same operation.
// Retries happen only where the API says they are safe — 429, 500, 202 and network failures — and
// always resend the very same bytes with the very same key.
import { request, type Dispatcher } from "undici";
import {
  errorFor,
  YooKassaError,
  YooKassaMalformedResponseError,
  YooKassaNetworkError,
  YooKassaProcessingError,
  YooKassaTimeoutError,
} from "./errors.js";
import type { CaptureRequest, CreatePaymentRequest, CreateRefundRequest, ErrorBody, List, Payment, PaymentListFilter, Refund, RefundListFilter } from "./types.js";
import { withQuery, type Query } from "../../util/url.js";

/** YooKassa's production API base. */
export const DEFAULT_YOOKASSA_URL = "https://api.yookassa.ru/v3";
/** The longest Idempotence-Key YooKassa accepts. */
export const MAX_IDEMPOTENCE_KEY_LENGTH = 64;

/** Which shop the client acts for, where its API is, and its time limits and retries. */
export interface YooKassaClientOptions {
  baseUrl?: string; // default the production API; the emulator lives at `${sandbox}/yookassa/v3`
  shopId: string;
  secretKey: string;
  /** Per-request limit for headers and body. Default 10 s. */
  timeoutMs?: number;
  /** Extra tries after a retryable failure (same key, same body). Default 3. */
  retries?: number;
  /** First pause between tries; later pauses grow like Fibonacci numbers. Default 1 s. */
  retryDelayMs?: number;
  /** Upper bound for one pause (also caps a 202's retry_after). Default 60 s. */
  maxRetryDelayMs?: number;
  dispatcher?: Dispatcher;
  /** Injected in tests; default a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

type Json = Record<string, unknown>;

/** The YooKassa API v3 over HTTP (Basic auth, the caller's Idempotence-Key on every POST); failures as typed YooKassaError. */
export class YooKassaClient {
  readonly baseUrl: string;
  private readonly auth: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: YooKassaClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_YOOKASSA_URL).replace(/\/+$/, "");
    this.auth = `Basic ${Buffer.from(`${opts.shopId}:${opts.secretKey}`).toString("base64")}`;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** POST /payments: a link (redirect confirmation), or a charge of a saved method (payment_method_id). */
  createPayment(body: CreatePaymentRequest, idempotenceKey: string): Promise<Payment> {
    return this.call("POST", "/payments", { body, idempotenceKey }).then((b) => asPayment(b, "POST /payments"));
  }

  /** GET /payments/{id}: the authoritative status. */
  getPayment(paymentId: string): Promise<Payment> {
    return this.call("GET", `/payments/${encodeURIComponent(paymentId)}`).then((b) => asPayment(b, "GET /payments/{id}"));
  }

  /** GET /payments: newest first; pass `next_cursor` back as `cursor` for the next page. */
  listPayments(filter: PaymentListFilter = {}): Promise<List<Payment>> {
    return this.call("GET", "/payments", { query: filter as Query }).then((b) => asList(b, asPayment, "GET /payments"));
  }

  /** POST /payments/{id}/capture: the whole hold, or with `amount` a part of it (the rest is released). */
  capturePayment(paymentId: string, idempotenceKey: string, body: CaptureRequest = {}): Promise<Payment> {
    return this.call("POST", `/payments/${encodeURIComponent(paymentId)}/capture`, { body, idempotenceKey }).then((b) => asPayment(b, "POST /payments/{id}/capture"));
  }

  /** POST /payments/{id}/cancel: release a hold (only `waiting_for_capture`). */
  cancelPayment(paymentId: string, idempotenceKey: string): Promise<Payment> {
    return this.call("POST", `/payments/${encodeURIComponent(paymentId)}/cancel`, { body: {}, idempotenceKey }).then((b) => asPayment(b, "POST /payments/{id}/cancel"));
  }

  /** POST /refunds: a full or partial refund of a succeeded payment; repeatable up to its amount. */
  createRefund(body: CreateRefundRequest, idempotenceKey: string): Promise<Refund> {
    return this.call("POST", "/refunds", { body, idempotenceKey }).then((b) => asRefund(b, "POST /refunds"));
  }

  getRefund(refundId: string): Promise<Refund> {
    return this.call("GET", `/refunds/${encodeURIComponent(refundId)}`).then((b) => asRefund(b, "GET /refunds/{id}"));
  }

  listRefunds(filter: RefundListFilter = {}): Promise<List<Refund>> {
    return this.call("GET", "/refunds", { query: filter as Query }).then((b) => asList(b, asRefund, "GET /refunds"));
  }

  private async call(method: "GET" | "POST", path: string, req: { body?: unknown; idempotenceKey?: string; query?: Query } = {}): Promise<Json> {
    const where = `${method} ${path}`;
    if (method === "POST") checkKey(req.idempotenceKey, where);
    // Serialised once: every retry sends the same bytes under the same key.
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const url = withQuery(this.baseUrl + path, req.query);
    const retries = this.opts.retries ?? 3;
    let previous = 0;
    let pause = this.opts.retryDelayMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      let outcome: { body: Json } | { error: YooKassaError; retryAfterMs?: number };
      try {
        outcome = await this.once(method, url, where, payload, req.idempotenceKey);
      } catch (err) {
        outcome = { error: err instanceof YooKassaError ? err : new YooKassaNetworkError(`${where}: ${String(err)}`, 0, "network") };
      }
      if ("body" in outcome) return outcome.body;
      if (!outcome.error.retryable || attempt >= retries) throw outcome.error;
      const cap = this.opts.maxRetryDelayMs ?? 60_000;
      await this.sleep(Math.min(outcome.retryAfterMs ?? pause, cap));
      [previous, pause] = [pause, previous + pause]; // Fibonacci growth, as the API docs suggest
    }
  }

  private async once(method: "GET" | "POST", url: string, where: string, payload: string | undefined, key: string | undefined): Promise<{ body: Json } | { error: YooKassaError; retryAfterMs?: number }> {
    const timeout = this.opts.timeoutMs ?? 10_000;
    const headers: Record<string, string> = { authorization: this.auth, accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (key !== undefined) headers["idempotence-key"] = key;
    let status: number;
    let text: string;
    try {
      const res = await request(url, { method, headers, body: payload, headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout), dispatcher: this.opts.dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      return { error: transportError(err, where, timeout) };
    }
    return readAnswer(status, text, where);
  }
}

/** Pure: what one HTTP answer means — a body, or a typed error (202 carries its retry_after). */
export function readAnswer(status: number, text: string, where: string): { body: Json } | { error: YooKassaError; retryAfterMs?: number } {
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body = isObject(parsed) ? parsed : undefined;
  if (status === 202) {
    const after = Number(body?.retry_after);
    const error = new YooKassaProcessingError(`${where}: HTTP 202 still processing`, status, "processing", body as Partial<ErrorBody> | undefined);
    return Number.isFinite(after) && after >= 0 ? { error, retryAfterMs: after } : { error };
  }
  if (status >= 200 && status < 300) {
    if (!body) return { error: new YooKassaMalformedResponseError(`${where}: HTTP ${status} with a body that is not a JSON object: ${text.slice(0, 200)}`, status, "malformed_response") };
    return { body };
  }
  return { error: errorFor(status, body as Partial<ErrorBody> | undefined, where) };
}

function checkKey(key: string | undefined, where: string): void {
  // A programming error, not an API failure: the caller must persist a key before sending.
  if (typeof key !== "string" || key.length === 0) throw new TypeError(`${where}: an Idempotence-Key is required (persist it with the operation before calling)`);
  if (key.length > MAX_IDEMPOTENCE_KEY_LENGTH) throw new TypeError(`${where}: the Idempotence-Key is ${key.length} characters; YooKassa allows ${MAX_IDEMPOTENCE_KEY_LENGTH}`);
}

function transportError(err: unknown, where: string, timeout: number): YooKassaError {
  const code = (err as { code?: string }).code ?? "";
  const name = (err as { name?: string }).name ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (name === "TimeoutError" || name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new YooKassaTimeoutError(`${where}: no answer within ${timeout} ms`, 0, "timeout");
  }
  return new YooKassaNetworkError(`${where}: ${message}`, 0, "network");
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Tolerant: any object with a string id and status is a payment; unknown fields are kept as they came. */
function asPayment(body: Json, where: string): Payment {
  if (typeof body.id !== "string" || typeof body.status !== "string") throw new YooKassaMalformedResponseError(`${where}: the answer has no payment id/status`, 200, "malformed_response");
  return body as unknown as Payment;
}

function asRefund(body: Json, where: string): Refund {
  if (typeof body.id !== "string" || typeof body.status !== "string") throw new YooKassaMalformedResponseError(`${where}: the answer has no refund id/status`, 200, "malformed_response");
  return body as unknown as Refund;
}

function asList<T>(body: Json, item: (b: Json, where: string) => T, where: string): List<T> {
  if (!Array.isArray(body.items)) throw new YooKassaMalformedResponseError(`${where}: the answer has no items list`, 200, "malformed_response");
  const list: List<T> = { type: "list", items: body.items.filter(isObject).map((b) => item(b, where)) };
  if (typeof body.next_cursor === "string" && body.next_cursor !== "") list.next_cursor = body.next_cursor;
  return list;
}
