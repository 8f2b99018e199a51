import { describe, expect, it } from "vitest";
import { normalizeWord, tokenize, tokenizeDetailed, type Token } from "./tokenizer.js";

describe("tokenize (§3.1)", () => {
  it("lower-cases and folds ё to е", () => {
    expect(tokenize("Ещё ЁЛКА")).toEqual(["еще", "елка"]);
  });
  it("keeps /start as one token", () => {
    expect(tokenize("/start")).toEqual(["/start"]);
    expect(tokenize("нажми /help пожалуйста")).toEqual(["нажми", "/help", "пожалуйста"]);
  });
  it("keeps word-internal hyphen and apostrophe", () => {
    expect(tokenize("как-то don't")).toEqual(["как-то", "don't"]);
    expect(tokenize("don’t")).toEqual(["don't"]);
  });
  it("splits punctuation into one-character tokens", () => {
    expect(tokenize("Привет, мир!")).toEqual(["привет", ",", "мир", "!"]);
    expect(tokenize("- да -")).toEqual(["-", "да", "-"]);
    expect(tokenize("a/b")).toEqual(["a", "/", "b"]);
    expect(tokenize("3.5")).toEqual(["3", ".", "5"]);
  });
  it("records offsets and punctuation flags", () => {
    const t = tokenizeDetailed("Да, конечно");
    expect(t.map((x) => [x.raw, x.start, x.end, x.punct])).toEqual([
      ["Да", 0, 2, false],
      [",", 2, 3, true],
      ["конечно", 4, 11, false],
    ]);
  });
  it("makes each emoji a word of its own, modifiers included", () => {
    expect(tokenizeDetailed("ура😀😴 👍🏽 ❤️").map((t) => [t.raw, t.punct])).toEqual([
      ["ура", false],
      ["😀", false],
      ["😴", false],
      ["👍🏽", false],
      ["❤️", false],
    ]);
  });
  it("returns nothing for blank text", () => {
    expect(tokenize("   ")).toEqual([]);
  });
  it("tokenises random text as the rules by code point say, offsets in code units", () => {
    // Pieces that meet every rule: words of letters, digits and marks, word-internal - ' ’, "/start",
    // emoji with skin tones, variation selectors and joiners, astral letters, lone surrogates, spaces.
    const pieces = ["при", "вет", "Ёж", "a", "Z", "7", "_", "\u0301", " ", "\t", "\u00a0", "\u2003", "-", "'", "’", "/", ",", ".", "!", "😀", "👍", "\u{1f3fd}", "\ufe0f", "\u200d", "❤", "𝒜", "𐐷", "\ud800", "\udc00", "中"];
    let seed = 13;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 3000; n++) {
      let text = "";
      for (let k = next() % 12; k >= 0; k--) text += pieces[next() % pieces.length];
      expect(tokenizeDetailed(text), JSON.stringify(text)).toEqual(byCodePoints(text));
    }
  });
});

/** The rules of §3.1 over an array of code points, the way the tokenizer once walked them: the reference of the test above. */
function byCodePoints(text: string): Token[] {
  const word = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}\p{M}_]/u.test(ch);
  const emoji = (ch: string | undefined) => ch !== undefined && /\p{Extended_Pictographic}/u.test(ch);
  const chars = Array.from(text);
  const at: number[] = [0];
  for (const ch of chars) at.push(at.at(-1)! + ch.length);
  const out: Token[] = [];
  let i = 0;
  const push = (begin: number, end: number, punct: boolean, fold: boolean) => {
    const raw = text.slice(at[begin], at[end]);
    out.push({ raw, norm: fold ? normalizeWord(raw) : raw, start: at[begin]!, end: at[end]!, punct });
  };
  while (i < chars.length) {
    const ch = chars[i]!;
    if (/\s/u.test(ch)) {
      i++;
    } else if (word(ch) || (ch === "/" && word(chars[i + 1]) && !word(chars[i - 1]))) {
      const begin = i++;
      while (i < chars.length && (word(chars[i]) || (["-", "'", "’"].includes(chars[i]!) && word(chars[i + 1]) && word(chars[i - 1])))) i++;
      push(begin, i, false, true);
    } else if (emoji(ch)) {
      const begin = i++;
      while (i < chars.length && (/^(?:\u{fe0f}|[\u{1f3fb}-\u{1f3ff}])$/u.test(chars[i]!) || (chars[i] === "\u200d" && emoji(chars[i + 1])))) i += chars[i] === "\u200d" ? 2 : 1;
      push(begin, i, false, false);
    } else {
      push(i, ++i, true, false);
    }
  }
  return out;
}
