// node:util for scripts: the helpers packages commonly use, in pure JS.
"use strict";
function inspect(v) {
  if (typeof v === "string") return "'" + v + "'";
  try {
    var s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch (e) {
    return String(v);
  }
}
function format(f) {
  var args = Array.prototype.slice.call(arguments, 1);
  if (typeof f !== "string") return [f].concat(args).map(inspect).join(" ");
  var i = 0;
  var out = f.replace(/%[sdifjoO%]/g, function (m) {
    if (m === "%%") return "%";
    if (i >= args.length) return m;
    var a = args[i++];
    if (m === "%s") return String(a);
    if (m === "%d" || m === "%i") return String(m === "%i" ? parseInt(a, 10) : Number(a));
    if (m === "%f") return String(parseFloat(a));
    return inspect(a);
  });
  for (; i < args.length; i++) out += " " + (typeof args[i] === "string" ? args[i] : inspect(args[i]));
  return out;
}
function inherits(ctor, superCtor) {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  Object.setPrototypeOf(ctor, superCtor);
  ctor.super_ = superCtor;
}
function promisify(fn) {
  return /** @this {unknown} */ function () {
    var self = this;
    var args = Array.prototype.slice.call(arguments);
    return new Promise(function (resolve, reject) {
      args.push(function (err, value) {
        if (err) reject(err);
        else resolve(value);
      });
      fn.apply(self, args);
    });
  };
}
function deprecate(fn) {
  return fn;
}
module.exports = {
  format: format,
  inspect: inspect,
  inherits: inherits,
  promisify: promisify,
  deprecate: deprecate,
  isArray: Array.isArray,
  types: {
    isPromise: function (v) {
      return v instanceof Promise;
    },
    isDate: function (v) {
      return v instanceof Date;
    },
    isRegExp: function (v) {
      return v instanceof RegExp;
    },
  },
  TextEncoder: typeof TextEncoder === "function" ? TextEncoder : undefined,
  TextDecoder: typeof TextDecoder === "function" ? TextDecoder : undefined,
};
