// The host side of `$imshop` (jsapi/imshop.js): a scenario registers an order the shop app will pay,
// linked to the dialog's user, so the `payment.*` events of its payments come to that user's dialog
// (docs/payments.md, "Webhook acquiring for shop apps"). Answered with data, never an exception.
import { checkOrder } from "./router.js";
import type { ImshopOrder, ImshopOrders } from "./store.js";

/** The host ops `$imshop` calls (jsapi/imshop.js). */
export const IMSHOP_OPS = ["imshop.registerOrder", "imshop.getOrder"] as const;

/** What `$imshop` answers scripts: the order (and whether this call registered it), or why not. */
export type ImshopOpResult = { ok: true; created?: boolean; order: ImshopOrder } | { ok: false; error: string };

/** What scripts get when webhook acquiring is not configured. */
export const IMSHOP_NOT_CONFIGURED: ImshopOpResult = { ok: false, error: "webhook acquiring is not configured: set IMSHOP_SECRET (docs/payments.md, \"Webhook acquiring for shop apps\")" };

type Args = Record<string, unknown>;

/** Answers `$imshop`'s host ops from the order store; IMSHOP_NOT_CONFIGURED without one. */
export function createImshopOps(store: () => ImshopOrders | undefined, now: () => number = Date.now): (op: string, args: unknown) => Promise<ImshopOpResult> {
  return async (op, raw) => {
    if (!(IMSHOP_OPS as readonly string[]).includes(op)) throw new Error(`unknown host call: ${op}`);
    const args = (raw ?? {}) as Args;
    if (typeof args !== "object" || Array.isArray(args)) throw new TypeError(`${op}: malformed host-call arguments`);
    const s = store();
    if (!s) return IMSHOP_NOT_CONFIGURED;
    if (op === "imshop.getOrder") {
      const order = typeof args.orderId === "string" ? await s.order(args.orderId) : undefined;
      return order ? { ok: true, order } : { ok: false, error: `order ${String(args.orderId)} is not registered` };
    }
    // The link is the turn's own user, never one the script names: a scenario cannot hand its
    // order's events to another dialog.
    if (typeof args.user !== "string" || args.user === "") return { ok: false, error: "$imshop.registerOrder: no dialog user in this turn" };
    const order = args.order;
    if (typeof order !== "object" || order === null || Array.isArray(order)) return { ok: false, error: "$imshop.registerOrder: pass {orderId, amount (kopecks), description, currency?, receipt?}" };
    if ("user" in order) return { ok: false, error: "$imshop.registerOrder: user is the dialog's own user; leave it out" };
    const checked = checkOrder({ ...order, user: args.user });
    if (!checked.ok) return { ok: false, error: `$imshop.registerOrder: ${checked.error}` };
    const out = await s.addOrder(checked.order, new Date(now()).toISOString());
    if ("conflict" in out) return { ok: false, error: `order ${checked.order.orderId} is registered with other terms; a changed order needs a new orderId` };
    return { ok: true, created: out.created, order: out.order };
  };
}
