// Timeouts (spec dsl.md §4.8): interval parsing and the pending timeout a turn leaves behind.
import type { Reply } from "./types.js";
import { DialogError } from "./errors.js";
import { resolveStatePath } from "./paths.js";

const UNIT_SECONDS: Record<string, number> = {
  "": 1, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  ms: 0.001,
};

/** `180`, `"3 sec"`, `"10s"`, `"1 minute"`, `"5m"`, `"1 hour"` → seconds. */
export function parseInterval(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value ?? ""));
  const unit = m ? UNIT_SECONDS[(m[2] ?? "").toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new DialogError(`Bad timeout interval "${String(value)}" (expected e.g. 30, "30 seconds", "5m", "1 hour")`);
  return Number(m[1]) * unit;
}

/**
 * Normalise the timeout replies of a turn in place (interval in seconds, absolute target resolved
 * against the producing state) and return the last one: it becomes the pending timeout.
 */
export function normaliseTimeoutReplies(
  replies: Reply[],
  fallbackState: string,
  warn: (message: string) => void,
): { interval: number; targetState: string } | undefined {
  let last: { interval: number; targetState: string } | undefined;
  for (const r of replies) {
    if (r.type !== "timeout") continue;
    const base = typeof r.state === "string" ? r.state : fallbackState;
    try {
      r.interval = parseInterval(r.interval);
    } catch (e) {
      // A script-made timeout with a bad interval cannot be scheduled; the turn itself is done.
      warn(e instanceof Error ? e.message : String(e));
      continue;
    }
    r.targetState = resolveStatePath(base, String(r.targetState ?? ""));
    last = { interval: r.interval as number, targetState: r.targetState as string };
  }
  return last;
}
