// What a turn may commit: depth and size caps, measured without recursion.
import { describe, expect, it } from "vitest";
import { emptyUserState } from "../engine/types.js";
import { checkStateLimits, nestingExceeds } from "./state-limits.js";

const deep = (depth: number): Record<string, unknown> => {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) v = { v };
  return v;
};

describe("state limits", () => {
  it("measures nesting iteratively, far beyond the stack", () => {
    expect(nestingExceeds(deep(200_000), 128)).toBe(true);
    expect(nestingExceeds(deep(10), 11)).toBe(false);
    expect(nestingExceeds(deep(11), 11)).toBe(true);
    expect(nestingExceeds([[[1]]], 3)).toBe(false);
  });

  it("accepts a normal state and refuses a deep, a large or a cyclic one with a reason", () => {
    const ok = { ...emptyUserState(), session: { cart: [{ id: 1, n: 2 }], name: "Аня" } };
    expect(checkStateLimits(ok).violation).toBeUndefined();
    expect(checkStateLimits({ ...emptyUserState(), session: deep(3000) }).violation).toBe("the session state nests deeper than 128 levels");
    expect(checkStateLimits({ ...emptyUserState(), session: { big: "я".repeat(600_000) } }).violation).toBe("the session state is larger than 1048576 bytes");
    expect(checkStateLimits({ ...emptyUserState(), session: { big: "a".repeat(600_000) } }).violation).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkStateLimits({ ...emptyUserState(), session: cyclic }).violation).toMatch(/^the session state cannot be stored as JSON/);
    expect(checkStateLimits(ok, { maxStateBytes: 10 }).violation).toBe("the session state is larger than 10 bytes");
  });

  it("hands back the JSON of a state it accepts, and reads the nesting off it as the walk does", () => {
    const ok = { ...emptyUserState(), session: { text: 'a "{[" b\\', list: [[1], { x: [] }] } };
    expect(checkStateLimits(ok)).toEqual({ json: JSON.stringify(ok) });
    // The state object is level 1, session level 2: brackets inside strings do not count.
    for (const depth of [125, 126, 127]) {
      const state = { ...emptyUserState(), session: { s: "[[[[{{{{", v: deep(depth) } };
      expect(checkStateLimits(state).violation === undefined).toBe(!nestingExceeds(state, 128));
    }
    expect(checkStateLimits({ ...emptyUserState(), session: deep(126) }).json).toBeDefined();
    expect(checkStateLimits({ ...emptyUserState(), session: deep(127) }).violation).toBe("the session state nests deeper than 128 levels");
    // Too deep for JSON.stringify itself: measured by the walk, same reason.
    expect(checkStateLimits({ ...emptyUserState(), session: deep(200_000) })).toEqual({ violation: "the session state nests deeper than 128 levels" });
  });
});
