// Globals of the platform's ES6 runtime (Node 20) that scripts and npm packages use, in pure JS
// over the host channel (docs/sandbox.md, "ES6 modules"): atob/btoa, TextEncoder/TextDecoder,
// queueMicrotask, Buffer, timers on a virtual clock, and fetch (with Request, Response, Headers) /
// XMLHttpRequest through host.http — the same destination policy as $http; no socket is ever
// opened here.
"use strict";
var G = globalThis;
var CALL_LIMIT = 15;
var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function define(name, value) {
  host.define(name, value);
}

define("btoa", function btoa(s) {
  s = String(s);
  var out = "";
  for (var i = 0; i < s.length; i += 3) {
    var a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
    if (a > 255 || b > 255 || c > 255) throw new Error("btoa: the string contains characters outside of the Latin1 range");
    var n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < s.length ? B64[n & 63] : "=");
  }
  return out;
});
define("atob", function atob(s) {
  s = String(s).replace(/[\s=]/g, "").replace(/-/g, "+").replace(/_/g, "/");
  var out = "";
  var bits = 0, acc = 0;
  for (var i = 0; i < s.length; i++) {
    var v = B64.indexOf(s[i]);
    if (v < 0) throw new Error("atob: the string to be decoded is not correctly encoded");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 255);
    }
  }
  return out;
});

function TextEncoder() {}
TextEncoder.prototype.encoding = "utf-8";
TextEncoder.prototype.encode = function (s) {
  var bin = unescape(encodeURIComponent(String(s === undefined ? "" : s)));
  var out = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};
function TextDecoder() {}
TextDecoder.prototype.encoding = "utf-8";
TextDecoder.prototype.decode = function (buf) {
  if (buf === undefined) return "";
  var bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  var bin = "";
  for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  try {
    return decodeURIComponent(escape(bin));
  } catch (e) {
    return bin;
  }
};
define("TextEncoder", TextEncoder);
define("TextDecoder", TextDecoder);
define("queueMicrotask", function queueMicrotask(fn) {
  Promise.resolve().then(function () {
    fn();
  });
});

// ---- timers: a virtual clock. Nothing waits: when an awaited scriptEs6 block has nothing else to
// do, the host asks for the next timer (host.onIdle), which fires at once. ----
var timers = [];
var nextTimer = 1;
var clock = 0;
function addTimer(fn, ms, args, repeat) {
  if (typeof fn !== "function") throw new TypeError("The callback must be a function");
  var delay = Math.max(0, Number(ms) || 0);
  var t = { id: nextTimer++, fn: fn, args: args, at: clock + delay, every: repeat ? Math.max(1, delay) : 0 };
  timers.push(t);
  return t.id;
}
function clearTimer(id) {
  for (var i = 0; i < timers.length; i++) if (timers[i].id === id) timers.splice(i, 1);
}
define("setTimeout", function setTimeout(fn, ms) {
  return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), false);
});
define("setInterval", function setInterval(fn, ms) {
  return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), true);
});
define("setImmediate", function setImmediate(fn) {
  return addTimer(fn, 0, Array.prototype.slice.call(arguments, 1), false);
});
define("clearTimeout", clearTimer);
define("clearInterval", clearTimer);
define("clearImmediate", clearTimer);
host.onIdle(function () {
  if (!timers.length) return false;
  var first = 0;
  for (var i = 1; i < timers.length; i++) if (timers[i].at < timers[first].at || (timers[i].at === timers[first].at && timers[i].id < timers[first].id)) first = i;
  var t = timers[first];
  clock = Math.max(clock, t.at);
  if (t.every) t.at = clock + t.every;
  else timers.splice(first, 1);
  t.fn.apply(G, t.args);
  return true;
});

// ---- HTTP: fetch and XMLHttpRequest over host.http ----
function countCall() {
  var turn = host.turn();
  turn.httpCalls = (turn.httpCalls || 0) + 1;
  return turn.httpCalls <= CALL_LIMIT;
}
function bodyText(body) {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new TextDecoder().decode(body);
  return String(body);
}
function Headers(init) {
  this._map = {};
  if (!init) return;
  if (init instanceof Headers) init = init._map;
  if (Array.isArray(init)) for (var i = 0; i < init.length; i++) this.append(init[i][0], init[i][1]);
  else for (var k in init) if (Object.prototype.hasOwnProperty.call(init, k)) this.append(k, init[k]);
}
Headers.prototype.append = function (k, v) {
  k = String(k).toLowerCase();
  this._map[k] = this._map[k] === undefined ? String(v) : this._map[k] + ", " + v;
};
Headers.prototype.set = function (k, v) {
  this._map[String(k).toLowerCase()] = String(v);
};
Headers.prototype.get = function (k) {
  var v = this._map[String(k).toLowerCase()];
  return v === undefined ? null : v;
};
Headers.prototype.has = function (k) {
  return this._map[String(k).toLowerCase()] !== undefined;
};
Headers.prototype["delete"] = function (k) {
  delete this._map[String(k).toLowerCase()];
};
Headers.prototype.forEach = function (fn, self) {
  for (var k in this._map) fn.call(self, this._map[k], k, this);
};
Headers.prototype.entries = function () {
  var map = this._map;
  var pairs = Object.keys(map).map(function (k) {
    return [k, map[k]];
  });
  return pairs[Symbol.iterator]();
};
Headers.prototype.keys = function () {
  return Object.keys(this._map)[Symbol.iterator]();
};
Headers.prototype[Symbol.iterator] = Headers.prototype.entries;

function Response(body, init) {
  init = init || {};
  this._body = body === undefined || body === null ? "" : String(body);
  this.status = init.status === undefined ? 200 : init.status;
  this.statusText = init.statusText || "";
  this.ok = this.status >= 200 && this.status < 300;
  this.headers = new Headers(init.headers);
  this.url = init.url || "";
  this.bodyUsed = false;
}
Response.prototype.text = function () {
  this.bodyUsed = true;
  return Promise.resolve(this._body);
};
Response.prototype.json = function () {
  var self = this;
  return this.text().then(function (t) {
    return JSON.parse(t);
  }, function (e) {
    throw e;
  }).then(function (v) {
    void self;
    return v;
  });
};
Response.prototype.arrayBuffer = function () {
  this.bodyUsed = true;
  return Promise.resolve(new TextEncoder().encode(this._body).buffer);
};
Response.prototype.clone = function () {
  return new Response(this._body, { status: this.status, statusText: this.statusText, headers: this.headers, url: this.url });
};
// Request: what fetch takes besides a URL; SDKs (openai) check that the global exists at load.
function Request(input, init) {
  init = init || {};
  var from = input instanceof Request ? input : null;
  this.url = from ? from.url : String(input);
  this.method = String(init.method || (from ? from.method : "GET")).toUpperCase();
  this.headers = new Headers(init.headers || (from ? from.headers : undefined));
  var body = init.body !== undefined ? init.body : from ? from._body : undefined;
  this._body = bodyText(body);
  this.signal = init.signal || (from ? from.signal : undefined);
  this.bodyUsed = false;
}
Request.prototype.text = function () {
  this.bodyUsed = true;
  return Promise.resolve(this._body === undefined ? "" : this._body);
};
Request.prototype.json = function () {
  return this.text().then(JSON.parse);
};
Request.prototype.clone = function () {
  return new Request(this);
};
define("Headers", Headers);
define("Response", Response);
define("Request", Request);

function send(method, url, headers, body, timeoutMs) {
  if (!countCall()) return { status: -1, headers: {}, body: "", error: "Callback limit reached" };
  var req = { method: String(method || "GET").toUpperCase(), url: String(url), headers: headers, timeoutMs: timeoutMs || 10000 };
  var text = bodyText(body);
  if (text !== undefined) req.body = text;
  return host.http(req);
}

define("fetch", function fetch(input, init) {
  init = init || {};
  try {
    var req = input instanceof Request ? new Request(input, init) : null;
    var url = req ? req.url : typeof input === "string" ? input : input && input.url ? input.url : String(input);
    var headers = {};
    (req ? req.headers : new Headers(init.headers)).forEach(function (v, k) {
      headers[k] = v;
    });
    var res = send(req ? req.method : init.method, url, headers, req ? req._body : init.body);
    if (res.status <= 0) return Promise.reject(new TypeError("fetch failed: " + (res.error || "network error")));
    return Promise.resolve(new Response(res.body, { status: res.status, headers: res.headers, url: url }));
  } catch (e) {
    return Promise.reject(e);
  }
});

function XMLHttpRequest() {
  this.readyState = 0;
  this.status = 0;
  this.statusText = "";
  this.responseText = "";
  this.response = null;
  this.responseType = "";
  this.timeout = 0;
  this.withCredentials = false;
  this.onreadystatechange = this.onload = this.onloadend = this.onerror = this.ontimeout = this.onabort = null;
  this.upload = { addEventListener: function () {} };
  this._headers = {};
  this._resHeaders = {};
  this._listeners = {};
}
XMLHttpRequest.UNSENT = 0;
XMLHttpRequest.OPENED = 1;
XMLHttpRequest.DONE = 4;
XMLHttpRequest.prototype.open = function (method, url) {
  this._method = method;
  this._url = url;
  this.readyState = 1;
};
XMLHttpRequest.prototype.setRequestHeader = function (k, v) {
  this._headers[k] = String(v);
};
XMLHttpRequest.prototype.getResponseHeader = function (k) {
  var v = this._resHeaders[String(k).toLowerCase()];
  return v === undefined ? null : v;
};
XMLHttpRequest.prototype.getAllResponseHeaders = function () {
  var out = "";
  for (var k in this._resHeaders) out += k + ": " + this._resHeaders[k] + "\r\n";
  return out;
};
XMLHttpRequest.prototype.addEventListener = function (type, fn) {
  (this._listeners[type] = this._listeners[type] || []).push(fn);
};
XMLHttpRequest.prototype.removeEventListener = function () {};
XMLHttpRequest.prototype.abort = function () {
  this._aborted = true;
};
XMLHttpRequest.prototype._fire = function (type) {
  var ev = { type: type, target: this };
  if (typeof this["on" + type] === "function") this["on" + type](ev);
  var list = this._listeners[type] || [];
  for (var i = 0; i < list.length; i++) list[i].call(this, ev);
};
XMLHttpRequest.prototype.send = function (body) {
  var self = this;
  var res = send(this._method, this._url, this._headers, body, this.timeout || undefined);
  // Settled after the caller's synchronous code, as a real request would be.
  Promise.resolve().then(function () {
    if (self._aborted) return;
    self.readyState = 4;
    if (res.status <= 0) {
      self.status = 0;
      self._fire(/timeout/i.test(res.error || "") ? "timeout" : "error");
      self._fire("loadend");
      return;
    }
    self.status = res.status;
    self.statusText = String(res.status);
    var h = res.headers || {};
    for (var k in h) self._resHeaders[k.toLowerCase()] = h[k];
    self.responseText = res.body || "";
    if (self.responseType === "json") {
      try {
        self.response = JSON.parse(self.responseText);
      } catch (e) {
        self.response = null;
      }
    } else self.response = self.responseText;
    self._fire("readystatechange");
    self._fire("load");
    self._fire("loadend");
  });
};
define("XMLHttpRequest", XMLHttpRequest);

// ---- URL and URLSearchParams (the WHATWG API as scripts use it: parse, resolve, query strings) ----
function formEncode(s) {
  return encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, function (c) {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase();
  });
}
function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch (e) {
    return s;
  }
}
function URLSearchParams(init) {
  /** @type {string[][]} [name, value] pairs in order */
  this._list = [];
  this._url = null;
  if (init === undefined || init === null) return;
  if (init instanceof URLSearchParams) this._list = init._list.map(function (p) { return [p[0], p[1]]; });
  else if (typeof init === "object") {
    if (typeof init[Symbol.iterator] === "function") {
      var it = Array.from(init);
      for (var i = 0; i < it.length; i++) this._list.push([String(it[i][0]), String(it[i][1])]);
    } else for (var k in init) if (Object.prototype.hasOwnProperty.call(init, k)) this._list.push([k, String(init[k])]);
  } else this._parse(String(init));
}
URLSearchParams.prototype._parse = function (s) {
  this._list = [];
  s = s.charAt(0) === "?" ? s.slice(1) : s;
  if (!s) return;
  var parts = s.split("&");
  for (var i = 0; i < parts.length; i++) {
    if (!parts[i]) continue;
    var eq = parts[i].indexOf("=");
    this._list.push(eq < 0 ? [formDecode(parts[i]), ""] : [formDecode(parts[i].slice(0, eq)), formDecode(parts[i].slice(eq + 1))]);
  }
};
URLSearchParams.prototype._changed = function () {
  if (this._url) this._url._search = this._list.length ? "?" + this.toString() : "";
};
URLSearchParams.prototype.append = function (k, v) {
  this._list.push([String(k), String(v)]);
  this._changed();
};
URLSearchParams.prototype["delete"] = function (k) {
  k = String(k);
  this._list = this._list.filter(function (p) { return p[0] !== k; });
  this._changed();
};
URLSearchParams.prototype.get = function (k) {
  for (var i = 0; i < this._list.length; i++) if (this._list[i][0] === String(k)) return this._list[i][1];
  return null;
};
URLSearchParams.prototype.getAll = function (k) {
  return this._list.filter(function (p) { return p[0] === String(k); }).map(function (p) { return p[1]; });
};
URLSearchParams.prototype.has = function (k) {
  return this.get(k) !== null;
};
URLSearchParams.prototype.set = function (k, v) {
  k = String(k);
  var i = this._list.findIndex(function (p) { return p[0] === k; });
  if (i < 0) this._list.push([k, String(v)]);
  else {
    this._list[i][1] = String(v);
    this._list = this._list.filter(function (p, j) { return j <= i || p[0] !== k; });
  }
  this._changed();
};
URLSearchParams.prototype.sort = function () {
  this._list.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  this._changed();
};
URLSearchParams.prototype.forEach = function (fn, self) {
  for (var i = 0; i < this._list.length; i++) fn.call(self, this._list[i][1], this._list[i][0], this);
};
URLSearchParams.prototype.entries = function () {
  return this._list.map(function (p) { return [p[0], p[1]]; })[Symbol.iterator]();
};
URLSearchParams.prototype.keys = function () {
  return this._list.map(function (p) { return p[0]; })[Symbol.iterator]();
};
URLSearchParams.prototype.values = function () {
  return this._list.map(function (p) { return p[1]; })[Symbol.iterator]();
};
URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;
URLSearchParams.prototype.toString = function () {
  return this._list.map(function (p) { return formEncode(p[0]) + "=" + formEncode(p[1]); }).join("&");
};
Object.defineProperty(URLSearchParams.prototype, "size", { get: function () { return this._list.length; } });

var URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;
var DEFAULT_PORTS = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21" };
function removeDots(path) {
  var out = [];
  var segs = path.split("/");
  for (var i = 0; i < segs.length; i++) {
    var s = segs[i];
    if (s === ".") {
      if (i === segs.length - 1) out.push("");
    } else if (s === "..") {
      if (out.length > 1) out.pop();
      if (i === segs.length - 1) out.push("");
    } else out.push(s);
  }
  return out.join("/");
}
function encodePath(p) {
  return p.replace(/[ "<>`{}]/g, function (c) { return encodeURIComponent(c); });
}
/**
 * A URL with the accessors urlProp puts on URL.prototype below.
 * @typedef {URL & { href: string, protocol: string, username: string, password: string, hostname: string, port: string, host: string, origin: string, pathname: string, search: string, searchParams: URLSearchParams, hash: string }} WebURL
 */
function URL(input, base) {
  input = String(input).trim();
  var m = URL_RE.exec(input);
  if (!m && base !== undefined) {
    var b = /** @type {WebURL} */ (base instanceof URL ? base : new URL(base));
    var abs;
    if (input.slice(0, 2) === "//") abs = b.protocol + input;
    else if (input.charAt(0) === "/") abs = b.origin + input;
    else if (input.charAt(0) === "?") abs = b.origin + b.pathname + input;
    else if (input.charAt(0) === "#") abs = b.origin + b.pathname + b.search + input;
    else if (input === "") abs = b.origin + b.pathname + b.search;
    else abs = b.origin + b.pathname.replace(/[^/]*$/, "") + input;
    m = URL_RE.exec(abs);
  }
  if (!m) throw new TypeError("Invalid URL: " + input);
  this._protocol = m[1].toLowerCase() + ":";
  this._username = m[2] || "";
  this._password = m[3] || "";
  this._hostname = (m[4] || "").toLowerCase();
  this._port = m[5] && m[5] !== DEFAULT_PORTS[this._protocol] ? m[5] : "";
  var special = DEFAULT_PORTS[this._protocol] !== undefined || this._protocol === "file:";
  if (special && !this._hostname && this._protocol !== "file:") throw new TypeError("Invalid URL: " + input);
  var path = encodePath(m[6] || "");
  this._pathname = special ? removeDots(path.charAt(0) === "/" ? path : "/" + path) : path;
  this._search = m[7] && m[7] !== "?" ? encodePath(m[7]) : "";
  this._hash = m[8] && m[8] !== "#" ? encodePath(m[8]) : "";
  this._params = new URLSearchParams(this._search);
  this._params._url = this;
}
/**
 * @param {string} name
 * @param {(this: WebURL) => unknown} get
 * @param {(this: WebURL, v: any) => void} [set]
 */
function urlProp(name, get, set) {
  Object.defineProperty(URL.prototype, name, { get: get, set: set, enumerable: true, configurable: true });
}
urlProp("protocol", function () { return this._protocol; }, function (v) { this._protocol = String(v).replace(/:?$/, ":").toLowerCase(); });
urlProp("username", function () { return this._username; }, function (v) { this._username = String(v); });
urlProp("password", function () { return this._password; }, function (v) { this._password = String(v); });
urlProp("hostname", function () { return this._hostname; }, function (v) { this._hostname = String(v).toLowerCase(); });
urlProp("port", function () { return this._port; }, function (v) { v = String(v); this._port = v === DEFAULT_PORTS[this._protocol] ? "" : v; });
urlProp("host", function () { return this._hostname + (this._port ? ":" + this._port : ""); }, function (v) {
  var parts = String(v).split(":");
  this._hostname = parts[0].toLowerCase();
  this._port = parts[1] || "";
});
urlProp("origin", function () { return DEFAULT_PORTS[this._protocol] !== undefined ? this._protocol + "//" + this.host : "null"; });
urlProp("pathname", function () { return this._pathname; }, function (v) { v = encodePath(String(v)); this._pathname = v.charAt(0) === "/" ? v : "/" + v; });
urlProp("search", function () { return this._search; }, function (v) {
  v = String(v);
  this._search = v && v !== "?" ? (v.charAt(0) === "?" ? v : "?" + v) : "";
  this._params._parse(this._search);
});
urlProp("searchParams", function () { return this._params; });
urlProp("hash", function () { return this._hash; }, function (v) { v = String(v); this._hash = v && v !== "#" ? (v.charAt(0) === "#" ? v : "#" + v) : ""; });
urlProp("href", function () {
  var auth = this._username || this._password ? this._username + (this._password ? ":" + this._password : "") + "@" : "";
  var authority = this._hostname || this._protocol === "file:" || DEFAULT_PORTS[this._protocol] !== undefined ? "//" + auth + this.host : "";
  return this._protocol + authority + this._pathname + this._search + this._hash;
}, function (v) {
  URL.call(this, v);
});
URL.prototype.toString = URL.prototype.toJSON = /** @this {WebURL} */ function () {
  return this.href;
};
URL.canParse = function (input, base) {
  try {
    new URL(input, base);
    return true;
  } catch (e) {
    return false;
  }
};
define("URL", URL);
define("URLSearchParams", URLSearchParams);

// ---- Buffer: Node's byte array (a Uint8Array) for the packages that encode with it (base64, hex,
// utf8 conversions); the encodings Node names, no pooling, no streams. ----
var HEX = "0123456789abcdef";
function normEncoding(enc) {
  var e = enc === undefined || enc === null ? "utf8" : String(enc).toLowerCase();
  switch (e) {
    case "utf8":
    case "utf-8":
      return "utf8";
    case "base64":
    case "base64url":
    case "hex":
    case "ascii":
      return e;
    case "latin1":
    case "binary":
      return "latin1";
    case "ucs2":
    case "ucs-2":
    case "utf16le":
    case "utf-16le":
      return "utf16le";
  }
  return undefined;
}
function needEncoding(enc) {
  var e = normEncoding(enc);
  if (!e) {
    var err = /** @type {TypeError & { code?: string }} */ (new TypeError("Unknown encoding: " + enc));
    err.code = "ERR_UNKNOWN_ENCODING";
    throw err;
  }
  return e;
}
function utf8Bytes(s) {
  var out = [];
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      var d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate, as Node writes it
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}
function utf8Text(bytes, start, end) {
  var out = "";
  var i = start;
  while (i < end) {
    var b = bytes[i];
    var need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    var cp = need === 0 ? b : need === 1 ? b & 31 : need === 2 ? b & 15 : b & 7;
    var ok = need >= 0 && i + need < end;
    for (var k = 1; ok && k <= need; k++) {
      var cb = bytes[i + k];
      if ((cb & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cb & 63);
    }
    if (ok && ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
    if (!ok) {
      out += "\ufffd";
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}
function base64Bytes(s) {
  s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, "");
  var out = [];
  var bits = 0, acc = 0;
  for (var i = 0; i < s.length; i++) {
    var ch = s[i] === "-" ? "+" : s[i] === "_" ? "/" : s[i];
    acc = ((acc << 6) | B64.indexOf(ch)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 255);
    }
  }
  return out;
}
function bytesFromString(s, enc) {
  var e = needEncoding(enc);
  var i, out;
  if (e === "utf8") return utf8Bytes(s);
  if (e === "base64" || e === "base64url") return base64Bytes(s);
  if (e === "hex") {
    out = [];
    for (i = 0; i + 1 < s.length; i += 2) {
      var v = parseInt(s.substr(i, 2), 16);
      if (isNaN(v)) break;
      out.push(v);
    }
    return out;
  }
  out = [];
  for (i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (e === "utf16le") out.push(c & 255, c >> 8);
    else out.push(c & 255);
  }
  return out;
}
// A class, so that Uint8Array methods that build a new array (subarray, map, filter) build a Buffer.
class Buffer extends Uint8Array {
  constructor(value, encodingOrOffset, length) {
    if (typeof value === "string") super(bytesFromString(value, encodingOrOffset));
    else if (value instanceof ArrayBuffer) super(value, encodingOrOffset || 0, length === undefined ? value.byteLength - (encodingOrOffset || 0) : length);
    else super(value);
  }
}
function makeBuffer(bufferOrLength, offset, length) {
  return typeof bufferOrLength === "number" ? new Buffer(bufferOrLength) : new Buffer(bufferOrLength, offset, length);
}
function fromBytes(bytes) {
  var buf = makeBuffer(bytes.length);
  for (var i = 0; i < bytes.length; i++) buf[i] = bytes[i];
  return buf;
}
Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === "string") return fromBytes(bytesFromString(value, encodingOrOffset));
  if (value instanceof ArrayBuffer) return makeBuffer(value, encodingOrOffset || 0, length === undefined ? value.byteLength - (encodingOrOffset || 0) : length);
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return fromBytes(value);
  if (value && value.type === "Buffer" && Array.isArray(value.data)) return fromBytes(value.data);
  if (value && typeof value === "object" && typeof value.length === "number") return fromBytes(value);
  throw new TypeError("The first argument must be of type string, Buffer, ArrayBuffer, Array, or Array-like Object. Received " + typeof value);
};
Buffer.alloc = function alloc(size, fill, encoding) {
  var buf = makeBuffer(size);
  if (fill !== undefined && fill !== 0) buf.fill(fill, 0, size, encoding);
  return buf;
};
Buffer.allocUnsafe = Buffer.allocUnsafeSlow = function allocUnsafe(size) {
  return makeBuffer(size);
};
Buffer.isBuffer = function isBuffer(x) {
  return x instanceof Buffer;
};
Buffer.isEncoding = function isEncoding(enc) {
  return typeof enc === "string" && normEncoding(enc) !== undefined;
};
Buffer.byteLength = function byteLength(value, enc) {
  if (typeof value !== "string") return value.byteLength;
  return bytesFromString(value, enc).length;
};
Buffer.concat = function concat(list, totalLength) {
  var total = 0, i;
  for (i = 0; i < list.length; i++) total += list[i].length;
  var buf = makeBuffer(totalLength === undefined ? total : totalLength);
  var at = 0;
  for (i = 0; i < list.length && at < buf.length; i++) {
    var part = list[i].length > buf.length - at ? list[i].subarray(0, buf.length - at) : list[i];
    buf.set(part, at);
    at += part.length;
  }
  return buf;
};
Buffer.compare = function compare(a, b) {
  return a.compare(b);
};
Buffer.prototype.toString = function toString(enc, start, end) {
  var e = needEncoding(enc);
  start = Math.max(0, start | 0);
  end = end === undefined ? this.length : Math.min(this.length, end | 0);
  var out = "", i;
  if (e === "utf8") return utf8Text(this, start, end);
  if (e === "hex") {
    for (i = start; i < end; i++) out += HEX[this[i] >> 4] + HEX[this[i] & 15];
    return out;
  }
  if (e === "base64" || e === "base64url") {
    for (i = start; i < end; i += 3) out += String.fromCharCode(this[i], i + 1 < end ? this[i + 1] : 0, i + 2 < end ? this[i + 2] : 0);
    var b64 = btoa(out);
    var pad = (3 - ((end - start) % 3)) % 3;
    if (pad) b64 = b64.slice(0, b64.length - pad) + (e === "base64" ? "==".slice(0, pad) : "");
    return e === "base64url" ? b64.replace(/\+/g, "-").replace(/\//g, "_") : b64;
  }
  if (e === "utf16le") {
    for (i = start; i + 1 < end; i += 2) out += String.fromCharCode(this[i] | (this[i + 1] << 8));
    return out;
  }
  for (i = start; i < end; i++) out += String.fromCharCode(e === "ascii" ? this[i] & 127 : this[i]);
  return out;
};
Buffer.prototype.toJSON = function toJSON() {
  return { type: "Buffer", data: Array.prototype.slice.call(this) };
};
Buffer.prototype.equals = function equals(other) {
  return this.compare(other) === 0;
};
Buffer.prototype.compare = function compare(other) {
  var n = Math.min(this.length, other.length);
  for (var i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
  return this.length === other.length ? 0 : this.length < other.length ? -1 : 1;
};
// Node's slice shares memory with the buffer, as subarray does.
Buffer.prototype.slice = function slice(start, end) {
  return this.subarray(start, end);
};
Buffer.prototype.write = function write(s, offset, length, enc) {
  if (typeof offset === "string") {
    enc = offset;
    offset = 0;
  } else if (typeof length === "string") {
    enc = length;
    length = undefined;
  }
  offset = offset | 0;
  var bytes = bytesFromString(String(s), enc);
  var n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
  for (var i = 0; i < n; i++) this[offset + i] = bytes[i];
  return n;
};
Buffer.prototype.fill = /** @returns {any} the buffer (typed loosely: a Uint8Array override must return `this`) */ function fill(value, start, end, enc) {
  if (typeof start === "string") {
    enc = start;
    start = 0;
    end = this.length;
  }
  start = start === undefined ? 0 : start | 0;
  end = end === undefined ? this.length : Math.min(this.length, end | 0);
  var bytes = typeof value === "string" ? bytesFromString(value, enc) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : [value & 255];
  if (!bytes.length) bytes = [0];
  for (var i = start, k = 0; i < end; i++, k = (k + 1) % bytes.length) this[i] = bytes[k];
  return this;
};
Buffer.prototype.readUInt8 = function readUInt8(offset) {
  return this[offset | 0];
};
define("Buffer", Buffer);
