// The default choice between pattern and intent hypotheses (docs/nlu.md "Selection").
import { describe, expect, it } from "vitest";
import { buildNluResults, intentThreshold, type Hypothesis } from "./selection.js";

const hyp = (ruleType: Hypothesis["ruleType"], clazz: string, score: number): Hypothesis => ({ ruleType, clazz, score });

describe("pattern against intent", () => {
  const globalPattern = { tier: 9, hyp: hyp("pattern", "/Global", 0.9) };
  const localIntent = { tier: 0, hyp: hyp("intent", "/Local", 0.8) };

  it("patterns first: a matching pattern wins whatever the intent's context", () => {
    expect(buildNluResults([globalPattern], [localIntent], []).nlu.selected?.clazz).toBe("/Global");
  });

  it("a pattern that covers little of a long phrase still wins over a stronger intent", () => {
    const weak = { tier: 9, hyp: hyp("pattern", "/Weak", 0.05) };
    const r = buildNluResults([weak], [{ tier: 0, hyp: hyp("intent", "/Near", 0.95) }], []);
    expect(r.nlu.selected?.clazz).toBe("/Weak");
    expect(r.nBest.map((h) => h.clazz)).toEqual(["/Weak", "/Near"]);
  });

  it("with context depth considered, a nearer intent wins over a farther pattern, not over a pattern as near", () => {
    expect(buildNluResults([globalPattern], [localIntent], [], true).nlu.selected?.clazz).toBe("/Local");
    expect(buildNluResults([{ tier: 0, hyp: hyp("pattern", "/Near", 0.1) }], [localIntent], [], true).nlu.selected?.clazz).toBe("/Near");
  });

  it("without a pattern the intent wins, then an example", () => {
    expect(buildNluResults([], [localIntent], [{ tier: 0, hyp: hyp("example", "/Ex", 1) }]).nlu.selected?.clazz).toBe("/Local");
    expect(buildNluResults([], [], [{ tier: 0, hyp: hyp("example", "/Ex", 1) }]).nlu.selected?.clazz).toBe("/Ex");
  });
});

describe("intentNoMatchThresholds", () => {
  it("applies `patterns` to guesses from the intents' CAILA patterns and `phrases` to the others", () => {
    const th = { patterns: 0.7, phrases: 0.3 };
    expect(intentThreshold(th, "pattern")).toBe(0.7);
    expect(intentThreshold(th, "phrases")).toBe(0.3);
    expect(intentThreshold(th, "request")).toBe(0.3);
  });
});
