// One `buttons:`/`inlineButtons:` line → a ButtonItem (spec §2.10 forms).
import type { ButtonItem, SourcePos } from "./ast.js";
import { unquote, ValueError } from "./params.js";

/** Index just past the `}` matching the `{` at 0, skipping quoted strings; -1 if unbalanced. */
function objectEnd(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

function target(rest: string, offset: number): string | undefined {
  const m = /^\s*->\s*(.*)$/.exec(rest);
  if (!m) throw new ValueError(`expected "-> target" after the button, got "${rest.trim()}"`, offset);
  const t = unquote(m[1]!.trim());
  if (!t) throw new ValueError(`button transition "->" has no target`, offset);
  return t;
}

/**
 * Parses the text of one button line (`"Text" -> /State`, `Text`, `{json} -> target`); throws a ValueError
 * whose offset points into `text`.
 */
export function parseButton(text: string, pos: SourcePos): ButtonItem {
  if (text.startsWith("{")) {
    const end = objectEnd(text);
    if (end < 0) throw new ValueError("unbalanced { } in button object", 0);
    const rest = text.slice(end);
    return { json: text.slice(0, end), target: rest.trim() ? target(rest, end) : undefined, pos };
  }
  if (text.startsWith('"')) {
    // The closing quote is the first `"` followed by `->` or the end of the line (inner quotes allowed).
    for (let j = 1; j < text.length; j++) {
      if (text[j] !== '"' || text[j - 1] === "\\") continue;
      const rest = text.slice(j + 1);
      if (/^\s*$/.test(rest)) return { text: text.slice(1, j).replace(/\\"/g, '"'), pos };
      if (/^\s*->/.test(rest)) return { text: text.slice(1, j).replace(/\\"/g, '"'), target: target(rest, j + 1), pos };
    }
    throw new ValueError("unterminated quoted button text", 0);
  }
  // Unquoted text: everything before `->` is the label.
  const arrow = text.indexOf("->");
  if (arrow < 0) return { text: text.trim(), pos };
  const label = text.slice(0, arrow).trim();
  if (!label) throw new ValueError("button has no text before ->", 0);
  return { text: label, target: target(text.slice(arrow), arrow), pos };
}
