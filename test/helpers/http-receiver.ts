// A real local HTTP endpoint standing in for a URL the runtime POSTs JSON to (the merchant's
// notification URL, the app platform's sync URL). The merchant-webhook unit tests and the payment
// end-to-end tests all need the same thing: the exact bytes of every accepted POST, and a say over
// the status (an outage, a slow or flaky receiver). One receiver keeps them honest in the same way.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received<B> {
  body: B;
  headers: IncomingHttpHeaders;
  raw: string;
}

export interface ReceiverOptions<B> {
  /** The path put in the URL `start` resolves to; the receiver answers on every path. Default `/hook`. */
  path?: string;
  /** The status to answer this request with (it may wait first: a slow receiver). Default 200. */
  answer?: (req: Received<B>) => number | Promise<number>;
  /** The response body of an answer. Default empty. */
  text?: string;
}

export interface Receiver<B> {
  /** Every request answered with a 2xx, in the order they were answered: what the receiver accepted. */
  got: Received<B>[];
  /** Listens on 127.0.0.1 on a free port; resolves to the full URL (with `path`). */
  start: () => Promise<string>;
  stop: () => Promise<void>;
}

export function httpReceiver<B = unknown>(opts: ReceiverOptions<B> = {}): Receiver<B> {
  const got: Received<B>[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const received: Received<B> = { body: JSON.parse(raw) as B, headers: req.headers, raw };
      void Promise.resolve(opts.answer ? opts.answer(received) : 200).then((status) => {
        // Recorded when answered, not when received: a refused try was not delivered.
        if (status >= 200 && status < 300) got.push(received);
        res.writeHead(status).end(opts.text ?? "");
      });
    });
  });
  return {
    got,
    start: () => new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}${opts.path ?? "/hook"}`))),
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
