// Small helpers around templates and JSON-ish values written in .sc files.
import type { SourcePos } from "../dsl/ast.js";
import type { ScriptHost } from "../sandbox/types.js";

/** A literal `\n` in reply text is a line break; `{{ }}` code is left alone (it may hold "\n" in strings). */
export function literalLineBreaks(template: string): string {
  if (!template.includes("\\n")) return template;
  return template
    .split(/(\{\{[\s\S]*?\}\})/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\\n/g, "\n")))
    .join("");
}

const TEMP_KEY = "__engineValue";

/**
 * Parse an object written in a scenario (`{text: "Send phone", request_contact: true}`, `data = {…}`):
 * plain JSON directly, anything else (unquoted keys, expressions) by evaluating it in the script realm.
 */
export function evalLooseValue(host: ScriptHost, source: string, pos: SourcePos): unknown {
  try {
    return JSON.parse(source);
  } catch {
    host.runScript(`$temp.${TEMP_KEY} = JSON.stringify((${source}\n));`, { es6: false, pos });
    const json = host.getTemp(TEMP_KEY);
    host.setTemp(TEMP_KEY, undefined);
    return typeof json === "string" ? JSON.parse(json) : undefined;
  }
}
