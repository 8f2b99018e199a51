// Starting an HTTP app on a host and port: the webhook, the SmartPay sandbox and the YooKassa
// emulator all listen the same way and report the same kind of origin.
import type { Server } from "node:http";
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
