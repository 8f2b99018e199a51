// Real outbound HTTP for `$http` in the server and the REPL, run on the main thread (undici).
import { request } from "undici";
import type { HttpRequest, HttpResponse } from "../engine/types.js";

const MAX_TIMEOUT_MS = 25_000; // the platform's cap on $http timeouts

export async function performHttp(req: HttpRequest): Promise<HttpResponse> {
  const timeout = Math.min(Math.max(1, req.timeoutMs || MAX_TIMEOUT_MS), MAX_TIMEOUT_MS);
  try {
    const res = await request(req.url, {
      method: req.method as "GET",
      headers: req.headers,
      body: req.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    const body = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
    return { status: res.statusCode, headers, body };
  } catch (err) {
    const e = err as Error & { code?: string; name?: string };
    const timedOut = e.name === "TimeoutError" || e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT";
    return { status: -1, headers: {}, body: "", error: timedOut ? "Read timed out" : e.message };
  }
}
