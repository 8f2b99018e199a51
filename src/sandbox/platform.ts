// The platform's script files: the realm core and $-API modules (jsapi/*.js in this repository) and
// the third-party libraries (moment, underscore) read from their npm packages. The text is read once
// per process; each isolate compiles it once (ScriptIsolate) and runs it in every context it creates.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const jsapiDir = fileURLToPath(new URL("../../jsapi/", import.meta.url));
const require = createRequire(import.meta.url);

/** Library files evaluated at the realm's global scope, in order (UMD bundles set globals). */
const LIBRARIES: Record<string, string> = {
  "jslib/moment.js": "moment/moment.js",
  "jslib/moment-ru.js": "moment/locale/ru.js",
  "jslib/underscore.js": "underscore/underscore-umd.js",
};

/** Built-in $-API modules, always loaded, in order. */
export const BUILTIN_MODULES = ["jsapi/common.js", "jsapi/reactions.js", "jsapi/http.js", "jsapi/mail.js", "jsapi/services.js", "jsapi/java.js"];

/**
 * Library globals evaluated in a context on first use (the realm core's lazy globals): a context
 * that never touches `moment` or `_` does not pay for them (docs/sandbox.md, "Measured costs").
 */
export const LAZY_LIBRARIES: Record<string, readonly string[]> = {
  moment: ["jslib/moment.js", "jslib/moment-ru.js", "moment-reset"],
  _: ["jslib/underscore.js"],
};

/** scriptsPreLoad entries that enable an optional module (others are built in or unknown). */
export const OPTIONAL_MODULES: Record<string, string> = { "payment.js": "jsapi/payment.js", "yookassa.js": "jsapi/yookassa.js", "imshop.js": "jsapi/imshop.js" };

/** Source text of a platform script with the origin its stack frames show. */
export interface PlatformSource {
  code: string;
  filename: string;
  lineOffset: number;
}

const cache = new Map<string, PlatformSource>();

/** Small platform steps that are not files. */
const SNIPPETS: Record<string, string> = {
  // moment's ru locale makes itself the global one when it loads; JAICP starts in English.
  "moment-reset": "moment.locale('en');",
  // The module factory hook is for platform modules only.
  seal: "delete globalThis.__sa_module;",
};

/**
 * `jsapi/_core.js` (its value is the core's start function) and libraries run as they are; other
 * jsapi modules get the `host` object: `__sa_module(function (host) {…})`.
 */
export function platformSource(name: string): PlatformSource {
  let source = cache.get(name);
  if (source) return source;
  const filename = `<platform>/${name}`;
  if (SNIPPETS[name] !== undefined) {
    source = { code: SNIPPETS[name], filename, lineOffset: 0 };
  } else if (LIBRARIES[name]) {
    source = { code: readFileSync(require.resolve(LIBRARIES[name]), "utf8"), filename, lineOffset: 0 };
  } else {
    const text = readFileSync(jsapiDir + name.replace(/^jsapi\//, ""), "utf8");
    const core = name === "jsapi/_core.js";
    source = { code: core ? text : `__sa_module(function (host) {\n${text}\n});`, filename, lineOffset: core ? 0 : -1 };
  }
  cache.set(name, source);
  return source;
}
