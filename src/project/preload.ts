// scriptsPreLoad (spec §1.3): platform paths become "enable built-in module X" switches.
import type { SourcePos } from "../dsl/ast.js";
import type { Diagnostic } from "../util/errors.js";
import type { ChatbotConfig } from "./model.js";

const JSAPI = new Set(["common", "http", "reactions", "mail", "payment", "yookassa", "imshop", "fetch", "smartPush", "smartProfile", "smartRating", "jivo"]);
const JSLIB = new Set(["moment.min.js", "underscore.js"]);

/** The built-in modules chatbot.yaml `scriptsPreLoad` enables; an unknown platform script is a warning at its line. */
export function preloadEntries(
  config: ChatbotConfig,
  posOf: (keyPath: (string | number)[]) => SourcePos,
): { entries: string[]; diagnostics: Diagnostic[] } {
  const entries: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const list of ["global", "local"] as const) {
    (config.scriptsPreLoad?.[list] ?? []).forEach((p, i) => {
      const api = /^\/?jsapi\/([\w-]+)\.js$/.exec(p);
      const lib = /^\/?jslib\/(.+)$/.exec(p);
      let entry: string | null = null;
      if (api && JSAPI.has(api[1]!)) entry = `jsapi/${api[1]}.js`;
      else if (lib && JSLIB.has(lib[1]!)) entry = `jslib/${lib[1]}`;
      if (!entry) {
        diagnostics.push({ level: "warning", message: `scriptsPreLoad: unknown platform script ${p}, ignored`, pos: posOf(["scriptsPreLoad", list, i]) });
      } else if (!entries.includes(entry)) entries.push(entry);
    });
  }
  return { entries, diagnostics };
}
