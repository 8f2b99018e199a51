import { describe, expect, it } from "vitest";
import { TurnMeter } from "./protocol.js";

describe("TurnMeter", () => {
  it("counts a turn's running time and leaves out time blocked in host calls", () => {
    const buffer = TurnMeter.create();
    const worker = new TurnMeter(buffer);
    const pool = new TurnMeter(buffer); // the same memory, seen from the other thread
    expect(pool.busyMs()).toBe(0);
    const start = Date.now() - 1000;
    worker.startTurn(start);
    expect(pool.busyMs(start + 1000)).toBe(1000);
    const blockFor = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until);
    };
    worker.waiting(() => blockFor(30));
    const busy = pool.busyMs(start + 1000);
    expect(busy).toBeLessThanOrEqual(975);
    worker.endTurn();
    expect(pool.busyMs()).toBe(0);
  });
});
