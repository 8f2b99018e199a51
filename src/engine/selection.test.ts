// The default choice between pattern and intent hypotheses (docs/nlu.md "Selection").
import { describe, expect, it } from "vitest";
import { buildNluResults, type Hypothesis } from "./selection.js";

const hyp = (ruleType: Hypothesis["ruleType"], clazz: string, score: number): Hypothesis => ({ ruleType, clazz, score });
const th = { patterns: 0.4, phrases: 0.4 };

describe("pattern against intent", () => {
  const globalPattern = { tier: 9, hyp: hyp("pattern", "/Global", 0.9) };
  const localIntent = { tier: 0, hyp: hyp("intent", "/Local", 0.8) };

  it("a pattern above its threshold wins whatever the intent's context", () => {
    expect(buildNluResults([globalPattern], [localIntent], [], th).nlu.selected?.clazz).toBe("/Global");
  });

  it("with context depth considered, a nearer intent wins over a farther pattern", () => {
    expect(buildNluResults([globalPattern], [localIntent], [], th, true).nlu.selected?.clazz).toBe("/Local");
  });

  it("a pattern below its threshold loses to any intent", () => {
    const weak = { tier: 0, hyp: hyp("pattern", "/Weak", 0.2) };
    const r = buildNluResults([weak], [{ tier: 9, hyp: hyp("intent", "/Far", 0.5) }], [], th);
    expect(r.nlu.selected?.clazz).toBe("/Far");
    expect(r.nBest.map((h) => h.clazz)).toEqual(["/Far", "/Weak"]);
  });
});
