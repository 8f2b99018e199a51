import { describe, expect, it } from "vitest";
import { countLimit } from "./limits.js";
import { Admission } from "../channels/smartapp/admission.js";
import { MemoryStore } from "../storage/memory.js";

describe("countLimit", () => {
  it("takes a positive number, floored, and the default for a missing, zero, negative or non-finite one", () => {
    expect(countLimit(5.9, 7, "n")).toBe(5);
    expect(countLimit(1, 7, "n")).toBe(1);
    for (const n of [undefined, 0, -3, Number.NaN, Infinity]) expect(countLimit(n, 7, "n")).toBe(7);
  });

  it("refuses a fraction below one, which would refuse every turn, naming the option", () => {
    expect(() => countLimit(0.5, 7, "maxTurns")).toThrow(new RangeError("maxTurns must be at least 1 (got 0.5): a limit below one would refuse everything"));
    expect(() => new Admission({ maxHeldBytes: 0.25 })).toThrow(/^maxHeldBytes must be at least 1 \(got 0\.25\)/);
    expect(() => new MemoryStore({ maxWaitingTurns: 0.9 })).toThrow(/^maxWaitingTurns must be at least 1/);
    expect(() => new MemoryStore({ maxCachedAnswers: 0.1 })).toThrow(/^maxCachedAnswers must be at least 1/);
  });
});
