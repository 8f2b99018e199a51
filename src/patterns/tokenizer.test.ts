import { describe, expect, it } from "vitest";
import { tokenize, tokenizeDetailed } from "./tokenizer.js";

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
});
