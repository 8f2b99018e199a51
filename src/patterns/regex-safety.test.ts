// Catastrophic trigger regexps are found at load time; ordinary ones are not flagged.
import { describe, expect, it } from "vitest";
import { catastrophicRegexReason } from "./regex-safety.js";

describe("catastrophicRegexReason", () => {
  it.each(["(a+)+b", "(a*)*", "^(\\w+\\s?)*$", "(x+x+)+y", "((ab)+c)*", "(?:a+){2,}", "(a+){1,50}", "(.*a)+x", "((a+))+"])("flags %s", (src) => {
    expect(catastrophicRegexReason(src)).toMatch(/^nested unbounded quantifiers in \(.*: backtracking can take exponential time/);
  });

  it.each([
    "\\d+",
    "(a|b)+",
    "[(a+)]+",
    "\\(a+\\)+",
    "(a+)?b",
    "(a+){2}",
    "(?>a+)+b", // atomic
    "(a++)+b", // possessive
    "(?i)(да|ага)\\s*",
    "(\\d{1,3})(\\s\\d{3})*",
    "/start",
    "(?<name>a+)b",
    "[a-z]+@[a-z]+\\.(com|ru)",
  ])("accepts %s", (src) => {
    expect(catastrophicRegexReason(src)).toBeUndefined();
  });
});
