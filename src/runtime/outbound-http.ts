// Real outbound HTTP for `$http` in the server and the REPL, run on the main thread (undici).
// Every connection goes through a connector that resolves the host itself, checks each resolved
// address against the HttpPolicy, and connects to that checked address, so no spelling of a name or
// address (and no DNS answer that changes between check and connect) reaches a closed range.
// Redirects are not followed here: a script that follows one makes a new, checked request.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Agent, buildConnector, request, type Dispatcher } from "undici";
import type { HttpRequest, HttpResponse } from "../engine/types.js";
import { canonicalAddress, HttpPolicy } from "./http-policy.js";

const MAX_TIMEOUT_MS = 25_000; // the platform's cap on $http timeouts

/**
 * Largest response body `$http` reads (docs/security.md, "Limits"). The body is held on the main
 * thread, copied to the worker and into the isolate: without a cap one script pointed at an endless
 * or huge resource filled the server's memory (three 3 GB downloads held 1 GB for every user).
 */
export const DEFAULT_MAX_HTTP_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface OutboundHttpOptions {
  /** Largest response body read; a larger one is a failed result. Default DEFAULT_MAX_HTTP_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

/** The body was over the limit; its message is what the script sees as the response's `error`. */
class ResponseTooLarge extends Error {}

/** Thrown by the connector; its message is what the script sees as the response's `error`. */
export class RefusedDestination extends Error {
  readonly code = "SMARTAPP_HTTP_REFUSED";
}

/** An undici dispatcher whose every new connection is checked by `policy`. */
export function policyDispatcher(policy: HttpPolicy): Dispatcher {
  const connect = buildConnector({});
  return new Agent({
    connect: (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, "");
      const port = Number(opts.port) || (opts.protocol === "https:" ? 443 : 80);
      resolveChecked(policy, host, port).then(
        // `host` (name:port) stays as given, so TLS still verifies the certificate for the name.
        (address) => connect({ ...opts, hostname: address }, callback),
        (err: Error) => callback(err, null),
      );
    },
  });
}

async function resolveChecked(policy: HttpPolicy, host: string, port: number): Promise<string> {
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  // Every address a name resolves to must be allowed: one public record does not vouch for the rest.
  for (const address of addresses) {
    const why = policy.refusal(host, port, address);
    if (why) throw new RefusedDestination(why);
  }
  // One address is connected (the one checked), so there is no fallback between families: prefer
  // IPv4, which every host that resolves both can reach.
  const chosen = addresses.find((a) => isIP(a) === 4) ?? addresses[0];
  if (chosen === undefined) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return canonicalAddress(chosen);
}

/** `$http` for scripts: `policy` decides which destinations are reachable. */
export function createOutboundHttp(policy: HttpPolicy = new HttpPolicy(), opts: OutboundHttpOptions = {}): (req: HttpRequest) => Promise<HttpResponse> {
  const dispatcher = policyDispatcher(policy);
  return (req) => performHttp(req, dispatcher, opts.maxResponseBytes);
}

let defaultDispatcher: Dispatcher | undefined;

/** One request; without a dispatcher, the default policy (no private or local addresses) applies. */
export async function performHttp(req: HttpRequest, dispatcher?: Dispatcher, maxResponseBytes = DEFAULT_MAX_HTTP_RESPONSE_BYTES): Promise<HttpResponse> {
  const timeout = Math.min(Math.max(1, req.timeoutMs || MAX_TIMEOUT_MS), MAX_TIMEOUT_MS);
  try {
    const res = await request(req.url, {
      method: req.method as "GET",
      headers: req.headers,
      body: req.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
      dispatcher: dispatcher ?? (defaultDispatcher ??= policyDispatcher(new HttpPolicy())),
    });
    const body = await readCapped(res.body, res.headers["content-length"], maxResponseBytes);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
    return { status: res.statusCode, headers, body };
  } catch (err) {
    const e = err as Error & { code?: string; name?: string; cause?: unknown };
    const refused = e instanceof RefusedDestination ? e : e.cause instanceof RefusedDestination ? e.cause : undefined;
    if (refused) return { status: -1, headers: {}, body: "", error: refused.message };
    if (e instanceof ResponseTooLarge) return { status: -1, headers: {}, body: "", error: e.message };
    const timedOut = e.name === "TimeoutError" || e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT";
    return { status: -1, headers: {}, body: "", error: timedOut ? "Read timed out" : e.message };
  }
}

/** The body as text, read only up to `max` bytes: a longer one (declared or streamed) stops the download. */
async function readCapped(body: Dispatcher.ResponseData["body"], declared: string | string[] | undefined, max: number): Promise<string> {
  const tooLarge = (): ResponseTooLarge => {
    body.destroy(); // closes the connection: nothing more is received
    return new ResponseTooLarge(`$http response body is larger than ${max} bytes`);
  };
  if (typeof declared === "string" && Number(declared) > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw tooLarge();
    chunks.push(buf);
  }
  // As undici's body.text(): UTF-8, a byte order mark dropped, bad sequences replaced.
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}
