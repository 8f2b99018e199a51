// $http (spec §5.7): synchronous requests through the host, `${name}` URL placeholders, JSON/form
// bodies, caching, the 15-calls-per-request limit. Platform module: `function (host) { … }`.
"use strict";

var CALL_LIMIT = 15;
var TIMEOUT_CAP = 25000;
var DEFAULT_TIMEOUT = 10000;
var config = { url: null, timeout: DEFAULT_TIMEOUT, authHeader: null, ttl: 0, headers: {} };
var cache = new Map();

function isObj(x) {
  return x !== null && typeof x === "object";
}
function headerValue(headers, name) {
  var lower = name.toLowerCase();
  for (var k in headers) if (k.toLowerCase() === lower) return headers[k];
  return undefined;
}
function baseUrl() {
  var u = config.url;
  if (!u) return "";
  if (typeof u === "string") return u.replace(/\/+$/, "");
  var port = u.port ? ":" + u.port : "";
  return (u.protocol || "https") + "://" + u.host + port;
}
function buildUrl(url, params) {
  url = String(url);
  if (isObj(params)) {
    url = url.replace(/\$\{([^}]+)\}/g, function (m, name) {
      var v = params[name.trim()];
      return v === undefined || v === null ? m : encodeURIComponent(String(v));
    });
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    var base = baseUrl();
    if (base) url = base + (url.charAt(0) === "/" ? "" : "/") + url;
  }
  return url;
}
function formEncode(form) {
  var parts = [];
  for (var k in form) {
    if (!Object.prototype.hasOwnProperty.call(form, k)) continue;
    var v = form[k];
    var list = Array.isArray(v) ? v : [v];
    for (var i = 0; i < list.length; i++) {
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(list[i] === undefined || list[i] === null ? "" : String(list[i])));
    }
  }
  return parts.join("&");
}
var CONTENT_TYPES = { json: "application/json", xml: "application/xml", text: "text/plain" };

/** settings → the HttpRequest the host performs. */
function buildRequest(url, s) {
  var method = String(s.method || "GET").toUpperCase();
  var headers = {};
  var k;
  for (k in config.headers) headers[k] = String(config.headers[k]);
  if (isObj(s.headers)) for (k in s.headers) headers[k] = String(s.headers[k]);
  if (config.authHeader && headerValue(headers, "Authorization") === undefined) headers.Authorization = String(config.authHeader);
  var dataType = s.dataType ? String(s.dataType).toLowerCase() : undefined;
  var body;
  if (s.form !== undefined && s.form !== null && method !== "GET") {
    body = isObj(s.form) ? formEncode(s.form) : String(s.form);
    if (headerValue(headers, "Content-Type") === undefined) headers["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (s.body !== undefined && s.body !== null) {
    body = typeof s.body === "string" ? s.body : JSON.stringify(s.body);
  }
  if (headerValue(headers, "Content-Type") === undefined) headers["Content-Type"] = CONTENT_TYPES[dataType] || "application/json";
  var timeout = Number(s.timeout !== undefined ? s.timeout : config.timeout) || DEFAULT_TIMEOUT;
  var req = { method: method, url: buildUrl(url, s.query), headers: headers, timeoutMs: Math.min(TIMEOUT_CAP, Math.max(1, timeout)) };
  if (body !== undefined) req.body = body;
  if (dataType === "json" || dataType === "xml" || dataType === "text") req.dataType = dataType;
  return req;
}

function parseBody(res, dataType) {
  var body = res.body === undefined || res.body === null ? "" : String(res.body);
  var kind = dataType;
  if (!kind) {
    var ct = String(headerValue(res.headers || {}, "Content-Type") || "").toLowerCase();
    kind = ct.indexOf("json") >= 0 ? "json" : ct.indexOf("xml") >= 0 ? "xml" : "text";
  }
  if (body === "") return kind === "text" ? "" : body;
  try {
    if (kind === "json") return JSON.parse(body);
    if (kind === "xml") return host.parseXml(body);
  } catch (e) {
    return body;
  }
  return body;
}

/** @typedef {{ isOk: boolean, status: number, data: any, response: any, error: any }} HttpFields */
/** @typedef {HttpResult & HttpFields} HttpResponse */
/**
 * The result object: {isOk, status, data, response, error}, usable with .then/.catch too.
 * @constructor
 * @param {HttpFields} fields
 */
function HttpResult(fields) {
  for (var k in fields) this[k] = fields[k];
}
function plain(r) {
  var o = {};
  for (var k in r) if (Object.prototype.hasOwnProperty.call(r, k)) o[k] = r[k];
  return o;
}
// Callbacks run synchronously (the response is already there); failures go to the error callback.
HttpResult.prototype.then = /** @this {HttpResponse} */ function (onOk, onErr) {
  var self = plain(this);
  try {
    if (!this.isOk && typeof onErr === "function") return Promise.resolve(onErr(self));
    if (!this.isOk) return Promise.reject(self);
    return Promise.resolve(typeof onOk === "function" ? onOk(self) : self);
  } catch (e) {
    return Promise.reject(e);
  }
};
HttpResult.prototype.catch = /** @this {HttpResponse} */ function (onErr) {
  return this.then(undefined, onErr);
};
HttpResult.prototype.always = function (fn) {
  fn(plain(this));
  return this;
};
Object.defineProperty(HttpResult.prototype, "then", { enumerable: false });
Object.defineProperty(HttpResult.prototype, "catch", { enumerable: false });
Object.defineProperty(HttpResult.prototype, "always", { enumerable: false });

/** @returns {HttpResponse} */
function failed(status, error) {
  return /** @type {HttpResponse} */ (new HttpResult({ isOk: false, status: status, data: undefined, response: {}, error: error }));
}

/** @returns {HttpResponse} */
function query(url, settings) {
  if (isObj(url) && settings === undefined) {
    settings = url;
    url = settings.url;
  }
  var s = isObj(settings) ? settings : {};
  var turn = host.turn();
  turn.httpCalls = (turn.httpCalls || 0) + 1;
  if (turn.httpCalls > CALL_LIMIT) return failed(-1, "Callback limit reached");
  var req = buildRequest(url, s);
  var cacheKey = null;
  if (s.cachingRequired && config.ttl > 0) {
    cacheKey = JSON.stringify([req.method, req.url, req.headers, s.query, req.body, s.form, req.dataType]);
    var hit = cache.get(cacheKey);
    if (hit && hit.expires > host.now()) return /** @type {HttpResponse} */ (new HttpResult(JSON.parse(hit.json)));
  }
  var res = host.http(req);
  var ok = !res.error && res.status >= 200 && res.status < 300;
  var result = {
    isOk: ok,
    status: res.status,
    data: res.status > 0 ? parseBody(res, req.dataType) : undefined,
    response: res.status > 0 ? { status: res.status, headers: res.headers || {}, body: res.body } : {},
    // A 4xx/5xx answer's body comes as the error text, as scripts on the platform read it
    // (JSON.parse(response.error) for the service's error details, docs/sandbox.md) [I].
    error: res.error !== undefined ? res.error : ok ? undefined : res.body !== undefined && res.body !== null && String(res.body) !== "" ? String(res.body) : "HTTP " + res.status,
  };
  if (cacheKey !== null && ok) {
    if (cache.size > 1000) cache.clear();
    cache.set(cacheKey, { expires: host.now() + config.ttl * 1000, json: JSON.stringify(result) });
  }
  return /** @type {HttpResponse} */ (new HttpResult(result));
}

function withMethod(method) {
  return function (url, settings) {
    if (isObj(url) && settings === undefined) {
      settings = url;
      url = settings.url;
    }
    var s = {};
    if (isObj(settings)) for (var k in settings) s[k] = settings[k];
    s.method = method;
    return query(url, s);
  };
}

host.define("$http", {
  query: query,
  get: withMethod("GET"),
  post: withMethod("POST"),
  put: withMethod("PUT"),
  delete: withMethod("DELETE"),
  config: function (settings) {
    if (!isObj(settings)) return;
    if (settings.url !== undefined) config.url = settings.url;
    if (settings.timeout !== undefined) config.timeout = Number(settings.timeout) || DEFAULT_TIMEOUT;
    if (settings.authHeader !== undefined) config.authHeader = settings.authHeader;
    if (settings.cacheTimeToLiveInSeconds !== undefined) config.ttl = Number(settings.cacheTimeToLiveInSeconds) || 0;
    if (isObj(settings.headers)) config.headers = settings.headers;
  },
  /** Request each URL with `method`; an array of {url, isOk, status}. */
  check: function (method, urls) {
    var list = Array.isArray(urls) ? urls : [urls];
    var out = [];
    for (var i = 0; i < list.length; i++) {
      var r = query(list[i], { method: method });
      out.push({ url: list[i], isOk: r.isOk, status: r.status });
    }
    return out;
  },
  /** The first URL that answers OK when findFirst, else all results like check(). */
  checkUrls: function (method, urls, findFirst) {
    var results = this.check(method, urls);
    if (!findFirst) return results;
    for (var i = 0; i < results.length; i++) if (results[i].isOk) return results[i].url;
    return null;
  },
});
