import { describe, expect, it } from "vitest";
import { compileRegex, translateJavaRegex } from "./regex.js";

describe("Java regex translation", () => {
  it("drops possessive quantifiers but keeps lazy ones", () => {
    expect(translateJavaRegex("a++b*+c?+d{2}+").source).toBe("a+b*c?d{2}");
    expect(translateJavaRegex("a+?b").source).toBe("a+?b");
    expect(translateJavaRegex("\\++").source).toBe("\\++");
  });
  it("maps \\p{…} names and adds the u flag, removing identity escapes u-mode rejects", () => {
    const t = translateJavaRegex("\\-?\\p{L}+\\p{IsAlphabetic}");
    expect(t.flags).toContain("u");
    const re = new RegExp(`^(?:${t.source})$`, t.flags);
    expect(re.test("-слово")).toBe(true);
    expect(re.test("-12")).toBe(false);
  });
  it("turns (?i), atomic groups and \\A…\\z into JS", () => {
    const re = compileRegex("(?i)\\A(?>да|нет)\\z", false);
    expect(re.test("ДА")).toBe(true);
    expect(re.test("может")).toBe(false);
  });
  it("matches the whole string (Java matches())", () => {
    const re = compileRegex("\\d+", false);
    expect(re.test("123")).toBe(true);
    expect(re.test("123a")).toBe(false);
  });
  it("is case-sensitive unless asked", () => {
    expect(compileRegex("да", false).test("Да")).toBe(false);
    expect(compileRegex("да", true).test("Да")).toBe(true);
  });
});
