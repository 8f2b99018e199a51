// $imshop: orders paid in the shop's mobile app through webhook acquiring (docs/payments.md, "Webhook
// acquiring for shop apps"). Runs inside the script realm as the body of `function (host) {…}`
// (src/sandbox/platform.ts). The host (src/payments/imshop/host-ops.ts) registers the order linked
// to this turn's user, so `event!: payment.succeeded` of its payment reaches this dialog. Answers
// data: {ok: true, created, order} or {ok: false, error}. Money is integer kopecks. Plain ES5.
"use strict";

// The engine sets it again outside the realm from the turn's request (src/engine/turn-user.ts).
function user() {
  return $request && typeof $request.channelUserId === "string" ? $request.channelUserId : undefined;
}

var imshop = {
  /** {orderId, amount, description, currency?, receipt?} → the order, linked to this dialog's user. */
  registerOrder: function (order) {
    return host.call("imshop.registerOrder", { user: user(), order: order });
  },

  /** The registered order by its id (orderId, amount, description, try, …). */
  getOrder: function (orderId) {
    return host.call("imshop.getOrder", { orderId: orderId });
  },
};

host.define("$imshop", imshop);
