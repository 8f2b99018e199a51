import { afterEach, describe, expect, it, vi } from "vitest";
import { secureFraction } from "./secure-random.js";
import { crashResult } from "../runtime/executor.js";
import { TurnCrash } from "../runtime/worker-pool.js";
import { emptyUserState } from "../engine/types.js";
import type { ChatbotConfig } from "../project/model.js";

describe("secureFraction", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is uniform in [0, 1) and never reads Math.random", () => {
    const spy = vi.spyOn(Math, "random");
    const draws = Array.from({ length: 20_000 }, secureFraction);
    expect(spy).not.toHaveBeenCalled();
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const buckets = [0, 0, 0, 0];
    for (const d of draws) buckets[Math.floor(d * 4)]++;
    for (const n of buckets) expect(n).toBeGreaterThan(4_000); // 5,000 expected each
    expect(new Set(draws).size).toBeGreaterThan(19_990);
  });

  it("picks the error message without Math.random", () => {
    const spy = vi.spyOn(Math, "random");
    const config = { messages: { onError: { defaultMessages: ["one", "two", "three"] } } } as unknown as ChatbotConfig;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const result = crashResult(emptyUserState(), new TurnCrash("internal", "boom"), config);
      seen.add(String(result.replies[0]?.text));
    }
    expect(spy).not.toHaveBeenCalled();
    expect(seen).toEqual(new Set(["one", "two", "three"]));
  });
});
