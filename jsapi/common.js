// $jsapi, $env, $secrets, console and the global functions of spec §5.12.
// Platform module: evaluated once per realm as `function (host) { … }` (protocol: docs/sandbox.md).
"use strict";

var G = globalThis;

function dump(x) {
  if (typeof x === "string") return x;
  if (x === undefined) return "undefined";
  var s = host.stringify(x, "cycle", 2);
  return s === undefined ? String(x) : s;
}
function logArgs(level, args) {
  var parts = [];
  for (var i = 0; i < args.length; i++) parts.push(dump(args[i]));
  host.log(level, parts.join(" "));
}

// ---- dates: moment of the host clock, Java SimpleDateFormat patterns, IANA zones via Intl ----
var JAVA_TOKENS = [
  ["yyyy", "YYYY"], ["yyy", "YYYY"], ["yy", "YY"], ["y", "YYYY"],
  // Java's Y is the week year (ISO weeks, as in the Russian locale): moment's G
  ["YYYY", "GGGG"], ["YYY", "GGGG"], ["YY", "GG"], ["Y", "GGGG"],
  ["MMMM", "MMMM"], ["MMM", "MMM"], ["MM", "MM"], ["M", "M"],
  ["LLLL", "MMMM"], ["LLL", "MMM"], ["LL", "MM"], ["L", "M"],
  ["dd", "DD"], ["d", "D"], ["DDD", "DDDD"], ["D", "DDD"],
  ["EEEE", "dddd"], ["EEE", "ddd"], ["EE", "ddd"], ["E", "ddd"], ["u", "E"],
  ["HH", "HH"], ["H", "H"], ["hh", "hh"], ["h", "h"], ["kk", "kk"], ["k", "k"], ["KK", "hh"], ["K", "h"],
  ["mm", "mm"], ["m", "m"], ["ss", "ss"], ["s", "s"], ["SSS", "SSS"], ["SS", "SS"], ["S", "S"],
  ["a", "A"], ["ww", "ww"], ["w", "w"], ["XXX", "Z"], ["XX", "ZZ"], ["X", "ZZ"], ["ZZ", "ZZ"], ["Z", "ZZ"], ["zzzz", "Z"], ["z", "Z"],
];
/** Translate a Java SimpleDateFormat pattern to a moment format string. */
function javaToMoment(p) {
  var out = "";
  var i = 0;
  while (i < p.length) {
    var ch = p.charAt(i);
    if (ch === "'") {
      var j = p.indexOf("'", i + 1);
      if (j === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      if (j < 0) j = p.length;
      out += "[" + p.slice(i + 1, j) + "]";
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      var run = ch;
      while (p.charAt(i + run.length) === ch) run += ch;
      var mapped = null;
      for (var t = 0; t < JAVA_TOKENS.length && mapped === null; t++) {
        if (JAVA_TOKENS[t][0] === run) mapped = JAVA_TOKENS[t][1];
      }
      if (mapped === null) {
        for (var u = 0; u < JAVA_TOKENS.length && mapped === null; u++) {
          if (JAVA_TOKENS[u][0].charAt(0) === ch && JAVA_TOKENS[u][0].length <= run.length) mapped = JAVA_TOKENS[u][1];
        }
      }
      out += mapped === null ? "[" + run + "]" : mapped;
      i += run.length;
      continue;
    }
    out += ch === "[" || ch === "]" ? "[" + ch + "]" : ch;
    i++;
  }
  return out;
}
/** Offset of an IANA zone from UTC at `ms`, in minutes. */
function zoneOffset(zone, ms) {
  if (!zone) return 0;
  var fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: String(zone), hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  var parts = {};
  var list = fmt.formatToParts(new Date(ms));
  for (var i = 0; i < list.length; i++) parts[list[i].type] = Number(list[i].value);
  var asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}
function momentInZone(zone) {
  var ms = host.now();
  return moment(ms).utcOffset(zoneOffset(zone, ms));
}
/** $request.data.offset: hours (|x| ≤ 14), minutes (|x| ≤ 1440) or milliseconds. */
function offsetMinutes(offset) {
  var n = Number(offset);
  if (!isFinite(n) || n === 0) return 0;
  if (Math.abs(n) <= 14) return n * 60;
  if (Math.abs(n) <= 1440) return n;
  return Math.round(n / 60000);
}

function levenshtein(a, b) {
  a = String(a);
  b = String(b);
  var prev = [];
  for (var j = 0; j <= b.length; j++) prev[j] = j;
  for (var i = 1; i <= a.length; i++) {
    var cur = [i];
    for (var k = 1; k <= b.length; k++) {
      cur[k] = Math.min(prev[k] + 1, cur[k - 1] + 1, prev[k - 1] + (a.charAt(i - 1) === b.charAt(k - 1) ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

function clearSession(op) {
  host.context().session = {};
  host.turn().sessionOps.push(op);
}

var $jsapi = {
  context: function () {
    return host.context();
  },
  bind: function (type, handler, path, name) {
    host.bind(type, handler, path, name);
  },
  log: function () {
    logArgs("info", arguments);
  },
  random: function (max) {
    return host.random(max);
  },
  currentTime: function () {
    return host.now();
  },
  dateForZone: function (zone, pattern) {
    return momentInZone(zone).format(javaToMoment(String(pattern || "yyyy-MM-dd HH:mm:ss")));
  },
  /** Wall-clock time of the zone as epoch ms (read it with getUTC* / moment.utc). */
  timeForZone: function (zone) {
    var ms = host.now();
    return ms + zoneOffset(zone, ms) * 60000;
  },
  resolvePath: function (base, rel) {
    if (rel === undefined) {
      rel = base;
      base = host.currentState();
    }
    return host.resolvePath(base, rel);
  },
  startSession: function () {
    clearSession("startSession");
  },
  stopSession: function () {
    clearSession("stopSession");
  },
  newSession: function (params) {
    host.newSession(params);
  },
  levenshtein: { distance: levenshtein },
  chatHistory: function () {
    return [];
  },
  chatHistoryJson: function () {
    return [];
  },
  chatHistoryInLlmFormat: function () {
    return [];
  },
  version: function () {
    return "smartapp-runtime";
  },
  cailaService: {
    getCurrentClassifierToken: function () {
      return "";
    },
  },
};
host.define("$jsapi", $jsapi);

host.define("$env", {
  get: function (name, def) {
    var v = host.env(name);
    return v === undefined || v === null ? def : v;
  },
});
// $secrets.get(name, defaultValue): the default when the secret is missing; without one, an error.
host.define("$secrets", {
  get: function (name, defaultValue) {
    var v = host.secret(name);
    if ((v === undefined || v === null) && arguments.length > 1) return defaultValue;
    if (v === undefined || v === null) throw new Error("Secret not found: " + name);
    return v;
  },
});

host.define("console", {
  log: function () { logArgs("info", arguments); },
  info: function () { logArgs("info", arguments); },
  debug: function () { logArgs("debug", arguments); },
  warn: function () { logArgs("warn", arguments); },
  error: function () { logArgs("error", arguments); },
});

// ---- global functions ----
host.define("bind", $jsapi.bind);
host.define("log", function () {
  logArgs("info", arguments);
});
// The platform's capitalize lowercases the rest of the string: a real project's test expects
// capitalize("botOne") to be "Botone" (docs/compatibility.md, "Beyond the sample, second batch").
host.define("capitalize", function (s) {
  s = s === undefined || s === null ? "" : String(s);
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
});
host.define("currentDate", function () {
  var data = host.context().request.data || {};
  return moment.utc(host.now()).utcOffset(offsetMinutes(data.offset));
});
host.define("toPrettyString", function (obj) {
  if (obj === undefined) return "undefined";
  var s = host.stringify(obj, "cycle", 2, true);
  return s === undefined ? String(obj) : s;
});
host.define("parseXml", function (text) {
  return host.parseXml(text);
});
host.define("hasOperatorsOnline", function () {
  return false;
});
host.define("testMode", function () {
  return !!host.context().testContext;
});
host.define("selectRandomArg", function () {
  var args = arguments.length === 1 && Array.isArray(arguments[0]) ? arguments[0] : arguments;
  if (!args.length) return undefined;
  return G.testMode() ? args[0] : args[host.random(args.length)];
});
host.define("randomInteger", function (min, max) {
  min = Math.ceil(Number(min));
  max = Math.floor(Number(max));
  return min + host.random(max - min + 1);
});

// Exposed for tests of the translation itself.
host.define("__javaToMoment", javaToMoment);
