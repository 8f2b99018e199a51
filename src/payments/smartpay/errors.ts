// Typed SmartPay failures. Every error carries the HTTP status (0 when no answer came) and the
// parsed `error` block, so callers can show `user_message` and log `error_description`.
import type { ErrorBlock } from "./types.js";

/** A SmartPay call answered with an error: the HTTP status and SmartPay's error block. */
export class SmartPayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly error: ErrorBlock,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: a parameter or the request format is invalid. */
export class SmartPayBadRequestError extends SmartPayError {}
/** 401: token missing, invalid or wrong. */
export class SmartPayUnauthorizedError extends SmartPayError {}
/** 403: SmartPay documents it as an internal service error; not worth retrying. */
export class SmartPayForbiddenError extends SmartPayError {}
/** 404: unknown invoice (or no invoice for that order). */
export class SmartPayNotFoundError extends SmartPayError {}
/** 5xx and any other unexpected status. */
export class SmartPayServerError extends SmartPayError {}
/** No answer within the time limit; the request may or may not have been processed. */
export class SmartPayTimeoutError extends SmartPayError {}
/** The connection failed before an answer (refused, reset, DNS). */
export class SmartPayNetworkError extends SmartPayError {}
/** An answer came but its body is not the JSON object SmartPay promises. */
export class SmartPayMalformedResponseError extends SmartPayError {}

/** The SmartPayError subclass for an HTTP status, so callers can tell a bad request from a missing invoice. */
export function errorForStatus(status: number, message: string, error: ErrorBlock, body: unknown): SmartPayError {
  if (status === 400) return new SmartPayBadRequestError(message, status, error, body);
  if (status === 401) return new SmartPayUnauthorizedError(message, status, error, body);
  if (status === 403) return new SmartPayForbiddenError(message, status, error, body);
  if (status === 404) return new SmartPayNotFoundError(message, status, error, body);
  return new SmartPayServerError(message, status, error, body);
}

/** Worth retrying a create after looking the order up: the request may have been lost or half-done. */
export function isRetryable(err: unknown): boolean {
  return err instanceof SmartPayTimeoutError || err instanceof SmartPayNetworkError || (err instanceof SmartPayServerError && err.status >= 500);
}
