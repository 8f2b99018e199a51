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

/** Classes of the BMP code units met so far (0: not classified yet): a turn tokenises without a string per character. */
const UNSEEN = 0;
const WORD = 1;
const BLANK = 2;
const OTHER = 3;
const bmpClasses = new Uint8Array(0x10000);

function classify(ch: string): number {
  return WORD_CHAR.test(ch) ? WORD : SPACE.test(ch) ? BLANK : OTHER;
}

/** The class of the code point at code-unit offset i (surrogates are classified as the code point they start, or alone). */
function classAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdfff) return classify(String.fromCodePoint(text.codePointAt(i)!));
  let c = bmpClasses[code]!;
  if (c === UNSEEN) bmpClasses[code] = c = classify(String.fromCharCode(code));
  return c;
}

/** Code units of the code point at i: 2 for a surrogate pair, else 1. */
function widthAt(text: string, i: number): number {
  return text.codePointAt(i)! > 0xffff ? 2 : 1;
}

/** Offset where the code point before offset i starts (-1 at the start). */
function before(text: string, i: number): number {
  if (i <= 0) return -1;
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return i - 2;
  }
  return i - 1;
}

/** The code point at offset i is a word character (false outside the text). */
function wordAt(text: string, i: number): boolean {
  return i >= 0 && i < text.length && classAt(text, i) === WORD;
}

/** The code point at offset i as a string ("" outside the text). */
function charAt(text: string, i: number): string {
  return i < text.length ? text.slice(i, i + widthAt(text, i)) : "";
}

/** Full tokenisation with offsets (used by the matcher for node text and regexp spans). Walks code points, so surrogate pairs stay whole. */
export function tokenizeDetailed(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const cls = classAt(text, i);
    if (cls === BLANK) {
      i += widthAt(text, i);
      continue;
    }
    // A leading "/" glued to a word ("/start") belongs to it, unless it follows a word ("a/b").
    const slashWord = cls !== WORD && text.charCodeAt(i) === 0x2f && wordAt(text, i + 1) && !wordAt(text, before(text, i));
    if (cls === WORD || slashWord) {
      const begin = i;
      i += widthAt(text, i);
      while (i < text.length) {
        const code = text.charCodeAt(i);
        if (classAt(text, i) === WORD) i += widthAt(text, i);
        else if ((code === 0x2d || code === 0x27 || code === 0x2019) && wordAt(text, i + 1) && wordAt(text, before(text, i))) i++; // - ' ’
        else break;
      }
      const raw = text.slice(begin, i);
      tokens.push({ raw, norm: normalizeWord(raw), start: begin, end: i, punct: false });
      continue;
    }
    const ch = charAt(text, i);
    if (EMOJI.test(ch)) {
      // An emoji is a word of its own (`$happy = (😀|😃)` must not match 😴), with its modifiers.
      const begin = i;
      i += ch.length;
      for (;;) {
        const next = charAt(text, i);
        if (next === "") break;
        if (EMOJI_TAIL.test(next)) i += next.length;
        else if (next === "\u200d" && EMOJI.test(charAt(text, i + 1))) i += 1 + charAt(text, i + 1).length;
        else break;
      }
      const raw = text.slice(begin, i);
      tokens.push({ raw, norm: raw, start: begin, end: i, punct: false });
      continue;
    }
    tokens.push({ raw: ch, norm: ch, start: i, end: i + ch.length, punct: true });
    i += ch.length;
  }
  return tokens;
}

/** Normalised tokens of a text, punctuation included as separate tokens. */
export function tokenize(text: string): string[] {
  return tokenizeDetailed(text).map((t) => t.norm);
}
