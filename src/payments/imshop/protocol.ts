// IMSHOP.IO "acquiring through a webhook" (docs/payments.md, "Webhook acquiring for shop apps"): the
// four commands the shop app's platform POSTs to the merchant's payment webhook, and the answers, in
// the protocol's own shapes. Pure: checking a request never touches the ledger.

/** The commands of webhook acquiring. */
export type ImshopCommandName = "create" | "applepay" | "androidpay" | "capture";

/** `create`: start paying an order on the acquirer's page. */
export interface CreateCommand {
  command: "create";
  paymentMethodId: string;
  orderUuid: string;
  orderId: string;
  returnUrl?: string; // the app's deep link for a cancelled payment (e.g. imshop://payment/failed)
}

/** `applepay`/`androidpay`: pay an order with a wallet token the app obtained. */
export interface WalletCommand {
  command: "applepay" | "androidpay";
  paymentMethodId: string;
  orderUuid: string;
  orderId: string;
  cryptogram: string; // applePayData / androidPayData, base64
}

/** `capture`: take the money of a payment that was held. */
export interface CaptureCommand {
  command: "capture";
  paymentMethodId: string;
  paymentId: string;
}

/** A checked command of the shop app's platform. */
export type ImshopCommand = CreateCommand | WalletCommand | CaptureCommand;

/** The answer to `create`: the page to pay on and the redirects that tell success from failure. */
export interface CreateAnswer {
  success: true;
  paymentId: string;
  paymentUrl: string;
  successRegex: string;
  failureRegex: string;
}

/**
 * The answer to a wallet payment or a capture: whether the money was taken, or `pending` when it is not
 * decided yet.
 */
export interface ChargeAnswer {
  success: true;
  paymentId: string;
  paymentCaptured: boolean;
  pending?: true;
}

/** A refused command: the reason, and for an order paid already the payment that took the money. */
export interface FailureAnswer {
  success: false;
  paymentId?: string;
  /** true only for a `create` of an order paid already: the app learns its money was taken. */
  paymentCaptured?: boolean;
  error: string;
}

/** What the merchant's webhook answers the app's platform. */
export type ImshopAnswer = CreateAnswer | ChargeAnswer | FailureAnswer;

/** The asynchronous status POSTed to the sync URL once a `pending` capture is decided. */
export interface SyncStatus {
  orderId: string;
  paymentId: string;
  success: true; // "the message is handled"; the outcome is paymentCaptured
  paymentCaptured: boolean;
  retry?: boolean; // with paymentCaptured false: the user may pay again (the app starts from create)
}

/** A request body checked: the command, or why it is refused. */
export type Checked = { ok: true; command: ImshopCommand } | { ok: false; error: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

// Ids travel into SQL keys, URLs and logs: short printable strings only.
const ID = /^[\x21-\x7e]{1,128}$/;

function id(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== "string" || !ID.test(v)) throw new TypeError(`${key}: expected a string of 1–128 printable ASCII characters, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return v === "" ? "an empty string" : `"${v.slice(0, 40)}${v.length > 40 ? "…" : ""}"`;
  return v === null ? "null" : typeof v;
}

const MAX_CRYPTOGRAM = 16 * 1024;

/** Pure: a request body as one of the four commands, or the reason it is not one. */
export function checkCommand(body: unknown): Checked {
  try {
    if (!isObject(body)) return { ok: false, error: "expected a JSON object with a command" };
    const name = body.command;
    switch (name) {
      case "create": {
        const out: CreateCommand = { command: "create", paymentMethodId: id(body, "paymentMethodId"), orderUuid: id(body, "orderUuid"), orderId: id(body, "orderId") };
        if (body.returnUrl !== undefined) {
          if (typeof body.returnUrl !== "string" || body.returnUrl.length > 2048) throw new TypeError("returnUrl: expected a string of at most 2048 characters");
          out.returnUrl = body.returnUrl;
        }
        return { ok: true, command: out };
      }
      case "applepay":
      case "androidpay": {
        // The seed's field lists of the two wallets are swapped; its JSON examples are right (docs/payments.md).
        const field = name === "applepay" ? "applePayData" : "androidPayData";
        const data = body[field];
        if (typeof data !== "string" || data === "" || data.length > MAX_CRYPTOGRAM || !/^[A-Za-z0-9+/=_-]+$/.test(data)) {
          throw new TypeError(`${field}: expected the wallet's cryptogram in base64 (at most ${MAX_CRYPTOGRAM} characters), got ${describe(data)}`);
        }
        return { ok: true, command: { command: name, paymentMethodId: id(body, "paymentMethodId"), orderUuid: id(body, "orderUuid"), orderId: id(body, "orderId"), cryptogram: data } };
      }
      case "capture":
        return { ok: true, command: { command: "capture", paymentMethodId: id(body, "paymentMethodId"), paymentId: id(body, "paymentId") } };
      default:
        return { ok: false, error: `command: expected create, applepay, androidpay or capture, got ${describe(name)}` };
    }
  } catch (err) {
    if (err instanceof TypeError) return { ok: false, error: err.message };
    throw err;
  }
}

/** A FailureAnswer with the reason; with the payment when one exists. */
export const failure = (error: string, paymentId?: string, captured = false): FailureAnswer => ({ success: false, ...(paymentId ? { paymentId, paymentCaptured: captured } : {}), error });

/**
 * The redirect URLs the app watches after the acquirer's page (`successRegex`/`failureRegex`). The
 * runtime's own landing page sends the payer to one of them once the payment is decided, so the
 * expressions match only those (ECMAScript, unanchored, as an app would test them).
 */
export const DONE_PATH = "/payments/imshop/done";
/** What successRegex matches: the landing page's redirect of a paid order. */
export const SUCCESS_REGEX = "payments/imshop/done/([^/?#]+)/success";
/** What failureRegex matches: the landing page's redirect of an order that was not paid. */
export const FAILURE_REGEX = "payments/imshop/done/([^/?#]+)/failed";
