import { describe, expect, it } from "vitest";
import { numberEnds } from "./numbers.js";
import { tokenizeDetailed } from "./tokenizer.js";

const longest = (text: string): number | undefined => {
  const ends = numberEnds(tokenizeDetailed(text), 0);
  return ends.reduce<{ end: number; value: number } | undefined>((b, e) => (b === undefined || e.end > b.end ? e : b), undefined)?.value;
};

describe("Russian numbers", () => {
  it.each([
    ["ноль", 0],
    ["семь", 7],
    ["одиннадцать", 11],
    ["двадцать", 20],
    ["двадцать пять", 25],
    ["сто", 100],
    ["триста сорок два", 342],
    ["девятьсот девятнадцать", 919],
    ["две тысячи двадцать четыре", 2024],
    ["тысяча", 1000],
    ["пять миллионов", 5_000_000],
    ["42", 42],
    ["минус пять", -5],
  ])("%s = %d", (text, value) => {
    expect(longest(text)).toBe(value);
  });
  it("offers every prefix that is a number", () => {
    expect(numberEnds(tokenizeDetailed("двадцать пять"), 0).map((e) => [e.end, e.value])).toEqual([
      [1, 20],
      [2, 25],
    ]);
  });
  it("rejects non-numbers", () => {
    expect(numberEnds(tokenizeDetailed("слон"), 0)).toEqual([]);
    expect(numberEnds(tokenizeDetailed("двадцать ноль"), 0).map((e) => e.end)).toEqual([1]);
  });
});

describe("number words are looked up as own words only", () => {
  it.each(["constructor", "__proto__", "toString", "valueOf"])("%s is no number word", (text) => {
    expect(numberEnds(tokenizeDetailed(text), 0)).toEqual([]);
  });

  it("a number followed by such a word keeps its value", () => {
    expect(numberEnds(tokenizeDetailed("двадцать constructor"), 0).map((e) => e.value)).toEqual([20]);
  });
});
