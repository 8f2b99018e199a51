// $reactions (spec §5.5, replies §6). Platform module: `function (host) { … }` (docs/sandbox.md).
"use strict";

function text(v) {
  return host.render(v === undefined || v === null ? "" : String(v));
}
function target(path) {
  return host.resolvePath(host.currentState(), text(path));
}
function isObj(x) {
  return x !== null && typeof x === "object";
}
function copyFields(src, dst, skip) {
  for (var k in src) if (Object.prototype.hasOwnProperty.call(src, k) && !(k in skip)) dst[k] = src[k];
  return dst;
}

/** One button of any accepted form → {text, transition?, url?, …} with the transition made absolute. */
function button(b) {
  if (!isObj(b)) return { text: text(b) };
  if (isObj(b.button)) b = b.button;
  var out = copyFields(b, {}, { text: 1, transition: 1 });
  out.text = text(b.text);
  if (b.transition !== undefined && b.transition !== null && b.transition !== "") out.transition = target(b.transition);
  return out;
}
function buttonList(args) {
  var list = [];
  for (var i = 0; i < args.length; i++) {
    var a = args[i];
    if (Array.isArray(a)) for (var j = 0; j < a.length; j++) list.push(button(a[j]));
    else if (a !== undefined && a !== null) list.push(button(a));
  }
  return list;
}

/** "30 seconds", "5m", "1 hour", "3 sec", 180 → seconds. */
function intervalSeconds(v) {
  if (typeof v === "number") return v;
  var m = /^\s*(\d+(?:\.\d+)?)\s*([a-zа-яё]*)\s*$/i.exec(String(v));
  if (!m) throw new Error("Bad timeout interval: " + v);
  var n = Number(m[1]);
  var unit = m[2].toLowerCase();
  if (unit === "" || /^(s|sec|secs|second|seconds|с|сек|секунд[аы]?)$/.test(unit)) return n;
  if (/^(m|min|mins|minute|minutes|мин|минут[аы]?)$/.test(unit)) return n * 60;
  if (/^(h|hr|hrs|hour|hours|ч|час|часа|часов)$/.test(unit)) return n * 3600;
  if (/^(ms|millis|milliseconds)$/.test(unit)) return n / 1000;
  throw new Error("Bad timeout interval: " + v);
}

function media(type, field, x, extra) {
  var reply = { type: type };
  if (isObj(x)) {
    copyFields(x, reply, { url: 1, type: 1 });
    reply[field] = text(x[field] !== undefined ? x[field] : x.url);
  } else {
    reply[field] = text(x);
  }
  if (extra) copyFields(extra, reply, {});
  return host.pushReply(reply);
}

var $reactions = {
  answer: function (x) {
    var reply = { type: "text" };
    if (isObj(x)) {
      copyFields(x, reply, { value: 1, text: 1 });
      reply.text = text(x.value !== undefined ? x.value : x.text);
      if (typeof reply.markdown === "string") reply.markdown = text(reply.markdown);
      if (typeof reply.tts === "string") reply.tts = text(reply.tts);
    } else {
      reply.text = text(x);
    }
    return host.pushReply(reply);
  },
  buttons: function () {
    return host.pushReply({ type: "buttons", buttons: buttonList(arguments) });
  },
  inlineButtons: function () {
    return host.pushReply({ type: "inlineButtons", buttons: buttonList(arguments) });
  },
  /** Only records the request; the engine takes it after the call (a later call wins). */
  transition: function (x) {
    var value = isObj(x) ? x.value : x;
    var deferred = isObj(x) ? !!x.deferred : false;
    host.turn().transition = { value: target(value), deferred: deferred };
  },
  image: function (x) {
    return media("image", "imageUrl", x);
  },
  audio: function (x) {
    return media("audio", "audioUrl", x);
  },
  video: function (x) {
    return media("video", "videoUrl", x);
  },
  location: function (lat, lon) {
    return host.pushReply({ type: "location", lat: Number(lat), lon: Number(lon) });
  },
  timeout: function (x) {
    if (!isObj(x)) throw new Error("$reactions.timeout expects {interval, targetState}");
    return host.pushReply({ type: "timeout", interval: intervalSeconds(x.interval), targetState: target(x.targetState) });
  },
  random: function (n) {
    var forced = host.context().request.data.smartRandom;
    if (Array.isArray(forced) && forced.length) return Number(forced.shift());
    if (typeof forced === "number") return forced;
    return host.random(n);
  },
  newSession: function (params) {
    host.newSession(params);
  },
  template: function (str, scope) {
    return isObj(scope) ? host.render(String(str), scope) : host.render(String(str));
  },
  pushReply: function (reply) {
    return host.pushReply(reply);
  },
  setClientTimezone: function (tz) {
    var ctx = host.context();
    if (!isObj(ctx.client)) ctx.client = {};
    ctx.client.timezone = String(tz);
  },
  /** SmartApp Code: hand the invoice to the pay dialog (smartapp-api.md §6.4). jsapi/payment.js may replace it. */
  pay: function (invoiceId) {
    if ((typeof invoiceId !== "string" || invoiceId === "") && (typeof invoiceId !== "number" || !isFinite(invoiceId))) {
      throw new Error("$reactions.pay: invoice_id is required");
    }
    var raw = host.context().request.rawRequest;
    var appInfo = raw && raw.payload && raw.payload.app_info;
    var params = { invoice_id: String(invoiceId) };
    params.app_info = { projectId: appInfo && appInfo.projectId !== undefined ? appInfo.projectId : undefined };
    return host.pushReply({
      type: "raw",
      messageName: "POLICY_RUN_APP",
      body: { server_action: { app_info: { systemName: "payment_app" }, parameters: params } },
    });
  },
};
host.define("$reactions", $reactions);
host.define("__intervalSeconds", intervalSeconds);
