// Filling in the `{{ }}` of an `HttpRequest:` tag's url, body and headers (docs/engine.md, "Action
// tags"). A result comes from data (the user's text, a stored value) and may hold anything, so each
// one is made inert where it lands: percent-encoded in the URL, JSON-escaped in a JSON body, CR/LF
// removed in a header. The literal text around it is the author's and is kept as written.
import type { SourcePos } from "../dsl/ast.js";
import type { ScriptHost } from "../sandbox/types.js";

type Part = { lit: string } | { expr: string };

/** Literal text and `{{ }}` placeholders; a placeholder ends at the first `}}` that balances its braces. */
export function splitTemplate(t: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < t.length) {
    const open = t.indexOf("{{", i);
    if (open < 0) break;
    let close = t.indexOf("}}", open + 2);
    while (close >= 0 && !balanced(t.slice(open + 2, close))) close = t.indexOf("}}", close + 1);
    if (close < 0) break;
    if (open > i) parts.push({ lit: t.slice(i, open) });
    parts.push({ expr: t.slice(open, close + 2) });
    i = close + 2;
  }
  if (i < t.length) parts.push({ lit: t.slice(i) });
  return parts;
}

function balanced(src: string): boolean {
  let depth = 0;
  for (const c of src) {
    if (c === "{") depth++;
    else if (c === "}" && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Renders `template`, passing each placeholder's result through `escape(value, before)` where
 * `before` is the text filled in so far.
 */
function fill(host: ScriptHost, template: string, pos: SourcePos, escape: (value: string, before: string) => string): string {
  if (!template.includes("{{")) return template;
  let out = "";
  for (const p of splitTemplate(template)) out += "lit" in p ? p.lit : escape(host.render(p.expr, pos), out);
  return out;
}

/**
 * A URL: a placeholder that starts the URL is the whole address or its scheme and host (the
 * platform documents `{{$session.url}}`), kept as it is; anywhere after that its result is
 * percent-encoded as one path segment or query value, so `../` or `?`, `#`, `&` in data cannot
 * change where the request goes.
 */
export function fillUrl(host: ScriptHost, template: string, pos: SourcePos): string {
  return fill(host, template, pos, (value, before) => (before === "" ? value : encodeURIComponent(value)));
}

/**
 * A JSON body: inside a string literal a result is JSON-escaped (quotes and backslashes cannot end
 * the string); outside one a result that is a JSON value (a number, `true`, an object) is kept and
 * any other text becomes a JSON string, so data adds no keys.
 */
export function fillJsonBody(host: ScriptHost, template: string, pos: SourcePos): string {
  return fill(host, template, pos, (value, before) => {
    if (insideJsonString(before)) return JSON.stringify(value).slice(1, -1);
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  });
}

/** A header value: CR, LF and NUL removed, so data cannot start another header. */
export function fillHeader(host: ScriptHost, template: string, pos: SourcePos): string {
  return fill(host, template, pos, (value) => value.replace(/[\r\n\0]/g, ""));
}

function insideJsonString(text: string): boolean {
  let inside = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inside && c === "\\") i++;
    else if (c === '"') inside = !inside;
  }
  return inside;
}
