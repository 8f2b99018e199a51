// Whose payment it is (docs/payments.md, "Whose payment it is"): the host calls that attribute a
// payment or an order to a dialog — whose dialog hears its `payment.*` events — take the user of the
// request the channel gave. The realm's $request is the script's to change, so a scenario, or a
// user's words flowing into one, could otherwise name another user and raise events in their dialog.
import type { HostServices } from "./types.js";

/** The host calls whose `user` argument is the dialog a payment belongs to. */
export const USER_BOUND_OPS: ReadonlySet<string> = new Set(["payment.createPayment", "yookassa.createPayment", "yookassa.charge", "imshop.registerOrder"]);

/** `services` with the `user` of USER_BOUND_OPS replaced by the turn's own (`user()`; none: no user). */
export function bindTurnUser(services: HostServices, user: () => string | undefined): HostServices {
  return {
    ...services,
    call: (op, args) => {
      if (!USER_BOUND_OPS.has(op) || typeof args !== "object" || args === null || Array.isArray(args)) return services.call(op, args);
      const bound: Record<string, unknown> = { ...(args as Record<string, unknown>) };
      const who = user();
      if (who === undefined) delete bound.user;
      else bound.user = who;
      return services.call(op, bound);
    },
  };
}
