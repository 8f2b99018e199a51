// Typed YooKassa failures, one class per documented error code (docs/yookassa.md, "Errors").
// `retryable` says whether the same request may be sent again with the SAME Idempotence-Key;
// `outcomeUnknown` says the operation may have happened although no success came back.
import type { ErrorBody, YooKassaErrorCode } from "./types.js";

/**
 * A YooKassa failure: the status and error code, whether it may be retried with the same key, and whether the
 * operation may have happened anyway.
 */
export class YooKassaError extends Error {
  readonly retryable: boolean = false;
  readonly outcomeUnknown: boolean = false;
  constructor(
    message: string,
    readonly status: number, // 0 when no answer came
    readonly code: YooKassaErrorCode,
    readonly body?: Partial<ErrorBody>,
  ) {
    super(message);
    this.name = new.target.name;
  }
  /** The request field YooKassa blames, e.g. "amount.value" or "Idempotence-Key". */
  get parameter(): string | undefined {
    return this.body?.parameter;
  }
  get description(): string | undefined {
    return this.body?.description;
  }
}

/** 400 invalid_request: the data is wrong; fix it and start a new operation (new key). */
export class YooKassaInvalidRequestError extends YooKassaError {}
/** 400 not_supported: the shop or method does not support the request. */
export class YooKassaNotSupportedError extends YooKassaError {}
/** 401 invalid_credentials: wrong shop id or secret key. */
export class YooKassaInvalidCredentialsError extends YooKassaError {}
/** 403 forbidden: the feature (e.g. autopayments) is not enabled for the shop. */
export class YooKassaForbiddenError extends YooKassaError {}
/** 404 not_found: no such object. */
export class YooKassaNotFoundError extends YooKassaError {}
/** 429 too_many_requests: retry the same request with the same key after a pause. */
export class YooKassaTooManyRequestsError extends YooKassaError {
  override readonly retryable = true;
}
/** 500 internal_server_error: outcome unknown; retry the same body with the same key, or read the object. */
export class YooKassaInternalServerError extends YooKassaError {
  override readonly retryable = true;
  override readonly outcomeUnknown = true;
}
/** 202 processing that outlived the client's retries: outcome unknown. */
export class YooKassaProcessingError extends YooKassaError {
  override readonly retryable = true;
  override readonly outcomeUnknown = true;
}
/** No answer within the time limit: treated exactly like a 500. */
export class YooKassaTimeoutError extends YooKassaError {
  override readonly retryable = true;
  override readonly outcomeUnknown = true;
}
/** The connection failed (refused, reset, DNS): the request may or may not have arrived. */
export class YooKassaNetworkError extends YooKassaError {
  override readonly retryable = true;
  override readonly outcomeUnknown = true;
}
/** A 2xx whose body is not the promised JSON object. */
export class YooKassaMalformedResponseError extends YooKassaError {}
/** 405, 415 or another undocumented status: a bug in our request. */
export class YooKassaUnexpectedStatusError extends YooKassaError {}

/** Pure: the typed error for an HTTP answer that is not a success. */
export function errorFor(status: number, body: Partial<ErrorBody> | undefined, where: string): YooKassaError {
  const code = typeof body?.code === "string" ? body.code : "";
  const text = `${where}: HTTP ${status}${code ? ` ${code}` : ""}${body?.description ? `: ${body.description}` : ""}${body?.parameter ? ` (${body.parameter})` : ""}`;
  if (status === 400 && code === "not_supported") return new YooKassaNotSupportedError(text, status, "not_supported", body);
  if (status === 400) return new YooKassaInvalidRequestError(text, status, "invalid_request", body);
  if (status === 401) return new YooKassaInvalidCredentialsError(text, status, "invalid_credentials", body);
  if (status === 403) return new YooKassaForbiddenError(text, status, "forbidden", body);
  if (status === 404) return new YooKassaNotFoundError(text, status, "not_found", body);
  if (status === 429) return new YooKassaTooManyRequestsError(text, status, "too_many_requests", body);
  if (status >= 500) return new YooKassaInternalServerError(text, status, "internal_server_error", body);
  return new YooKassaUnexpectedStatusError(text, status, "unexpected_status", body);
}
