// The pay-dialog emulator: plays the assistant and payment_app after the smartapp answered
// POLICY_RUN_APP (spec §4, §8). It moves the sandbox invoice the way the chosen outcome would,
// then re-enters the smartapp with PAY_DIALOG_FINISHED (§4.3) and returns the webhook's answer.
import { request as httpRequest } from "undici";
import { isSafeNumber, parse as parseLossless, stringify as stringifyLossless } from "lossless-json";
import { SandboxError, type SandboxCore } from "./core.js";

/** How the emulated pay dialog ends (PayDialogStatuses). */
export type PayOutcome = "success" | "close-before-pay" | "close-after-pay" | "decline" | "expired" | "busy" | "error" | "unknown" | "unavailable";

/** response_code per outcome (PayDialogStatuses, §4.4). */
export const RESPONSE_CODES: Record<PayOutcome, number> = {
  success: 0,
  error: 1,
  "close-before-pay": 2,
  "close-after-pay": 2,
  busy: 3,
  expired: 4,
  decline: 5,
  unknown: 6,
  unavailable: 7,
};

/** Every PayOutcome. */
export const PAY_OUTCOMES = Object.keys(RESPONSE_CODES) as PayOutcome[];

type Json = Record<string, unknown>;

/** The webhook, the request and POLICY_RUN_APP answer that opened the dialog, and the outcome to play. */
export interface PayDialogInput {
  webhookUrl: string;
  /** The SmartApp API request the webhook answered (ids may be bigint/string to keep precision). */
  request: Json;
  /** The webhook's POLICY_RUN_APP answer. */
  answer: Json;
  outcome: PayOutcome;
  /** messageName of the re-entry: RUN_APP (default, §4.3) or SERVER_ACTION. */
  messageName?: "RUN_APP" | "SERVER_ACTION";
  /** "unknown": the invoice settles to confirmed after this long. Default 1000 ms. */
  settleMs?: number;
  timeoutMs?: number;
}

/**
 * What the emulated dialog did: the response code, the invoice after it, and the webhook's answer to
 * PAY_DIALOG_FINISHED.
 */
export interface PayDialogResult {
  responseCode: number;
  invoiceId: string;
  invoiceStatus?: string; // after the dialog, before the webhook ran
  sent: Json; // the PAY_DIALOG_FINISHED request
  status: number; // the webhook's HTTP status
  answer: unknown; // the webhook's answer, parsed exactly
}

/** JSON with integers beyond 2^53 kept as bigint (messageId can be that large). */
export function parseExact(text: string): unknown {
  return parseLossless(text, null, (v: string) => (isSafeNumber(v) ? Number(v) : BigInt(v)));
}

/** JSON text with big integers kept exact (the SmartApp API's ids exceed 2^53). */
export function stringifyExact(value: unknown): string {
  return stringifyLossless(value) ?? "null";
}

const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** The invoice id a POLICY_RUN_APP answer asks payment_app to pay; throws when it is not one. */
export function invoiceIdOf(answer: Json): string {
  const action = obj(obj(answer.payload).server_action);
  if (answer.messageName !== "POLICY_RUN_APP" || obj(action.app_info).systemName !== "payment_app") {
    throw new SandboxError(400, "the answer is not a POLICY_RUN_APP for payment_app");
  }
  const id = obj(action.parameters).invoice_id;
  if ((typeof id !== "string" || id === "") && typeof id !== "number" && typeof id !== "bigint") throw new SandboxError(400, "POLICY_RUN_APP carries no invoice_id");
  return String(id);
}

function nextMessageId(id: unknown): bigint {
  if (typeof id === "bigint") return id + 1n;
  if ((typeof id === "number" && Number.isInteger(id)) || (typeof id === "string" && /^\d+$/.test(id))) return BigInt(id) + 1n;
  throw new SandboxError(400, "the request has no integer messageId");
}

/** The PAY_DIALOG_FINISHED re-entry, exactly the §4.3 shape. Keys whose source is absent are omitted. */
export function buildPayDialogFinished(request: Json, answer: Json, invoiceId: string, responseCode: number, messageName: "RUN_APP" | "SERVER_ACTION" = "RUN_APP"): Json {
  const reqPayload = obj(request.payload);
  const callerProjectId = obj(obj(obj(obj(answer.payload).server_action).parameters).app_info).projectId ?? obj(reqPayload.app_info).projectId;
  const payload: Json = { intent: "run_app", new_session: false };
  for (const key of ["projectName", "app_info", "character", "device", "meta"]) if (reqPayload[key] !== undefined) payload[key] = reqPayload[key];
  payload.server_action = {
    action_id: "PAY_DIALOG_FINISHED",
    parameters: {
      payment_response: { response_code: responseCode, invoice_id: invoiceId },
      app_info: callerProjectId === undefined ? { systemName: "payment_app" } : { projectId: callerProjectId, systemName: "payment_app" },
    },
  };
  return {
    messageName,
    sessionId: request.sessionId,
    messageId: nextMessageId(answer.messageId ?? request.messageId),
    uuid: request.uuid,
    payload,
  };
}

/** Outcomes in which the payer gets as far as paying; the others leave the invoice alone. */
const PAYING: ReadonlySet<PayOutcome> = new Set(["success", "close-after-pay", "decline", "unknown"]);

/**
 * The response_code the assistant reports when the invoice cannot be paid at all (it still returns
 * to the smartapp, spec §4.3): 4 timesUp when it expired, 3 anotherPay while another payment of it is
 * in progress, 1 unexpectedError otherwise (cancelled, already paid, unknown id).
 */
function unpayableCode(core: SandboxCore, invoiceId: string): { responseCode: number; status?: string } | undefined {
  let rec;
  try {
    rec = core.get(invoiceId);
  } catch {
    return { responseCode: RESPONSE_CODES.error };
  }
  if (rec.status === "created") return undefined;
  if (rec.status === "cancelled" && core.clock.now() >= rec.expiresAt) return { responseCode: RESPONSE_CODES.expired, status: rec.status };
  if (rec.status === "executed") return { responseCode: RESPONSE_CODES.busy, status: rec.status };
  return { responseCode: RESPONSE_CODES.error, status: rec.status };
}

/** Move the invoice as the outcome says (§8 table). Returns the response_code and the status afterwards. */
function playOutcome(core: SandboxCore, invoiceId: string, outcome: PayOutcome, payer: Record<string, string> | undefined, settleMs: number): { responseCode: number; status?: string } {
  if (PAYING.has(outcome) || outcome === "expired") {
    const unpayable = unpayableCode(core, invoiceId);
    if (unpayable) return unpayable;
  }
  const status = ((): string | undefined => {
    switch (outcome) {
      case "success":
      case "close-after-pay":
        core.startPayment(invoiceId, { user_id: payer });
        return core.apply(invoiceId, { type: "SUCCESS" }).status;
      case "decline":
        core.startPayment(invoiceId, { user_id: payer });
        return core.apply(invoiceId, { type: "DECLINE" }).status;
      case "expired":
        return core.apply(invoiceId, { type: "EXPIRE" }).status;
      case "unknown":
        core.startPayment(invoiceId, { user_id: payer });
        core.later(settleMs, invoiceId, { type: "SUCCESS" });
        return "executed";
      case "close-before-pay":
      case "busy":
      case "error":
      case "unavailable":
        try {
          return core.get(invoiceId).status; // the dialog did nothing to the invoice
        } catch {
          return undefined;
        }
    }
  })();
  return { responseCode: RESPONSE_CODES[outcome], status };
}

function checkOutcome(outcome: unknown): asserts outcome is PayOutcome {
  if (typeof outcome !== "string" || !(outcome in RESPONSE_CODES)) throw new SandboxError(400, `unknown outcome ${String(outcome)}; one of ${PAY_OUTCOMES.join(", ")}`);
}

/** The dialog's effect on the invoice without the re-entry: {responseCode, invoiceStatus}. */
export function playPayDialog(core: SandboxCore, invoiceId: string, outcome: PayOutcome, opts: { payer?: string; settleMs?: number } = {}): { responseCode: number; invoiceId: string; invoiceStatus?: string } {
  checkOutcome(outcome);
  const payer = opts.payer ? { encrypted_sub_id: opts.payer } : undefined; // the assistant knows its user by uuid.sub
  const played = playOutcome(core, invoiceId, outcome, payer, opts.settleMs ?? 1000);
  return { responseCode: played.responseCode, invoiceId, invoiceStatus: played.status };
}

/**
 * Over HTTP, for a sandbox in another process: move the invoice as `outcome` says and return the
 * response_code the dialog would report. `sandboxUrl` is the sandbox origin (or its /smartpay/v1 base).
 */
export async function payDialog(opts: { sandboxUrl: string; adminToken: string; invoiceId: string; outcome: PayOutcome; payer?: string; settleMs?: number }): Promise<number> {
  const origin = opts.sandboxUrl.replace(/\/+$/, "").replace(/\/smartpay\/v\d+$/, "");
  const res = await httpRequest(`${origin}/__sandbox/invoices/${encodeURIComponent(opts.invoiceId)}/pay`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-sandbox-admin-token": opts.adminToken },
    body: JSON.stringify({ outcome: opts.outcome, payer: opts.payer, settleMs: opts.settleMs }),
  });
  const body = (await res.body.json()) as { responseCode?: number; error?: string };
  if (res.statusCode !== 200 || typeof body.responseCode !== "number") throw new Error(`pay dialog: ${body.error ?? `HTTP ${res.statusCode}`}`);
  return body.responseCode;
}

/**
 * Plays the pay dialog: moves the sandbox invoice as the outcome would, then sends PAY_DIALOG_FINISHED to the
 * webhook.
 */
export async function runPayDialog(core: SandboxCore, input: PayDialogInput): Promise<PayDialogResult> {
  checkOutcome(input.outcome);
  const invoiceId = invoiceIdOf(input.answer);
  const sub = obj(input.request.uuid).sub;
  const payer = typeof sub === "string" && sub !== "" ? { encrypted_sub_id: sub } : undefined;
  const played = playOutcome(core, invoiceId, input.outcome, payer, input.settleMs ?? 1000);
  const { responseCode, status: invoiceStatus } = played;
  const sent = buildPayDialogFinished(input.request, input.answer, invoiceId, responseCode, input.messageName);

  const timeout = input.timeoutMs ?? 7000; // the assistant's own budget (§1)
  const res = await httpRequest(input.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: stringifyExact(sent),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const text = await res.body.text();
  let answer: unknown = text;
  try {
    answer = text === "" ? undefined : parseExact(text);
  } catch {
    // not JSON: hand the text back as is
  }
  return { responseCode, invoiceId, invoiceStatus, sent, status: res.statusCode, answer };
}
