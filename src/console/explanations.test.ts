// The console's kept explanations are bounded by size as well as by count: any webhook client can
const DEFAULT_MAX_EXPLANATION_CHARS = 32 * 1024 * 1024;
// name a `console-` user and send 1 MB texts (docs/security.md, "Third red-team round").
import { describe, expect, it } from "vitest";
import type { TurnExplanation } from "../engine/explain.js";
import { TurnExplanations } from "./explanations.js";

const explained = (query: string): TurnExplanation => ({
  input: { kind: "text", query },
  context: { before: "/", after: "/" },
  decidedBy: "none",
  candidates: [],
  why: [],
  executed: [],
  transitions: [],
  replies: [],
  logs: [],
  errors: [],
  session: [],
  client: [],
});

describe("TurnExplanations", () => {
  it("keeps at most DEFAULT_MAX_EXPLANATION_CHARS of explanations: 1 MB texts of 100 users drop the oldest", () => {
    const kept = new TurnExplanations();
    const big = "я".repeat(1024 * 1024);
    for (let i = 0; i < 100; i++) kept.record(`console-${i}`, "1", explained(big));
    expect(kept.get("console-0", "1")).toBeUndefined(); // the count limits (200 users, 50 turns) kept all 100
    expect(kept.get("console-99", "1")?.input.query).toBe(big);
    expect(kept.size).toBeLessThanOrEqual(DEFAULT_MAX_EXPLANATION_CHARS);
    expect(kept.size).toBeGreaterThan(DEFAULT_MAX_EXPLANATION_CHARS - 2 * big.length);
  });

  it("drops the least recent user's oldest turns first and counts replaced and dropped turns", () => {
    const one = JSON.stringify(explained("x".repeat(100))).length;
    const kept = new TurnExplanations(3, 10, one * 4);
    kept.record("console-a", "1", explained("x".repeat(100)));
    kept.record("console-a", "2", explained("x".repeat(100)));
    kept.record("console-b", "1", explained("x".repeat(100)));
    kept.record("console-a", "3", explained("x".repeat(100))); // a is now the most recent user
    kept.record("console-a", "3", explained("x".repeat(100))); // a retry replaces, does not add
    expect(kept.size).toBe(one * 4);
    kept.record("console-c", "1", explained("x".repeat(100)));
    expect(kept.get("console-b", "1")).toBeUndefined(); // b was the least recent user
    expect(kept.get("console-a", "1")).toBeDefined();
    kept.record("console-c", "2", explained("x".repeat(100)));
    expect(kept.get("console-a", "1")).toBeUndefined();
    expect(kept.get("console-a", "2")).toBeDefined();
    expect(kept.size).toBe(one * 4);
    kept.record("console-d", "1", explained("x".repeat(one * 5))); // larger than the whole budget
    expect(kept.get("console-d", "1")).toBeUndefined();
    expect(kept.size).toBe(one * 4);
  });
});
