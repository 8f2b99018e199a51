// `||` parameters and single-value quoting (spec §2.1), lenient the way real files need.
import type { Params } from "./ast.js";

/** A problem inside a value; `offset` is the index in the text handed to the parser. */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const PARAM_START = /\|\|\s*[A-Za-z_$][\w$]*\s*=/;
const NEXT_PARAM = /^\s*,\s*[A-Za-z_$][\w$]*\s*=/;
const NAME = /^[A-Za-z_$][\w$]*/;

/** Splits `value || k = v, …` at the first `||` that is followed by `name =`; otherwise no params. */
export function splitParams(value: string): { head: string; params: string | null; paramsOffset: number } {
  const m = PARAM_START.exec(value);
  if (!m) return { head: value, params: null, paramsOffset: -1 };
  const offset = m.index + 2;
  return { head: value.slice(0, m.index).trimEnd(), params: value.slice(offset), paramsOffset: offset };
}

/** Turns `true`/`false`/numbers into their JS types; anything else stays a string. */
export function typed(raw: string): string | number | boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** `"…"` with `\"` escapes → its content; anything else unchanged. Only a value wholly inside quotes counts. */
export function unquote(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  const inner = value.slice(1, -1);
  // `"a" and "b"` is not one quoted value: an unescaped quote inside means leave it alone.
  if (/(^|[^\\])"/.test(inner)) return value;
  return inner.replace(/\\"/g, '"');
}

/** A single `key = value` line value (require/action params): quoted → string, else typed. */
export function lineValue(raw: string): string | number | boolean {
  const v = raw.trim();
  const u = unquote(v);
  return u !== v ? u : typed(v);
}

/**
 * Parses `k = v, k2 = "q, v"`. A quoted value ends at a `"` followed by `, name =` or the end, so inner
 * unescaped quotes survive (`tts = "<speaker audio="x.opus"> hi"`).
 */
export function parseParamList(text: string): Params {
  const params: Params = {};
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const name = NAME.exec(text.slice(i));
    if (!name) throw new ValueError(`expected a parameter name (key = value), got "${text.slice(i)}"`, i);
    const key = name[0];
    i += key.length;
    while (text[i] === " ") i++;
    if (text[i] !== "=") throw new ValueError(`expected "=" after parameter "${key}"`, i);
    i++;
    while (text[i] === " ") i++;
    if (text[i] === '"') {
      const start = i;
      let out = "";
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const c = text[j]!;
        if (c === "\\" && text[j + 1] === '"') {
          out += '"';
          j += 2;
          continue;
        }
        if (c === '"') {
          const rest = text.slice(j + 1);
          if (/^\s*$/.test(rest) || NEXT_PARAM.test(rest)) {
            closed = true;
            j++;
            break;
          }
        }
        out += c;
        j++;
      }
      if (!closed) throw new ValueError(`unterminated quoted value for parameter "${key}"`, start);
      params[key] = out;
      i = j;
    } else {
      const rest = text.slice(i);
      const next = /,\s*[A-Za-z_$][\w$]*\s*=/.exec(rest);
      const raw = (next ? rest.slice(0, next.index) : rest).trim();
      params[key] = typed(raw);
      i += next ? next.index : rest.length;
    }
  }
  return params;
}
