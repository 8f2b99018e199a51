// The user's wall clock, which dates in a phrase ("завтра", "в 6 утра") resolve against
// (docs/nlu.md, "Entities"): the channel's own time zone offset when the request carries one, else the
// CAILA project's default time zone (`settings.timezone` of the export), else UTC. The result is that
// wall time read as UTC, as the emulated Duckling values expect.

/** "UTC", "GMT", "UTC+03:00", "UTC-5", "+03:00": a fixed offset in minutes; undefined for anything else. */
function fixedOffsetMinutes(zone: string): number | undefined {
  const m = /^(?:UTC|GMT)?\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/i.exec(zone.trim());
  if (!m || (!m[1] && !/^(UTC|GMT)$/i.test(zone.trim()))) return undefined;
  if (!m[1]) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return minutes > 14 * 60 ? undefined : (m[1] === "-" ? -1 : 1) * minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    } catch {
      f = null; // not a zone name the runtime knows
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone this runtime can apply (an IANA name or a fixed UTC offset). */
export function isKnownTimeZone(zone: string): boolean {
  return fixedOffsetMinutes(zone) !== undefined || formatterFor(zone) !== null;
}

/** The offset of `zone` from UTC at the instant `at`, in ms (daylight saving included); undefined for an unknown zone. */
export function zoneOffsetMs(zone: string, at: number): number | undefined {
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== undefined) return fixed * 60_000;
  const f = formatterFor(zone);
  if (!f) return undefined;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The user's wall time at `now` read as UTC: shifted by the request's `offsetSec` when the channel sent
 * one, else by the project's default zone, else not at all.
 */
export function userWallClock(now: number, offsetSec: number | undefined, defaultZone: string | undefined): number {
  if (typeof offsetSec === "number" && Number.isFinite(offsetSec)) return now + offsetSec * 1000;
  if (defaultZone) return now + (zoneOffsetMs(defaultZone, now) ?? 0);
  return now;
}
