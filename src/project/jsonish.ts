// Values like `injector = {newSessionStartState: "/Welcome", newSessionTimeout: 10}` are JS object
// literals, not JSON: unquoted keys and single quotes occur. Turn them into JSON, then parse.

/** Parses JSON or a JS object literal (unquoted keys, single quotes), as `injector = {…}` values are written; throws when neither. */
export function parseJsonish(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(toJson(text));
  }
}

function toJson(src: string): string {
  let out = "";
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) {
          s += src[j + 1] === "'" ? "'" : src.slice(j, j + 2);
          j += 2;
        } else {
          s += src[j] === '"' ? '\\"' : src[j];
          j++;
        }
      }
      out += `"${s}"`;
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      const word = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))![0];
      const isKey = /^\s*:/.test(src.slice(i + word.length));
      out += isKey ? `"${word}"` : word;
      i += word.length;
    } else if (c === ",") {
      // Trailing commas are fine in JS literals, not in JSON.
      if (!/^,\s*[}\]]/.test(src.slice(i))) out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
