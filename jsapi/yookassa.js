// $yookassa: payments through YooKassa (docs/yookassa.md, "Scripts: $yookassa"). Runs inside the script
// realm as the body of `function (host) {…}` (src/sandbox/platform.ts). Every call goes to the host
// (src/payments/yookassa/host-ops.ts), which checks the arguments, records the payment in the payment
// core and answers data: {code, ok, …} or {code, ok: false, error: {error_code, user_message,
// error_description}}. Money is integer kopecks, as in $payment. Plain ES5.
"use strict";

function isObject(v) {
  return typeof v === "object" && v !== null && Object.prototype.toString.call(v) !== "[object Array]";
}

/** The user whose dialog hears the payment's events (event!: payment.succeeded …); the engine sets it again from the turn's request. */
function user() {
  return $request && typeof $request.channelUserId === "string" ? $request.channelUserId : undefined;
}

/** Kopecks → the Salebot-style amount: 4400 → "44", 4450 → "44.5". */
function major(minor) {
  return String(Math.round(minor) / 100);
}

var yookassa = {
  /** A payment link: {orderId, amount, description, capture?, savePaymentMethod?, receipt?, metadata?} → {confirmationUrl, button, …}. */
  createPayment: function (args) {
    return host.call("yookassa.createPayment", { user: user(), args: args });
  },

  /** An autopayment: charge a saved method ({paymentMethodId, orderId, amount, description, …}); no link. */
  charge: function (args) {
    return host.call("yookassa.charge", { user: user(), args: args });
  },

  /** The order's payment as YooKassa has it now. `ref`: the orderId, or {paymentId}. */
  getPayment: function (ref) {
    return host.call("yookassa.getPayment", { ref: ref });
  },

  /** Take a held payment (capture: false), whole or `amount` kopecks of it. */
  capture: function (ref, amount) {
    return host.call("yookassa.capture", amount === undefined ? { ref: ref } : { ref: ref, amount: amount });
  },

  /** Release a held payment. */
  cancel: function (ref) {
    return host.call("yookassa.cancel", { ref: ref });
  },

  /** Refund {amount?, refundId?, description?}: the rest when no amount; the same refundId is the same refund. */
  refund: function (ref, options) {
    return host.call("yookassa.refund", { ref: ref, options: options === undefined ? {} : options });
  },

  /** Show the payment link as a button: $yookassa.payButton($yookassa.createPayment({...}), "Оплатить 900 ₽"). */
  payButton: function (payment, text) {
    if (!isObject(payment) || typeof payment.confirmationUrl !== "string") {
      var why = isObject(payment) && isObject(payment.error) ? payment.error.error_description : isObject(payment) ? "the payment is " + payment.status : "no payment given";
      throw new Error("$yookassa.payButton: no payment link (" + why + ")");
    }
    return $reactions.inlineButtons({ text: typeof text === "string" && text !== "" ? text : "Оплатить", url: payment.confirmationUrl });
  },

  /**
   * The Salebot-style callback text of a payment event ("<key>_success 44", "<key>_fail 44"), for
   * scenarios written against it. Only a rendering of the typed event: a user typing it is just text.
   */
  callbackText: function (eventData, key) {
    if (!isObject(eventData) || !isObject(eventData.amount)) throw new Error("$yookassa.callbackText: pass $request.data.eventData of a payment event");
    if (typeof key !== "string" || key === "") throw new Error("$yookassa.callbackText: key is required (the prefix your scenario matches)");
    var minor = isObject(eventData.captured) ? eventData.captured.minor : eventData.amount.minor;
    var ok = eventData.status === "paid" || eventData.status === "awaiting_capture";
    return key + (ok ? "_success " : "_fail ") + major(minor);
  },
};

host.define("$yookassa", yookassa);
