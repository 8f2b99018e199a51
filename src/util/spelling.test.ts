import { describe, expect, it } from "vitest";
import { editDistance, likelySpelling } from "./spelling.js";

describe("editDistance", () => {
  it.each([
    ["entryPoint", "entryPoint", 0],
    ["enteryPoint", "entryPoint", 1],
    ["scirpt", "script", 1],
    ["intetnt!", "intent!", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("%s → %s is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("likelySpelling", () => {
  const tags = ["state", "script", "intent", "intent!", "go", "go!", "a", "q", "q!"];

  it("names the one candidate within reach, case aside", () => {
    expect(likelySpelling("intetnt!", tags)).toBe("intent!");
    expect(likelySpelling("State", tags)).toBe("state");
    expect(likelySpelling("stat", tags)).toBe("state");
  });

  it("stays silent for far words, exact names and ties", () => {
    expect(likelySpelling("slot", tags)).toBeUndefined(); // three edits from state
    expect(likelySpelling("script", tags)).toBeUndefined();
    expect(likelySpelling("gq", tags)).toBeUndefined(); // one edit from go and from q: a tie
    expect(likelySpelling("foo", tags)).toBeUndefined();
  });

  // Sixth red-team round: the table of edits is a row per letter of the word, whatever the candidates.
  it("looks at no candidate out of reach by length: a word of millions of letters is answered at once", () => {
    expect(likelySpelling("x".repeat(4_000_000), tags)).toBeUndefined();
    expect(likelySpelling("stateee", tags)).toBe("state"); // two letters longer: still within reach
  });

  // Review: two long names of about the same length still built the whole table (200k × 200k).
  it("guesses no name longer than 64 letters", () => {
    const name = "a".repeat(64);
    expect(likelySpelling(name + "b", [name + "c"])).toBeUndefined();
    expect(likelySpelling(name.slice(1) + "b", [name.slice(1) + "c"])).toBe(name.slice(1) + "c");
    expect(likelySpelling("y".repeat(2_000), ["y".repeat(2_001)])).toBeUndefined();
  });

  // Review: the length pre-filter took the candidate's length before lower-casing, the distance after.
  it("measures a candidate's length lower-cased, as its distance", () => {
    // "İ" is one code unit, lower-cased two ("i" and a combining dot).
    expect(likelySpelling("i\u0307i\u0307i\u0307xyw", ["İİİxyz"])).toBe("İİİxyz");
  });
});
