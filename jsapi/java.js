// java.lang.String in ES5 scripts (docs/dsl.md, "Java strings in ES5 scripts").
// Platform module: evaluated once per realm as `function (host) { … }` (protocol: docs/sandbox.md).
// On the platform's Nashorn-like engine a string is a java.lang.String: a method JavaScript's
// String lacks falls through to Java's. Those methods are added to String.prototype here (not
// enumerable, so `for…in` over a string's characters is unchanged). Two calls cannot work that way
// because V8 has a different member of the same name: `s.length()` (a number, not a function) and
// `s.replaceAll(regex, r)` (literal in ES2021, a regex in Java); the loader rewrites those calls in
// ES5 code into the two helpers below (src/sandbox/java-idioms.ts).
"use strict";

var G = globalThis;
var StringProto = String.prototype;
var TypeErr = TypeError;
var apply = Reflect.apply;

function isString(v) {
  return typeof v === "string" || v instanceof String;
}
function nullPointer(method) {
  return new TypeErr("java.lang.NullPointerException in String." + method);
}

/** A Java regular expression as a JS RegExp: leading inline flags, \A \z \Z and possessive quantifiers. */
function javaRegExp(pattern, extraFlags) {
  var src = String(pattern);
  var flags = extraFlags || "";
  var inline = /^\(\?([imsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    if (inline[1].indexOf("i") >= 0) flags += "i";
    if (inline[1].indexOf("m") >= 0) flags += "m";
    if (inline[1].indexOf("s") >= 0) flags += "s";
  }
  src = src.replace(/\\A/g, "^").replace(/\\[zZ]/g, "$").replace(/([*+?}])\+/g, "$1");
  if (src.indexOf("\\p{") >= 0) {
    try {
      return new RegExp(src, flags + "u");
    } catch (e) {
      // not valid in unicode mode: try the plain one
    }
  }
  return new RegExp(src, flags);
}

/** Java's Matcher.replaceAll replacement string: `$n`, `${name}`, `\x` escapes a character. */
function javaReplacer(replacement) {
  var r = String(replacement);
  return function () {
    var m = arguments;
    var groups = typeof m[m.length - 1] === "object" ? m[m.length - 1] : undefined;
    var out = "";
    for (var i = 0; i < r.length; i++) {
      var c = r.charAt(i);
      if (c === "\\" && i + 1 < r.length) {
        out += r.charAt(++i);
      } else if (c === "$" && r.charAt(i + 1) === "{") {
        var close = r.indexOf("}", i);
        var name = r.slice(i + 2, close);
        if (close < 0 || !groups || !(name in groups)) throw new TypeErr("java.lang.IllegalArgumentException: No group with name {" + name + "}");
        out += groups[name] === undefined ? "" : groups[name];
        i = close;
      } else if (c === "$" && /[0-9]/.test(r.charAt(i + 1))) {
        var n = +r.charAt(++i);
        var groupCount = m.length - 3 - (groups ? 1 : 0);
        while (/[0-9]/.test(r.charAt(i + 1)) && n * 10 + +r.charAt(i + 1) <= groupCount) n = n * 10 + +r.charAt(++i);
        if (n > groupCount) throw new TypeErr("java.lang.IndexOutOfBoundsException: No group " + n);
        out += m[n] === undefined ? "" : m[n];
      } else {
        out += c;
      }
    }
    return out;
  };
}

function javaReplace(s, regex, replacement, all) {
  if (regex === null || regex === undefined || replacement === null || replacement === undefined) throw nullPointer(all ? "replaceAll" : "replaceFirst");
  return String(s).replace(javaRegExp(regex, all ? "g" : ""), javaReplacer(replacement));
}

function compare(a, b) {
  var n = Math.min(a.length, b.length);
  for (var i = 0; i < n; i++) {
    var d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

var METHODS = {
  equals: function (other) {
    return isString(other) && String(this) === String(other);
  },
  equalsIgnoreCase: function (other) {
    if (!isString(other)) return false;
    var a = String(this);
    var b = String(other);
    return a.length === b.length && (a === b || a.toUpperCase() === b.toUpperCase() || a.toLowerCase() === b.toLowerCase());
  },
  isEmpty: function () {
    return String(this).length === 0;
  },
  contains: function (part) {
    if (part === null || part === undefined) throw nullPointer("contains");
    return String(this).indexOf(String(part)) >= 0;
  },
  matches: function (regex) {
    if (regex === null || regex === undefined) throw nullPointer("matches");
    var re = javaRegExp(regex);
    return new RegExp("^(?:" + re.source + ")$", re.flags).test(String(this));
  },
  replaceFirst: function (regex, replacement) {
    return javaReplace(this, regex, replacement, false);
  },
  compareTo: function (other) {
    if (other === null || other === undefined) throw nullPointer("compareTo");
    return compare(String(this), String(other));
  },
  compareToIgnoreCase: function (other) {
    if (other === null || other === undefined) throw nullPointer("compareToIgnoreCase");
    return compare(String(this).toUpperCase().toLowerCase(), String(other).toUpperCase().toLowerCase());
  },
  hashCode: function () {
    var s = String(this);
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
    return h;
  },
};
Object.keys(METHODS).forEach(function (name) {
  if (name in StringProto) return;
  Object.defineProperty(StringProto, name, { value: METHODS[name], writable: true, enumerable: false, configurable: true });
});

function hidden(name, fn) {
  Object.defineProperty(G, name, { value: fn, writable: false, enumerable: false, configurable: false });
}

// `X.length()` after the rewrite: a string's length as Java's length(); anything else makes the call
// it wrote, with V8's own message when that is not a function.
hidden("__java_length", function (target, callee) {
  if (isString(target)) return String(target).length;
  if (target === null || target === undefined) throw new TypeErr("Cannot read properties of " + target + " (reading 'length')");
  var f = target.length;
  if (typeof f !== "function") throw new TypeErr(callee + " is not a function");
  return apply(f, target, []);
});

// `X.replaceAll(a, b)` after the rewrite: on a string with a string pattern, Java's regex
// replaceAll; a RegExp pattern or another receiver keeps the call it wrote.
hidden("__java_replaceAll", function (target, callee, pattern, replacement) {
  if (isString(target) && isString(pattern) && typeof replacement !== "function") return javaReplace(target, pattern, replacement, true);
  if (target === null || target === undefined) throw new TypeErr("Cannot read properties of " + target + " (reading 'replaceAll')");
  var f = target.replaceAll;
  if (typeof f !== "function") throw new TypeErr(callee + " is not a function");
  return apply(f, target, [pattern, replacement]);
});
