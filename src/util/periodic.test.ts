import { afterEach, describe, expect, it, vi } from "vitest";
import { every } from "./periodic.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("every", () => {
  it("never starts a round while the previous one runs, and hands a failed round to onError", async () => {
    vi.useFakeTimers();
    let started = 0;
    let finish!: () => void;
    const errors: unknown[] = [];
    const timer = every(
      100,
      () => {
        started++;
        if (started === 2) return Promise.reject(new Error("down"));
        return new Promise<void>((r) => (finish = r));
      },
      (err) => errors.push(err),
    );
    await vi.advanceTimersByTimeAsync(350); // ticks at 100, 200, 300: the first round is still running
    expect(started).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(100); // the next tick starts round 2, which fails
    expect(started).toBe(2);
    expect(errors).toEqual([new Error("down")]);
    await vi.advanceTimersByTimeAsync(100); // a failed round does not stop the timer
    expect(started).toBe(3);
    clearInterval(timer);
  });
});
