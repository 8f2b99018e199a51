// The bounded CI part of `npm run fuzz`: 2,000 mutated requests of every category against the real
// server (memory and sqlite stores); no crash, no 5xx, every answer JSON, every messageId echoed.
import { describe, expect, it } from "vitest";
import { fuzz } from "../../scripts/fuzz.mjs";

describe("fuzz (2,000 requests)", () => {
  it.each([["memory" as const], ["sqlite" as const]])("%s store: no crash, no 5xx, no malformed answer", async (store) => {
    const r = await fuzz({ n: 2000, seed: 7, store, dir: "test/fixtures/security/limits", concurrency: 16, idleMs: 0, warmup: 100, src: true });
    expect(r.requests).toBe(2000);
    expect(r.problems).toEqual({ crash: 0, "5xx": 0, "invalid-json": 0, "messageId-mismatch": 0, "duplicate-answer-mismatch": 0, hang: 0, transport: 0 });
    expect(Object.values(r.categories).every((c) => c.sent > 0)).toBe(true);
  }, 180_000);
});
