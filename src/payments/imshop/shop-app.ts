// The sandbox's shop app (docs/payments.md, "Webhook acquiring for shop apps"): plays IMSHOP's side of
// a card payment against a merchant webhook the way the mobile app does — `create`, open the
// acquirer's page, act on it as the payer, watch every redirect against `successRegex` /
// `failureRegex`, then `capture` — and returns what it saw, step by step.
import { request } from "undici";
import type { ImshopAnswer } from "./protocol.js";

/** What the sandbox's payer does on the acquirer's page. */
export type PayerAction = "pay" | "decline" | "abandon";

/** What the sandbox's shop app saw, step by step, and how the payment ended. */
export interface ShopAppRun {
  /** What the app did, one line per step, for a person reading the sandbox's output. */
  steps: string[];
  create: ImshopAnswer;
  redirects: string[];
  matched?: "success" | "failure";
  capture?: ImshopAnswer;
}

/** The merchant webhook to drive, its secret, the order and what the payer does. */
export interface ShopAppOptions {
  webhookUrl: string; // the merchant's payment webhook (ours: …/payments/imshop)
  secret: string;
  orderId: string;
  orderUuid: string;
  action: PayerAction;
  declineReason?: string;
  paymentMethodId?: string;
  /** Register the order first (POST …/orders), as the merchant's order webhook would have. */
  register?: { amount: number; description: string; receipt?: Record<string, unknown> };
}

/** POSTs one command to a merchant webhook as the app platform does: the status and the answer. */
export async function postCommand(webhookUrl: string, secret: string, body: unknown): Promise<{ status: number; answer: ImshopAnswer }> {
  const res = await request(webhookUrl, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, body: JSON.stringify(body) });
  return { status: res.statusCode, answer: (await res.body.json()) as ImshopAnswer };
}

/** Drives one card payment to its end; `capture` is sent when a regex matched success (as the app does). */
export async function runCardPayment(o: ShopAppOptions): Promise<ShopAppRun> {
  const method = o.paymentMethodId ?? "yookassa/card";
  const steps: string[] = [];
  if (o.register) {
    const res = await request(`${o.webhookUrl.replace(/\/+$/, "")}/orders`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${o.secret}` }, body: JSON.stringify({ orderId: o.orderId, ...o.register }) });
    const text = await res.body.text();
    steps.push(`register ${res.statusCode}${res.statusCode >= 400 ? ` ${text}` : ""}`);
  }
  const { status, answer: create } = await postCommand(o.webhookUrl, o.secret, { command: "create", paymentMethodId: method, orderUuid: o.orderUuid, orderId: o.orderId, returnUrl: "imshop://payment/failed" });
  const run: ShopAppRun = { steps, create, redirects: [] };
  if (!create.success || !("paymentUrl" in create)) {
    steps.push(`create ${status}: ${create.success ? "no paymentUrl" : create.error}`);
    return run;
  }
  steps.push(`create: payment ${create.paymentId}`, `open ${create.paymentUrl}`, `payer: ${o.action}`);
  const success = new RegExp(create.successRegex);
  const failure = new RegExp(create.failureRegex);

  const pageRes = await request(create.paymentUrl);
  const html = await pageRes.body.text();
  const action = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => decodeEntities(m[1]!)).find((a) => a.endsWith(`/${o.action}`));
  if (!action) throw new Error(`the acquirer's page at ${create.paymentUrl} has no "${o.action}" form`);
  let res = await request(new URL(action, create.paymentUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: o.action === "decline" ? `reason=${encodeURIComponent(o.declineReason ?? "insufficient_funds")}` : "",
  });
  // Follow redirects as the in-app browser does, looking at each URL before opening it.
  for (let hop = 0; hop < 8 && res.statusCode >= 300 && res.statusCode < 400; hop++) {
    const next = new URL(String(res.headers.location), run.redirects.at(-1) ?? create.paymentUrl).toString();
    await res.body.dump();
    run.redirects.push(next);
    steps.push(`redirect ${next}`);
    if (success.test(next)) run.matched = "success";
    else if (failure.test(next)) run.matched = "failure";
    if (run.matched) {
      steps.push(`${run.matched === "success" ? "successRegex" : "failureRegex"} matched`);
      break;
    }
    res = await request(next);
  }
  await res.body.dump().catch(() => undefined);
  if (!run.matched) steps.push("no regex matched: the app waits (a capture now is answered pending)");
  if (run.matched === "success") {
    const capture = (run.capture = (await postCommand(o.webhookUrl, o.secret, { command: "capture", paymentMethodId: method, paymentId: create.paymentId })).answer);
    steps.push(`capture: ${!capture.success ? `refused (${capture.error})` : "pending" in capture && capture.pending ? "pending" : "paymentCaptured" in capture && capture.paymentCaptured ? "captured" : "not captured"}`);
  }
  return run;
}

const decodeEntities = (s: string): string => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, "&");
