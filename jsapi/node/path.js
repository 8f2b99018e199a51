// node:path (POSIX) for scripts: pure string functions, nothing of the host's file system.
"use strict";
function normalizeParts(parts, absolute) {
  var out = [];
  for (var i = 0; i < parts.length; i++) {
    var p = parts[i];
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(p);
  }
  return out;
}
function normalize(p) {
  p = String(p);
  if (p === "") return ".";
  var absolute = p.charAt(0) === "/";
  var trailing = p.charAt(p.length - 1) === "/";
  var s = normalizeParts(p.split("/"), absolute).join("/");
  if (!s && !absolute) s = ".";
  if (s && trailing) s += "/";
  return (absolute ? "/" : "") + s;
}
function join() {
  var parts = [];
  for (var i = 0; i < arguments.length; i++) if (String(arguments[i]) !== "") parts.push(String(arguments[i]));
  return parts.length ? normalize(parts.join("/")) : ".";
}
function resolve() {
  var p = "";
  for (var i = arguments.length - 1; i >= 0 && p.charAt(0) !== "/"; i--) {
    var a = String(arguments[i]);
    if (a) p = p ? a + "/" + p : a;
  }
  if (p.charAt(0) !== "/") p = "/" + p;
  var s = "/" + normalizeParts(p.split("/"), true).join("/");
  return s;
}
function isAbsolute(p) {
  return String(p).charAt(0) === "/";
}
function dirname(p) {
  p = String(p);
  if (!p) return ".";
  var s = p.replace(/\/+$/, "");
  if (!s) return "/";
  var i = s.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return s.slice(0, i).replace(/\/+$/, "") || "/";
}
function basename(p, ext) {
  var s = String(p).replace(/\/+$/, "");
  var b = s.slice(s.lastIndexOf("/") + 1);
  if (ext && b !== ext && b.slice(-ext.length) === ext) b = b.slice(0, -ext.length);
  return b;
}
function extname(p) {
  var b = basename(p);
  var i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
}
function relative(from, to) {
  var a = resolve(from).split("/").filter(Boolean);
  var b = resolve(to).split("/").filter(Boolean);
  var i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  var up = [];
  for (var j = i; j < a.length; j++) up.push("..");
  return up.concat(b.slice(i)).join("/");
}
function parse(p) {
  p = String(p);
  var root = p.charAt(0) === "/" ? "/" : "";
  var base = basename(p);
  var ext = extname(p);
  var dir = dirname(p);
  return { root: root, dir: dir === "." && !p.includes("/") ? "" : dir, base: base, ext: ext, name: ext ? base.slice(0, -ext.length) : base };
}
function format(o) {
  var dir = o.dir || o.root || "";
  var base = o.base || (o.name || "") + (o.ext || "");
  return dir ? (dir === o.root ? dir + base : dir + "/" + base) : base;
}
var posix = {
  sep: "/",
  delimiter: ":",
  normalize: normalize,
  join: join,
  resolve: resolve,
  isAbsolute: isAbsolute,
  dirname: dirname,
  basename: basename,
  extname: extname,
  relative: relative,
  parse: parse,
  format: format,
  toNamespacedPath: function (p) {
    return p;
  },
};
posix.posix = posix;
module.exports = posix;
