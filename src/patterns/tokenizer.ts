// Input normalisation (spec dsl.md §3.1): tokens are runs of letters/digits with word-internal
// `-`/`'` and an optional leading `/`; every other visible character is a one-character
// punctuation token. Comparison uses the normalised form: lower case, ё→е, ’→'.

export interface Token {
  raw: string; // as written by the user
  norm: string; // lower-cased, ё→е
  start: number; // offset in the text
  end: number; // offset after the last character
  punct: boolean; // no letter or digit: only `*`-like elements may consume it
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;
const SPACE = /\s/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const EMOJI_TAIL = /^(?:\u{fe0f}|[\u{1f3fb}-\u{1f3ff}])$/u; // variation selector, skin tones

export function normalizeWord(word: string): string {
  return word.toLowerCase().replace(/ё/g, "е").replace(/[’`]/g, "'");
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** Full tokenisation with offsets (used by the matcher for node text and regexp spans). */
export function tokenizeDetailed(text: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(text); // code points, so surrogate pairs stay whole
  const offsets: number[] = [];
  let off = 0;
  for (const ch of chars) {
    offsets.push(off);
    off += ch.length;
  }
  offsets.push(off);
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    // A leading "/" glued to a word ("/start") belongs to it, unless it follows a word ("a/b").
    const slashWord = ch === "/" && isWordChar(chars[i + 1]) && !isWordChar(chars[i - 1]);
    if (isWordChar(ch) || slashWord) {
      const begin = i;
      i++;
      while (i < chars.length) {
        const c = chars[i]!;
        if (isWordChar(c)) i++;
        else if ((c === "-" || c === "'" || c === "’") && isWordChar(chars[i + 1]) && isWordChar(chars[i - 1])) i++;
        else break;
      }
      const raw = text.slice(offsets[begin], offsets[i]);
      tokens.push({ raw, norm: normalizeWord(raw), start: offsets[begin]!, end: offsets[i]!, punct: false });
      continue;
    }
    if (EMOJI.test(ch)) {
      // An emoji is a word of its own (`$happy = (😀|😃)` must not match 😴), with its modifiers.
      const begin = i;
      i++;
      while (i < chars.length && (EMOJI_TAIL.test(chars[i]!) || (chars[i] === "\u200d" && EMOJI.test(chars[i + 1] ?? "")))) i += chars[i] === "\u200d" ? 2 : 1;
      const raw = text.slice(offsets[begin], offsets[i]);
      tokens.push({ raw, norm: raw, start: offsets[begin]!, end: offsets[i]!, punct: false });
      continue;
    }
    tokens.push({ raw: ch, norm: ch, start: offsets[i]!, end: offsets[i + 1]!, punct: true });
    i++;
  }
  return tokens;
}

/** Normalised tokens of a text, punctuation included as separate tokens. */
export function tokenize(text: string): string[] {
  return tokenizeDetailed(text).map((t) => t.norm);
}
