// $nlp (spec §5.8) and the services that have no offline meaning (§5.11): no-op objects that log,
// so projects that mention them load and run. Platform module: `function (host) { … }`.
"use strict";

function stub(name) {
  var methods = {};
  return new Proxy(methods, {
    get: function (target, key) {
      if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
      if (target[key] !== undefined) return target[key];
      return function () {
        host.log("debug", name + "." + key + "() is not available offline; ignored");
        return undefined;
      };
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
/** Agree a Russian noun with a number using ending rules (1 рубль, 2 рубля, 5 рублей). */
function conform(word, n) {
  word = String(word);
  n = Math.abs(Math.floor(Number(n)));
  var mod10 = n % 10;
  var mod100 = n % 100;
  var form = mod10 === 1 && mod100 !== 11 ? 1 : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14) ? 2 : 5;
  if (form === 1 || !/[а-яё]$/i.test(word)) return word;
  var stem = word.slice(0, -1);
  var last = word.slice(-1).toLowerCase();
  var hush = /[гкхжчшщ]$/i.test(stem);
  if (last === "а") return form === 2 ? stem + (hush ? "и" : "ы") : stem;
  if (last === "я") return form === 2 ? stem + "и" : stem + "ь";
  if (last === "ь") return form === 2 ? stem + "я" : stem + "ей";
  if (last === "о") return form === 2 ? stem + "а" : stem;
  if (last === "е") return form === 2 ? stem + "я" : stem + "ей";
  if (last === "й") return form === 2 ? stem + "я" : stem + "ев";
  if (/[жчшщ]$/i.test(word)) return form === 2 ? word + "а" : word + "ей";
  return form === 2 ? word + "а" : word + "ов";
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
  inflect: function (text) {
    return text; // no morphology dictionary offline
  },
  parseMorph: function () {
    return null;
  },
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

var STUBS = ["$caila", "$dialer", "$analytics", "$pushgate", "$conversationApi", "$faq", "$integration", "$imputer", "$gpt",
  "$smartPush", "$smartProfile", "$smartRating", "$smartGeo", "$fetch", "$sharedContext"];
for (var i = 0; i < STUBS.length; i++) host.define(STUBS[i], stub(STUBS[i]));
