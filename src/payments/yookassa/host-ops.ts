// The host side of `$yookassa` (jsapi/yookassa.js): one op per script call, answered with data, never
// an exception (as `$payment`). Without a configured shop every op says so, naming what to set.
import type { YooKassaResult, YooKassaService } from "./service.js";

/** The host ops `$yookassa` calls (jsapi/yookassa.js). */
export const YOOKASSA_OPS = ["yookassa.createPayment", "yookassa.charge", "yookassa.getPayment", "yookassa.capture", "yookassa.cancel", "yookassa.refund"] as const;

type Args = Record<string, unknown>;

/** What scripts get when no YooKassa shop is configured. */
export const NOT_CONFIGURED: YooKassaResult = {
  code: 503,
  ok: false,
  error: {
    error_code: "not_configured",
    user_message: "Оплата сейчас недоступна",
    error_description: "YooKassa is not configured: set YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY (or run with the local sandbox), see docs/yookassa.md",
  },
};

/** Answers `$yookassa`'s host ops through the project's YooKassa service; NOT_CONFIGURED without one. */
export function createYooKassaOps(service: () => YooKassaService | undefined): (op: string, args: unknown) => Promise<YooKassaResult> {
  return async (op, raw) => {
    const args = (raw ?? {}) as Args;
    if (typeof args !== "object" || Array.isArray(args)) throw new TypeError(`${op}: malformed host-call arguments`);
    const s = service();
    if (!(YOOKASSA_OPS as readonly string[]).includes(op)) throw new Error(`unknown host call: ${op}`);
    if (!s) return NOT_CONFIGURED;
    const user = typeof args.user === "string" ? args.user : "";
    switch (op) {
      case "yookassa.createPayment":
        return s.createPayment(user, args.args);
      case "yookassa.charge":
        return s.charge(user, args.args);
      case "yookassa.getPayment":
        return s.getPayment(args.ref);
      case "yookassa.capture":
        return s.capture(args.ref, args.amount);
      case "yookassa.cancel":
        return s.cancel(args.ref);
      default:
        return s.refund(args.ref, args.options);
    }
  };
}
