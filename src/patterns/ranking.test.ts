// Ranking between patterns (§3.4) with context tiers (§4.3).
import { describe, expect, it } from "vitest";
import { createPatternSet } from "./index.js";
import { rankWeight } from "./ranking.js";

const GLOBAL = 1_000_000;
const POS = { file: "main.sc", line: 1, col: 1 };

/** Trigger ids in ranking order for `text`; `patterns` = [id, source, tier]. */
function rank(text: string, patterns: [number, string, number][]): number[] {
  const set = createPatternSet(new Map(), new Map());
  for (const [id, src] of patterns) set.add(id, src, POS);
  return set.match(text, new Map(patterns.map(([id, , tier]) => [id, tier]))).map((m) => m.triggerId);
}

describe("score", () => {
  it("is matched / total letters of the words; * and $oneWord count as unmatched", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* слона *", POS);
    set.add(2, "купить [очень] $oneWord слона", POS);
    const r = set.match("купить очень большого слона!", new Map([[1, 0], [2, 0]]));
    // 24 letters: купить 6, очень 5, большого 8, слона 5 (punctuation does not count)
    expect(r.map((x) => [x.triggerId, x.score])).toEqual([[2, 16 / 24], [1, 5 / 24]]);
  });
  it("between equal word counts the match with more letters wins, whatever the declaration order", () => {
    expect(rank("заплатил 500 вчера", [[1, "* $regexp<\\d+> *", 0], [2, "* вчера *", 0]])).toEqual([2, 1]);
    expect(rank("заплатил 500 вчера", [[1, "* вчера *", 0], [2, "* $regexp<\\d+> *", 0]])).toEqual([1, 2]);
  });
  it("one long number beats two short ones", () => {
    expect(rank("код 123456789 10 11", [[1, "* $regexp<\\d\\d> $regexp<\\d\\d>", 0], [2, "* $regexp<\\d{9}> *", 0]])).toEqual([2, 1]);
  });
  it("between equal letters the match with more words wins, whatever the declaration order", () => {
    // "он шел" and "домой" both have 5 letters
    expect(rank("он шёл домой", [[1, "* домой", 0], [2, "он шел *", 0]])).toEqual([2, 1]);
    expect(rank("он шёл домой", [[1, "он шел *", 0], [2, "* домой", 0]])).toEqual([1, 2]);
  });
  it("the better-covering pattern wins in the same tier", () => {
    expect(rank("купить слона", [[1, "* слона", 1], [2, "купить слона", 1]])).toEqual([2, 1]);
  });
  it("between equal scores an exact word beats a stem, but never outweighs context", () => {
    expect(rank("забыл пинкод", [[1, "* забыл* * *код *", GLOBAL], [2, "* забыл* * (пинкод|пин*) *", GLOBAL]])).toEqual([2, 1]);
    expect(rank("забыл пинкод", [[1, "* забыл* * *код *", 0], [2, "* забыл* * пинкод *", GLOBAL]])).toEqual([1, 2]);
  });
});

describe("context tiers", () => {
  it("a closer tier wins between equal scores", () => {
    expect(rank("да", [[1, "да", GLOBAL], [2, "да", 0]])).toEqual([2, 1]);
    expect(rank("да", [[1, "да", 2], [2, "да", 1]])).toEqual([2, 1]);
  });
  it("a clearly better score in a farther tier still wins", () => {
    expect(rank("ну да конечно", [[1, "* да *", 0], [2, "ну да конечно", GLOBAL]])).toEqual([2, 1]);
  });
  it("a bare * loses to any literal match, even a global one", () => {
    expect(rank("/start", [[1, "*", 0], [2, "/start", GLOBAL]])).toEqual([2, 1]);
    expect(rank("я хочу купить очень большого слона сегодня утром", [[1, "*", 0], [2, "* слона *", GLOBAL]])).toEqual([2, 1]);
  });
  it("between bare catch-alls the closer one wins", () => {
    expect(rank("что угодно", [[1, "*", GLOBAL], [2, "*", 0]])).toEqual([2, 1]);
  });
  it("ties go to the earlier trigger", () => {
    expect(rank("да", [[5, "да", 0], [3, "(да|нет)", 0]])).toEqual([3, 5]);
  });
  it("inactive triggers (absent from tiers) are never returned", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "да", POS);
    set.add(2, "да", POS);
    expect(set.match("да", new Map([[2, 0]])).map((m) => m.triggerId)).toEqual([2]);
  });
  it("$weight can outrank context", () => {
    expect(rank("да", [[1, "да", 0], [2, "да $weight<+0.5>", GLOBAL]])).toEqual([2, 1]);
  });
  it("weight formula", () => {
    expect(rankWeight(1, 0, 0)).toBeCloseTo(1.2005);
    expect(rankWeight(0, 0, GLOBAL)).toBeLessThan(1e-6);
  });
});
