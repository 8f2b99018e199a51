// The CommonJS runtime of the npm bundle (src/sandbox/modules.ts puts `defs` in front of this text):
// `defs[id] = [factory, {specifier: id}]`. Runs once per context; its value is `load(id, keys)`.
// Nothing here reaches the host: packages get a stand-in `process` (no env of the server, no exit)
// and a Node built-in that needs the host is an object whose functions throw.
var cache = {};
var fakeProcess = {
  env: { NODE_ENV: "production" },
  browser: true,
  platform: "browser",
  version: "v20.0.0",
  versions: {},
  argv: [],
  cwd: function () {
    return "/";
  },
  nextTick: function (fn) {
    var args = Array.prototype.slice.call(arguments, 1);
    Promise.resolve().then(function () {
      fn.apply(null, args);
    });
  },
  emitWarning: function () {},
};

function __unavailable(message, names) {
  function fail() {
    throw new Error(message);
  }
  var stub = {};
  for (var i = 0; i < names.length; i++) stub[names[i]] = fail;
  return stub;
}

function load(id) {
  var cached = cache[id];
  if (cached) return cached.exports;
  var def = defs[id];
  if (!def) {
    var missing = /** @type {Error & { code?: string }} */ (new Error("Cannot find module '" + id + "'"));
    missing.code = "MODULE_NOT_FOUND";
    throw missing;
  }
  var module = { id: id, exports: {}, loaded: false };
  cache[id] = module;
  var deps = def[1];
  function require(spec) {
    var to = Object.prototype.hasOwnProperty.call(deps, spec) ? deps[spec] : undefined;
    if (to === undefined) {
      var e = /** @type {Error & { code?: string }} */ (new Error("Cannot find module '" + spec + "' (only modules required with a literal name are bundled)"));
      e.code = "MODULE_NOT_FOUND";
      throw e;
    }
    return load(to);
  }
  require.resolve = function (spec) {
    return Object.prototype.hasOwnProperty.call(deps, spec) ? deps[spec] : spec;
  };
  var file = "/node_modules/" + String(id).replace(/^[a-z]+:/, "");
  try {
    def[0].call(module.exports, module.exports, require, module, file, file.replace(/\/[^/]*$/, ""), fakeProcess, globalThis, globalThis);
  } catch (err) {
    delete cache[id];
    throw err;
  }
  module.loaded = true;
  return module.exports;
}

// @ts-expect-error -- this file ends a function body (src/sandbox/modules.ts): its value is the loader.
return function (id, keys) {
  var value = load(id);
  if (!keys) return value;
  var names = [];
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    var own = Object.keys(value);
    for (var i = 0; i < own.length; i++) names.push(own[i]);
  }
  return JSON.stringify(names);
};
