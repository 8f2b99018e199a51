import { describe, expect, it } from "vitest";
import { isKnownTimeZone, userWallClock, zoneOffsetMs } from "./clock.js";

const at = Date.UTC(2023, 6, 1, 12, 0, 0); // summer: Berlin is +2 h, New York -4 h

describe("the user's wall clock", () => {
  it("reads IANA names with daylight saving and fixed UTC offsets as CAILA exports write them", () => {
    expect(zoneOffsetMs("Europe/Moscow", at)).toBe(3 * 3600_000);
    expect(zoneOffsetMs("Europe/Berlin", at)).toBe(2 * 3600_000);
    expect(zoneOffsetMs("Europe/Berlin", Date.UTC(2023, 0, 1))).toBe(3600_000);
    expect(zoneOffsetMs("America/New_York", at)).toBe(-4 * 3600_000);
    expect(zoneOffsetMs("UTC", at)).toBe(0);
    expect(zoneOffsetMs("UTC+03:00", at)).toBe(3 * 3600_000);
    expect(zoneOffsetMs("UTC-05:30", at)).toBe(-5.5 * 3600_000);
    expect(zoneOffsetMs("Mars/Olympus", at)).toBeUndefined();
    expect(isKnownTimeZone("Mars/Olympus")).toBe(false);
    expect(isKnownTimeZone("UTC+3")).toBe(true);
  });

  it("takes the request's offset first, then the project's zone, then UTC", () => {
    expect(userWallClock(at, 3600, "Europe/Moscow")).toBe(at + 3600_000);
    expect(userWallClock(at, undefined, "Europe/Moscow")).toBe(at + 3 * 3600_000);
    expect(userWallClock(at, undefined, undefined)).toBe(at);
    expect(userWallClock(at, undefined, "Mars/Olympus")).toBe(at);
  });
});
