import { describe, expect, it } from "vitest";
import { childPath, parentPath, resolvePath } from "./paths.js";

describe("resolvePath (spec §4.6)", () => {
  it.each([
    ["/A/B", "/C/D", "/C/D"],
    ["/A/B", "X", "/A/B/X"],
    ["/A/B", "./X", "/A/B/X"],
    ["/A/B", ".", "/A/B"],
    ["/A/B", "..", "/A"],
    ["/A/B", "../X", "/A/X"],
    ["/A/B", "../../..", "/"],
    ["/A", "X/", "/A/X"],
    ["/", "..", "/"],
    ["/Menu", "Can I Help You?", "/Menu/Can I Help You?"],
    ["/a", "/A/./b/../C", "/A/C"],
    // Absolute paths that are not already normal (the shortcut for normal ones must not take them).
    ["/X", "/A/B ", "/A/B"],
    ["/X", " /A", "/A"],
    ["/X", "/A//B", "/A/B"],
    ["/X", "/A/B/", "/A/B"],
    ["/X", "/A/..", "/"],
    ["/X", "/A/.hidden", "/A/.hidden"],
    ["/X", "/A/ B", "/A/ B"],
    ["/X", "/", "/"],
    ["/X", "/A/B", "/A/B"],
  ])("resolvePath(%s, %s) = %s", (base, rel, want) => {
    expect(resolvePath(base, rel)).toBe(want);
  });

  it("parent and child paths", () => {
    expect(parentPath("/")).toBeNull();
    expect(parentPath("/A")).toBe("/");
    expect(parentPath("/A/B")).toBe("/A");
    expect(childPath("/", "A")).toBe("/A");
    expect(childPath("/A", "B")).toBe("/A/B");
  });
});
