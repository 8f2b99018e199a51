// `$regexp<…>` bodies are Java regexes (the platform runs on the JVM). Translate the cheap
// differences to JavaScript; see docs/patterns.md "Java regex translation".

const JAVA_PROPS: Record<string, string> = {
  Alpha: "\\p{Alphabetic}",
  IsAlphabetic: "\\p{Alphabetic}",
  Alnum: "[\\p{Alphabetic}\\p{Nd}]",
  Digit: "\\p{Nd}",
  IsDigit: "\\p{Nd}",
  Lower: "\\p{Ll}",
  Upper: "\\p{Lu}",
  Punct: "\\p{P}",
  Space: "\\s",
  javaLowerCase: "\\p{Ll}",
  javaUpperCase: "\\p{Lu}",
  javaLetter: "\\p{L}",
  javaLetterOrDigit: "[\\p{L}\\p{Nd}]",
  IsCyrillic: "\\p{Script=Cyrillic}",
  InCyrillic: "\\p{Script=Cyrillic}",
  Cyrillic: "\\p{Script=Cyrillic}",
  IsLatin: "\\p{Script=Latin}",
  Latin: "\\p{Script=Latin}",
};

// Escapes that mean something in a `u`-mode JS regex; any other `\x` is a Java identity escape.
const U_ESCAPES = new Set([..."dDwWsSbBnrtfv0123456789pPuxck^$\\.*+?()[]{}|/-"]);

export interface TranslatedRegex {
  source: string;
  flags: string;
}

/** Java regex → JS: possessive quantifiers, atomic groups, (?i), \A \Z \z, \p{…} names (adds `u`). */
export function translateJavaRegex(java: string): TranslatedRegex {
  let src = java;
  let flags = "";
  const inline = /^\(\?([imsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]!) if ((f === "i" || f === "m" || f === "s") && !flags.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  let out = "";
  let inClass = false;
  let needU = false;
  let afterQuantifier = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") {
      const next = src[i + 1] ?? "";
      i++;
      afterQuantifier = false;
      if ((next === "p" || next === "P") && src[i + 1] === "{") {
        const close = src.indexOf("}", i);
        const name = src.slice(i + 2, close < 0 ? undefined : close);
        const mapped = JAVA_PROPS[name] ?? JAVA_PROPS[name.replace(/^Is/, "")];
        let body = mapped ?? `\\p{${name.replace(/^Is(?=\w)/, "")}}`;
        if (next === "P") body = negateProp(body);
        out += inClass && body.startsWith("[") ? body.slice(1, -1) : body;
        needU = true;
        i = close < 0 ? src.length : close;
        continue;
      }
      if (!inClass && next === "A") out += "^";
      else if (!inClass && (next === "Z" || next === "z")) out += "$";
      else out += "\\" + next;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      if (src[i + 1] === "^") out += src[++i];
      if (src[i + 1] === "]") out += src[++i]; // a leading ']' is literal in Java
      afterQuantifier = false;
      continue;
    }
    if (ch === "(" && src.startsWith("(?>", i)) {
      out += "(?:"; // atomic group: no JS equivalent, a plain group matches the same strings here
      i += 2;
      afterQuantifier = false;
      continue;
    }
    if (ch === "+" && afterQuantifier) {
      afterQuantifier = false; // possessive quantifier: drop the '+'
      continue;
    }
    if (ch === "*" || ch === "+" || ch === "?") {
      // "(?" is a group modifier and "x*?" a lazy quantifier: neither can be followed by a possessive '+'.
      const quantifier: boolean = !(ch === "?" && (out.endsWith("(") || afterQuantifier));
      out += ch;
      afterQuantifier = quantifier;
      continue;
    }
    if (ch === "}" && /\{\d+(,\d*)?$/.test(out)) {
      out += ch;
      afterQuantifier = true;
      continue;
    }
    out += ch;
    afterQuantifier = false;
  }
  if (needU) {
    out = stripIdentityEscapes(out);
    flags += "u";
  }
  return { source: out, flags };
}

function negateProp(body: string): string {
  if (body.startsWith("\\p")) return "\\P" + body.slice(2);
  if (body.startsWith("[")) return "[^" + body.slice(1);
  return `[^${body}]`;
}

/** `u` mode rejects Java's harmless identity escapes such as `\-` or `\−` outside classes. */
function stripIdentityEscapes(src: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") {
      const next = src[i + 1] ?? "";
      i++;
      if (U_ESCAPES.has(next) && (next !== "-" || inClass)) out += "\\" + next;
      else out += /[\^$\\.*+?()[\]{}|/]/.test(next) ? "\\" + next : next;
      continue;
    }
    if (ch === "[" && !inClass) inClass = true;
    else if (ch === "]" && inClass) inClass = false;
    out += ch;
  }
  return out;
}

/** Anchored (Java `matches()`) JS regex for a `$regexp` body; throws SyntaxError on a bad regex. */
export function compileRegex(java: string, caseInsensitive: boolean): RegExp {
  const { source, flags } = translateJavaRegex(java);
  let f = flags;
  if (caseInsensitive && !f.includes("i")) f += "i";
  return new RegExp(`^(?:${source})$`, f);
}
