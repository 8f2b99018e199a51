// Starting an HTTP app on a host and port: the webhook, the SmartPay sandbox and the YooKassa
// emulator all listen the same way and report the same kind of origin.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface Listenable {
  listen(port: number, host: string, callback: (err?: Error) => void): Server;
}

/** Listens on `host:port` (port 0: a free one) and resolves with the server and its `http://` origin. */
export async function listenHttp(app: Listenable, port: number, host: string): Promise<{ server: Server; origin: string }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const actual = (server.address() as AddressInfo).port;
  return { server, origin: `http://${host.includes(":") ? `[${host}]` : host}:${actual}` };
}

/**
 * How long the sandbox's and the emulator's servers wait for a request's headers and body. They
 * run in the `serve` process, on its host: with node's defaults (300 s per request, checked every
 * 30 s) a client trickling bytes held each connection and its socket for five minutes, so a few
 * thousand of them used up the file descriptors the webhook needs (docs/security.md, "Limits").
 * A long-poll's wait comes after the request is in and is not counted.
 */
export const DEFAULT_APP_REQUEST_TIMEOUT_MS = 10_000;

/** How a server started by listenApp treats slow and idle connections. */
export interface ConnectionLimits {
  /** Time for a request's headers and body; default DEFAULT_APP_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** A socket that stayed idle this long is destroyed; default node's (none). */
  idleTimeoutMs?: number;
}

/** listenHttp for a request handler (an express app, the webhook's handler), its server bounded by `limits`. */
export function listenApp(handler: RequestListener, port: number, host: string, limits: ConnectionLimits = {}): Promise<{ server: Server; origin: string }> {
  const requestTimeout = limits.requestTimeoutMs ?? DEFAULT_APP_REQUEST_TIMEOUT_MS;
  return listenHttp(
    {
      listen: (p, h, cb) => {
        const server = createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, Math.max(100, requestTimeout / 4)) }, handler);
        // With no 'timeout' listener, node destroys a socket that stayed idle this long.
        if (limits.idleTimeoutMs !== undefined) server.setTimeout(limits.idleTimeoutMs);
        let done = false;
        const once = (err?: Error): void => {
          if (done) return;
          done = true;
          cb(err);
        };
        server.once("error", once); // a busy port reaches the callback, as with express's app.listen
        return server.listen(p, h, () => once());
      },
    },
    port,
    host,
  );
}
