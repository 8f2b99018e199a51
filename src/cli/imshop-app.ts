// `smartapp sandbox imshop-app`: asks a running sandbox's shop app (serve's, or `smartapp sandbox`'s)
// to pay one order through the merchant's webhook, and prints what the app did, step by step
// (docs/payments.md, "The sandbox plays the shop app").
import { request } from "undici";

/** Options of `smartapp sandbox imshop-app`: the sandbox, the order and what the emulated shop app does with it. */
export interface ImshopAppOptions {
  sandbox: string; // the sandbox's origin, as serve or `smartapp sandbox` prints it
  adminToken?: string;
  order: string;
  action: string;
  amount?: number;
  description?: string;
  webhook?: string;
  declineReason?: string;
  /** IMSHOP_SECRET from the CLI's config: sent only when a webhook is named (serve's sandbox knows its own). */
  secret?: string;
}

/** `smartapp sandbox imshop-app`: plays the shop app against the sandbox's webhook acquiring; the exit code. */
export async function imshopApp(o: ImshopAppOptions, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  if (!o.adminToken) {
    out("smartapp: the sandbox's admin token is needed: --token or SMARTAPP_SANDBOX_ADMIN_TOKEN (serve and `smartapp sandbox` print it)");
    return 2;
  }
  if (o.amount !== undefined && (!Number.isSafeInteger(o.amount) || o.amount <= 0)) {
    out("smartapp: --amount: a positive integer number of kopecks");
    return 2;
  }
  const body = {
    orderId: o.order,
    action: o.action,
    ...(o.webhook ? { webhookUrl: o.webhook, ...(o.secret ? { secret: o.secret } : {}) } : {}),
    ...(o.declineReason ? { declineReason: o.declineReason } : {}),
    ...(o.amount !== undefined ? { register: { amount: o.amount, description: o.description ?? `Заказ ${o.order}` } } : {}),
  };
  const url = `${o.sandbox.replace(/\/+$/, "")}/imshop-app/__sandbox/pay`;
  let res;
  try {
    res = await request(url, { method: "POST", headers: { "content-type": "application/json", "x-sandbox-admin-token": o.adminToken }, body: JSON.stringify(body) });
  } catch (err) {
    out(`smartapp: the sandbox at ${o.sandbox} does not answer: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const answer = (await res.body.json().catch(() => ({}))) as { steps?: string[]; error?: string; matched?: string; capture?: unknown };
  if (res.statusCode !== 200) {
    out(`smartapp: ${res.statusCode} ${answer.error ?? ""}`.trimEnd());
    return 1;
  }
  for (const step of answer.steps ?? []) out(step);
  return 0;
}
