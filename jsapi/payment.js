// $payment and $reactions.pay (spec smartapp-api.md §6.4–§6.5; seed 003 is the document of record).
// Runs inside the script realm as the body of `function (host) {…}` (src/sandbox/platform.ts).
// SmartPay calls go through host.call to src/payments/host-ops.ts; bad input is answered here, in
// SmartPay's own error shape, without calling SmartPay. Plain ES5.
"use strict";

var CART = "smartMarketBucket"; // where SmartApp Code keeps the cart ($session.smartMarketBucket)
var ADDED = "smartMarketBucketAdded"; // the items as the script added them, for getItems()

function warn(message) {
  if (typeof host.log === "function") host.log("warn", message);
}

// Item fields of SmartPay's order_bundle (and the seed's invoice_params); anything else is a typo.
var ITEM_FIELDS = ["position_id", "name", "quantity", "item_amount", "currency", "item_code", "item_price", "tax_type", "tax_sum",
  "discount_type", "discount_value", "interest_type", "interest_value", "item_params", "invoice_params", "image"];

function Invalid(field, message) {
  this.field = field;
  this.message = message;
}

function invalid(field, message) {
  throw new Invalid(field, message);
}

function errorShape(field, message) {
  return {
    code: 400,
    error: { error_code: "400", user_message: "Некорректные данные платежа", error_description: field + ": " + message },
  };
}

function isArray(v) {
  return Object.prototype.toString.call(v) === "[object Array]";
}

function isObject(v) {
  return typeof v === "object" && v !== null && !isArray(v);
}

function isInt(v) {
  return typeof v === "number" && isFinite(v) && Math.floor(v) === v;
}

function text(obj, key, path) {
  var v = obj[key];
  if (typeof v !== "string" || v.replace(/\s+/g, "") === "") invalid(path + key, "is required (a non-empty string)");
  return v;
}

function optText(obj, key, path) {
  if (obj[key] === undefined || obj[key] === null) return undefined;
  if (typeof obj[key] !== "string") invalid(path + key, "must be a string");
  return obj[key];
}

/** Integer kopecks: money is never fractional. */
function kopecks(obj, key, path, required) {
  var v = obj[key];
  if (v === undefined || v === null) {
    if (required) invalid(path + key, "is required (integer kopecks)");
    return undefined;
  }
  if (!isInt(v) || v < 0) invalid(path + key, "must be a non-negative integer in kopecks, got " + JSON.stringify(v));
  return v;
}

function intRange(obj, key, path, min, max, required) {
  var v = obj[key];
  if (v === undefined || v === null) {
    if (required) invalid(path + key, "is required (an integer " + min + "–" + max + ")");
    return undefined;
  }
  if (!isInt(v) || v < min || v > max) invalid(path + key, "must be an integer " + min + "–" + max + ", got " + JSON.stringify(v));
  return v;
}

function nonNegative(obj, key, path) {
  var v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !isFinite(v) || v < 0) invalid(path + key, "must be a non-negative number, got " + JSON.stringify(v));
  return v;
}

function idText(obj, key, path) {
  var v = obj[key];
  if (typeof v === "number" && isFinite(v)) return String(v);
  if (typeof v !== "string" || v === "") invalid(path + key, "is required (a string)");
  return v;
}

function currency(obj, key, path) {
  var v = obj[key];
  if (typeof v !== "string" || !/^[A-Z]{3}$/.test(v)) invalid(path + key, "must be an ISO 4217 code such as RUB, got " + JSON.stringify(v));
  return v;
}

/** "+03" → "+03:00", so Date.parse reads the seed's short offsets. */
function normaliseOffset(v) {
  return v.replace(/([+-]\d{2})$/, "$1:00").replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

var DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function date(obj, key, path) {
  var v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !DATE_RE.test(v)) invalid(path + key, "must be an ISO 8601 date-time such as 2020-04-29T08:17:03+03, got " + JSON.stringify(v));
  return v;
}

/** {key, value} or a list of them (the seed passes one object) → a list of string pairs. */
function keyValues(v, path) {
  if (v === undefined || v === null) return undefined;
  var list = isArray(v) ? v : [v];
  var out = [];
  for (var i = 0; i < list.length; i++) {
    var p = list[i];
    var where = path + (isArray(v) ? "[" + i + "]" : "") + ".";
    if (!isObject(p)) invalid(path, "must be {key, value} or a list of them");
    if (typeof p.key !== "string" || p.key === "") invalid(where + "key", "is required (a non-empty string)");
    if (p.value === undefined || p.value === null || typeof p.value === "object") invalid(where + "value", "is required (a string)");
    out.push({ key: p.key, value: String(p.value) });
  }
  return out;
}

/** One cart position in SmartPay's order_bundle shape; unknown fields are dropped with a warning. */
function normaliseItem(raw, path, codes) {
  if (!isObject(raw)) invalid(path || "item", "must be an object");
  var unknown = [];
  for (var f in raw) if (Object.prototype.hasOwnProperty.call(raw, f) && ITEM_FIELDS.indexOf(f) < 0) unknown.push(f);
  if (unknown.length > 0) warn("$payment: item " + JSON.stringify(raw.item_code) + ": unknown field(s) " + unknown.join(", ") + " not sent to SmartPay (" + ITEM_FIELDS.join(", ") + ")");
  var item = {};
  item.name = text(raw, "name", path);
  if (!isObject(raw.quantity)) invalid(path + "quantity", "is required ({value, measure})");
  var q = raw.quantity.value;
  if (typeof q !== "number" || !isFinite(q) || q <= 0) invalid(path + "quantity.value", "must be a positive number (a decimal point is allowed), got " + JSON.stringify(q));
  item.quantity = { value: q, measure: text(raw.quantity, "measure", path + "quantity.") };
  item.item_amount = kopecks(raw, "item_amount", path, true);
  item.currency = currency(raw, "currency", path);
  item.item_code = idText(raw, "item_code", path);
  if (codes[item.item_code]) invalid(path + "item_code", "must be unique within the order; " + item.item_code + " is already in the cart");
  item.item_price = kopecks(raw, "item_price", path, true);
  item.tax_type = intRange(raw, "tax_type", path, 0, 7, true);
  var taxSum = kopecks(raw, "tax_sum", path, false);
  if (taxSum !== undefined) item.tax_sum = taxSum;

  var dType = raw.discount_type;
  var dValue = nonNegative(raw, "discount_value", path);
  if (dType !== undefined && dType !== null) {
    if (dType !== "percent" && dType !== "amount") invalid(path + "discount_type", "must be percent or amount, got " + JSON.stringify(dType));
    if (dValue === undefined) invalid(path + "discount_value", "is required with discount_type");
    if (dType === "percent" && dValue > 100) invalid(path + "discount_value", "must be at most 100 percent");
    item.discount_type = dType;
    item.discount_value = dValue;
  } else if (dValue !== undefined) {
    invalid(path + "discount_type", "is required with discount_value (percent or amount)");
  }

  var iType = optText(raw, "interest_type", path);
  var iValue = nonNegative(raw, "interest_value", path);
  if (iType !== undefined) item.interest_type = iType;
  if (iValue !== undefined) item.interest_value = iValue;

  // The seed names the item's parameters invoice_params; SmartPay calls them item_params.
  var params = keyValues(raw.item_params, path + "item_params");
  var seedParams = keyValues(raw.invoice_params, path + "invoice_params");
  if (params || seedParams) item.item_params = (params || []).concat(seedParams || []);

  if (raw.image !== undefined && raw.image !== null) {
    if ((typeof raw.image !== "string" || raw.image === "") && !isObject(raw.image)) invalid(path + "image", "must be a URL string");
    item.image = raw.image;
  }
  return item;
}

function cart() {
  var bucket = $session[CART];
  return isArray(bucket) ? bucket : [];
}

function codesOf(items) {
  var codes = {};
  for (var i = 0; i < items.length; i++) codes[String(items[i].item_code)] = true;
  return codes;
}

function copy(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Positions are numbered 1..n in cart order, whatever the script passed. */
function numbered(items, first) {
  var out = [];
  for (var i = 0; i < items.length; i++) {
    var it = copy(items[i]);
    var ordered = { position_id: (first || 1) + i };
    for (var k in it) if (Object.prototype.hasOwnProperty.call(it, k) && k !== "position_id") ordered[k] = it[k];
    out.push(ordered);
  }
  return out;
}

function sub() {
  var raw = $request && $request.rawRequest;
  var uuid = raw && raw.uuid;
  return uuid && typeof uuid.sub === "string" && uuid.sub !== "" ? uuid.sub : undefined;
}

function injector(key) {
  return typeof $injector === "object" && $injector !== null ? $injector[key] : undefined;
}

/**
 * What the host needs to find a token: the argument, and injector.pay_api_key as the last resort
 * when there is none or it is "$pay_api_key" (the order is in src/payments/host-ops.ts).
 */
function tokenArgs(token, args) {
  if (token !== undefined && token !== null) args.token = String(token);
  if ((args.token === undefined || args.token === "$pay_api_key") && injector("pay_api_key") !== undefined) args.injectorToken = String(injector("pay_api_key"));
  return args;
}

function buildInvoice(invoice) {
  if (!isObject(invoice)) invalid("invoice", "must be an object with an order");
  var ptype = invoice.ptype !== undefined ? invoice.ptype : isObject(invoice.order) ? invoice.order.ptype : undefined;
  if (ptype !== undefined && ptype !== 0) invalid("ptype", "SmartApp Code supports one-stage payments only (ptype 0)");
  var src = invoice.order;
  if (!isObject(src)) invalid("order", "is required");

  var items = cart().slice();
  if (items.length === 0 && isArray(src.order_bundle)) {
    var codes = {};
    for (var i = 0; i < src.order_bundle.length; i++) {
      var it = normaliseItem(src.order_bundle[i], "order.order_bundle[" + i + "].", codes);
      codes[it.item_code] = true;
      items.push(it);
    }
  }
  if (items.length === 0) invalid("order.order_bundle", "the cart is empty: add items with $payment.addItem");

  var order = {};
  order.order_id = idText(src, "order_id", "order.");
  if (src.order_number !== undefined && src.order_number !== null) {
    if (typeof src.order_number !== "string" && !isInt(src.order_number)) invalid("order.order_number", "must be a string or an integer");
    order.order_number = src.order_number;
  }
  order.order_date = date(src, "order_date", "order.") || new Date().toISOString();
  var serviceId = src.service_id !== undefined && src.service_id !== null && src.service_id !== "" ? src.service_id : injector("service_id");
  order.service_id = idText({ service_id: serviceId }, "service_id", "order.");
  order.amount = kopecks(src, "amount", "order.", true);
  var sum = 0;
  for (var j = 0; j < items.length; j++) sum += items[j].item_amount;
  if (order.amount !== sum) invalid("order.amount", "must equal the sum of item_amount in the cart (" + sum + "), got " + order.amount);
  if (order.amount === 0) invalid("order.amount", "must be positive");
  order.currency = currency(src, "currency", "order.");
  for (var c = 0; c < items.length; c++) {
    if (items[c].currency !== order.currency) invalid("order.currency", "is " + order.currency + " but item " + items[c].item_code + " is in " + items[c].currency);
  }
  order.purpose = text(src, "purpose", "order.");
  order.description = text(src, "description", "order.");
  order.language = text(src, "language", "order.");
  var expiration = date(src, "expiration_date", "order.");
  // A past expiration_date makes an invoice that is cancelled from birth.
  if (expiration && Date.parse(normaliseOffset(expiration)) <= Date.now()) invalid("order.expiration_date", "is in the past (" + expiration + "): the invoice could never be paid");
  if (expiration) order.expiration_date = expiration; // absent: SmartPay gives 20 minutes
  var autocompletion = date(src, "autocompletion_date", "order.");
  // autocompletion_date completes two-stage payments; SmartApp Code makes one-stage ones (ptype 0).
  if (autocompletion) warn("$payment.createPayment: order.autocompletion_date applies to two-stage payments only; not sent (ptype 0)");
  order.tax_system = intRange(src, "tax_system", "order.", 0, 5, true);
  order.order_bundle = numbered(items, 1);

  var out = {};
  if (invoice.purchaser !== undefined && invoice.purchaser !== null) out.purchaser = purchaser(invoice.purchaser);
  if (invoice.delivery_info !== undefined && invoice.delivery_info !== null) out.delivery_info = delivery(invoice.delivery_info);
  var params = keyValues(invoice.invoice_params, "invoice_params");
  if (params) out.invoice_params = params;
  out.order = order;

  var body = { ptype: 0, invoice: out };
  var user = userId(invoice.user_id);
  if (user) body.user_id = user;
  else if (sub()) body.user_id = { encrypted_sub_id: sub() }; // SmartStore lists only purchases made with a user_id
  return body;
}

// SmartPay's user_id names the buyer one way (docs): partner_client_id is the merchant's own client id,
// encrypted_sub_id the assistant's uuid.sub. A script may give its own: an object with one of these
// keys, or a string (the merchant's client id).
var USER_ID_KEYS = ["partner_client_id", "encrypted_sub_id", "user_uid", "partner_client_sub_id"];

function userId(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" || (typeof v === "number" && isFinite(v))) {
    if (String(v) === "") invalid("user_id", "must not be empty");
    return { partner_client_id: String(v) };
  }
  if (!isObject(v)) invalid("user_id", "must be {partner_client_id} or {encrypted_sub_id}, or the merchant's client id as a string");
  var out = {};
  var n = 0;
  for (var k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (USER_ID_KEYS.indexOf(k) < 0) invalid("user_id." + k, "is not a SmartPay user_id field (one of " + USER_ID_KEYS.join(", ") + ")");
    if ((typeof v[k] !== "string" && typeof v[k] !== "number") || String(v[k]) === "") invalid("user_id." + k, "must be a non-empty string");
    out[k] = String(v[k]);
    n++;
  }
  if (n === 0) invalid("user_id", "must have one of " + USER_ID_KEYS.join(", "));
  return out;
}

function purchaser(p) {
  if (!isObject(p)) invalid("purchaser", "must be an object");
  var out = {};
  if (p.email !== undefined && p.email !== null) {
    if (typeof p.email !== "string") invalid("purchaser.email", "must be a string (several addresses separated by \",\")");
    var emails = p.email.split(",");
    for (var i = 0; i < emails.length; i++) {
      if (!/^[^\s@]+@[^\s@]+$/.test(emails[i].replace(/^\s+|\s+$/g, ""))) invalid("purchaser.email", "is not an e-mail address: " + JSON.stringify(emails[i]));
    }
    out.email = p.email;
  }
  if (p.phone !== undefined && p.phone !== null) {
    var phone = isInt(p.phone) ? String(p.phone) : p.phone;
    // The docs: a string of at most 50 characters ("+7 (912) 345-67-89" is fine); it needs digits.
    if (typeof phone !== "string" || phone.length > 50 || !/\d/.test(phone) || !/^[\d\s()+\-.]+$/.test(phone)) {
      invalid("purchaser.phone", "must be a phone number of at most 50 characters (digits, spaces, + ( ) - .), got " + JSON.stringify(p.phone));
    }
    out.phone = phone;
  }
  if (out.email === undefined && out.phone === undefined) invalid("purchaser", "needs email or phone");
  var contact = optText(p, "contact", "purchaser.");
  if (contact !== undefined) out.contact = contact;
  return out;
}

function delivery(d) {
  if (!isObject(d)) invalid("delivery_info", "must be an object");
  if (!isObject(d.address)) invalid("delivery_info.address", "is required ({country, city, address})");
  var out = {
    address: {
      country: text(d.address, "country", "delivery_info.address."),
      city: text(d.address, "city", "delivery_info.address."),
      address: text(d.address, "address", "delivery_info.address."),
    },
    delivery_type: text(d, "delivery_type", "delivery_info."),
  };
  var description = optText(d, "description", "delivery_info.");
  if (description !== undefined) out.description = description;
  return out;
}

function storeError(field, message) {
  var e = errorShape(field, message);
  e.success = false;
  e.message = field + ": " + message;
  return e;
}

function validId(v) {
  return (typeof v === "string" && v !== "") || (typeof v === "number" && isFinite(v));
}

var payment = {
  /** Append one position to the cart; throws naming the field when it is not valid. */
  addItem: function (item) {
    var items = cart();
    var normal;
    try {
      normal = normaliseItem(item, "", codesOf(items));
    } catch (e) {
      if (e instanceof Invalid) throw new Error("$payment.addItem: " + (e.field || "item") + " " + e.message);
      throw e;
    }
    normal = numbered([normal], items.length + 1)[0];
    items.push(normal);
    $session[CART] = items;
    var added = isArray($session[ADDED]) && $session[ADDED].length === items.length - 1 ? $session[ADDED] : [];
    added.push(copy(item));
    $session[ADDED] = added;
    return copy(normal);
  },

  /** The items as they were added (the cart sent to SmartPay is $session.smartMarketBucket). */
  getItems: function () {
    var added = $session[ADDED];
    return copy(isArray(added) && added.length === cart().length ? added : cart());
  },

  clearItems: function () {
    $session[CART] = [];
    delete $session[ADDED];
  },

  /** POST /invoices with the cart as order.order_bundle; returns SmartPay's answer ({invoice_id, error}). */
  createPayment: function (invoice, token) {
    var body;
    try {
      body = buildInvoice(invoice);
    } catch (e) {
      if (e instanceof Invalid) return errorShape(e.field, e.message);
      throw e;
    }
    // The user whose dialog hears the payment's events (the payment core, docs/payments.md); the
    // engine sets it again outside the realm from the turn's request (src/engine/turn-user.ts).
    var user = $request && typeof $request.channelUserId === "string" ? $request.channelUserId : undefined;
    return host.call("payment.createPayment", tokenArgs(token, user ? { body: body, user: user } : { body: body }));
  },

  /**
   * GET /invoices/{id}; returns the whole answer (invoice_status, error, payment_info…). A long-poll:
   * checkPayment(id, token?, {inv_status, wait}) holds the answer while the status is inv_status, up to
   * `wait` seconds (within the call's budget, docs/payments.md).
   */
  checkPayment: function (invoiceId, token, poll) {
    if (isObject(token) && poll === undefined) {
      poll = token;
      token = undefined;
    }
    if (!validId(invoiceId)) return errorShape("invoice_id", "is required");
    var args = { invoiceId: String(invoiceId) };
    if (poll !== undefined && poll !== null) {
      if (!isObject(poll)) return errorShape("poll", "must be {inv_status, wait}");
      var st = poll.inv_status !== undefined ? poll.inv_status : poll.invStatus;
      if (st !== undefined && typeof st !== "string") return errorShape("inv_status", "must be a status name such as executed");
      if (poll.wait !== undefined && (typeof poll.wait !== "number" || !isFinite(poll.wait) || poll.wait < 0)) return errorShape("wait", "must be a number of seconds");
      if (st !== undefined) args.invStatus = st;
      if (poll.wait !== undefined) args.wait = poll.wait;
    }
    return host.call("payment.checkPayment", tokenArgs(token, args));
  },

  /**
   * A refund through the payment core (docs/payments.md, "Refunds"): refundPayment(invoiceId,
   * {amount, order_bundle, idempotency_key, reason}). `amount` in kopecks, default everything left;
   * `order_bundle` the items refunded (SmartPay requires it; for a refund of everything left the
   * invoice's own bundle is used). The key makes a repeat yield the same refund; by default it is the
   * request's messageId, so a retried request never refunds twice.
   */
  refundPayment: function (invoiceId, options) {
    if (!validId(invoiceId)) return errorShape("invoice_id", "is required");
    if (options !== undefined && options !== null && !isObject(options)) return errorShape("options", "must be {amount, order_bundle, idempotency_key, reason}");
    var o = options || {};
    if (o.amount !== undefined && (typeof o.amount !== "number" || !isFinite(o.amount) || o.amount <= 0 || Math.floor(o.amount) !== o.amount)) {
      return errorShape("amount", "must be a positive integer (kopecks)");
    }
    if (o.order_bundle !== undefined && !Array.isArray(o.order_bundle)) return errorShape("order_bundle", "must be a list of the items refunded");
    var key = o.idempotency_key !== undefined ? o.idempotency_key : o.idempotencyKey;
    if (key === undefined) {
      var mid = $request && $request.rawRequest && $request.rawRequest.messageId;
      if (mid === undefined || mid === null || mid === "") mid = $request && $request.questionId;
      if (mid === undefined || mid === null || mid === "") return errorShape("idempotency_key", "is required (the request has no messageId to derive it from)");
      key = "msg:" + String(mid) + ":" + (o.amount !== undefined ? o.amount : "rest");
    }
    if (typeof key !== "string" && typeof key !== "number") return errorShape("idempotency_key", "must be a string");
    var args = { invoiceId: String(invoiceId), idempotencyKey: String(key) };
    if (o.amount !== undefined) args.amount = o.amount;
    if (o.order_bundle !== undefined) args.details = { order_bundle: o.order_bundle };
    if (o.reason !== undefined) args.reason = String(o.reason);
    return host.call("payment.refundPayment", args);
  },

  /** SmartStore GET /items for the user of this request. Token first, then {page, size, sort, sortField}. */
  getUserItems: function (token, params) {
    if (isObject(token) && params === undefined) {
      params = token; // getUserItems({page: 1}) with the token configured elsewhere
      token = undefined;
    }
    var user = sub();
    if (!user) return storeError("uuid.sub", "the user is unknown ($request.rawRequest.uuid.sub is empty)");
    var p = {};
    if (params !== undefined && params !== null) {
      if (!isObject(params)) return storeError("params", "must be {page, size, sort, sortField}");
      var keys = ["page", "size", "sort", "sortField"];
      for (var i = 0; i < keys.length; i++) if (params[keys[i]] !== undefined && params[keys[i]] !== null) p[keys[i]] = params[keys[i]];
      if (p.sort !== undefined && !/^(ASC|DESC)$/i.test(String(p.sort))) return storeError("sort", "must be ASC or DESC");
    }
    if (injector("service_id") !== undefined) p.serviceId = String(injector("service_id"));
    return host.call("payment.getUserItems", tokenArgs(token, { userId: user, params: p }));
  },

  /** SmartStore GET /items/{code} for the user of this request (has quantities.quantity_value). */
  getUserItem: function (itemCode, token) {
    var user = sub();
    if (!user) return storeError("uuid.sub", "the user is unknown ($request.rawRequest.uuid.sub is empty)");
    if (!validId(itemCode)) return storeError("item_code", "is required");
    var args = { userId: user, code: String(itemCode) };
    if (injector("service_id") !== undefined) args.params = { serviceId: String(injector("service_id")) };
    return host.call("payment.getUserItem", tokenArgs(token, args));
  },
};

/** Ask the assistant to open the pay dialog: the raw POLICY_RUN_APP reply of §6.4. */
function pay(invoiceId) {
  if (!validId(invoiceId)) throw new Error("$reactions.pay: invoice_id is required");
  var raw = $request && $request.rawRequest;
  var appInfo = raw && raw.payload && raw.payload.app_info;
  var parameters = { invoice_id: String(invoiceId), app_info: {} };
  if (appInfo && appInfo.projectId !== undefined) parameters.app_info.projectId = appInfo.projectId;
  else warn("$reactions.pay: the request has no payload.app_info.projectId; the pay dialog gets no return address (app_info: {})");
  return host.pushReply({
    type: "raw",
    messageName: "POLICY_RUN_APP",
    body: { server_action: { app_info: { systemName: "payment_app" }, parameters: parameters } },
  });
}

host.define("$payment", payment);
// Scripts pass the secret's name: $payment.createPayment(order, $pay_api_key).
host.define("$pay_api_key", "$pay_api_key");
// reactions.js loads first; this keeps one pay() with the invoice_id check when payment.js is listed.
if (typeof $reactions === "object" && $reactions !== null) $reactions.pay = pay;
else host.define("$reactions", { pay: pay });
