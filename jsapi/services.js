// $nlp (spec §5.8) and the services that have no offline meaning (§5.11): no-op objects that log,
// so projects that mention them load and run. Platform module: `function (host) { … }`.
"use strict";

function stub(name) {
  var methods = {};
  return new Proxy(methods, {
    get: function (target, key) {
      if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
      if (target[key] !== undefined) return target[key];
      return member(name + "." + key);
    },
  });
}
// A member of a no-op service: a call logs and returns undefined, and its own members are such
// members too, for services with namespaces ($integration.googleSheets.readDataFromCells).
function member(path) {
  var fn = function () {
    host.log("debug", path + "() is not available offline; ignored");
    return undefined;
  };
  return new Proxy(fn, {
    get: function (target, key) {
      if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
      if (key in target) return target[key];
      return member(path + "." + key);
    },
  });
}

// ---- $nlp: matching is the engine's (host calls); morphology helpers are simple local versions ----
var LAT = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~";
var CYR = "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ";

function tokenize(text) {
  return String(text === undefined || text === null ? "" : text).match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) || [];
}
function fixKeyboardLayout(text) {
  text = String(text);
  var latin = (text.match(/[a-z]/gi) || []).length;
  var cyr = (text.match(/[а-яё]/gi) || []).length;
  var from = latin >= cyr ? LAT : CYR;
  var to = latin >= cyr ? CYR : LAT;
  var out = "";
  for (var i = 0; i < text.length; i++) {
    var idx = from.indexOf(text.charAt(i));
    out += idx >= 0 ? to.charAt(idx) : text.charAt(i);
  }
  return out;
}
// Morphology comes from the host's dictionary (pymorphy2's OpenCorpora data, docs/nlu.md).
function conform(word, n) {
  return host.call("morph.conform", { text: String(word), number: Number(n) });
}
function inflect(text, grammemes) {
  return host.call("morph.inflect", { text: String(text), grammemes: grammemes });
}
function parseMorph(word) {
  return host.call("morph.parse", { text: String(word) });
}

host.define("$nlp", {
  match: function (text, statePath) {
    return host.call("nlp.match", { text: String(text), statePath: statePath === undefined ? host.currentState() : String(statePath) });
  },
  matchPatterns: function (text, patterns) {
    return host.call("nlp.matchPatterns", { text: String(text), patterns: patterns });
  },
  matchExamples: function (text, examples) {
    return host.call("nlp.matchExamples", { text: String(text), examples: examples });
  },
  conform: conform,
  inflect: inflect,
  parseMorph: parseMorph,
  tokenize: tokenize,
  fixKeyboardLayout: fixKeyboardLayout,
  checkMyVocabulary: function () {
    return true;
  },
  // Without the platform's dictionary, a word counts as known when it looks like a Russian word:
  // Cyrillic letters only (hyphens allowed), with a vowel and no run of five consonants.
  checkVocabulary: function (word) {
    var w = String(word === undefined || word === null ? "" : word).toLowerCase();
    if (!/^[а-яё]+(?:-[а-яё]+)*$/.test(w)) return false;
    return /[аеёиоуыэюя]/.test(w) && !/[бвгджзйклмнпрстфхцчшщ]{5}/.test(w);
  },
});

// $caila: the morphology calls work offline; the rest needs the NLU service.
var caila = stub("$caila");
host.define("$caila", new Proxy({ inflect: inflect, conform: conform, parseMorph: parseMorph }, {
  get: function (target, key) {
    return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : caila[key];
  },
}));

// $pushgate: scheduling needs the platform's event service, but createEvent's documented return value
// ({id}, which scripts keep to cancel the event later) must exist, or `createEvent(…).id` throws.
// Offline the event is logged and never fires; an `<event>` in an XML test plays its arrival.
var pushgateStub = stub("$pushgate");
var pushgateEvents = 0;
host.define("$pushgate", new Proxy({
  createEvent: function (dateTime, event, eventData) {
    if (typeof dateTime !== "string" || dateTime === "") {
      throw new TypeError("$pushgate.createEvent: dateTime must be a string like 2024-06-13T18:00:00, got " + host.stringify(dateTime));
    }
    pushgateEvents += 1;
    var id = "local-event-" + pushgateEvents;
    host.log("debug", "$pushgate.createEvent(" + dateTime + ", " + (event === undefined ? "timerEvent" : String(event)) +
      ") is not delivered offline; id " + id + (eventData === undefined ? "" : ", eventData " + host.stringify(eventData)));
    return { id: id };
  },
}, {
  get: function (target, key) {
    return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : pushgateStub[key];
  },
}));

var STUBS = ["$dialer", "$analytics", "$conversationApi", "$faq", "$integration", "$imputer", "$gpt",
  "$smartPush", "$smartProfile", "$smartRating", "$smartGeo", "$fetch", "$sharedContext"];
for (var i = 0; i < STUBS.length; i++) host.define(STUBS[i], stub(STUBS[i]));
