// Amounts: the runtime counts integer minor units (kopecks); YooKassa wants decimal strings ("900.00").
import type { Amount } from "./types.js";

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/** Pure: 90000 kopecks → { value: "900.00", currency }. */
export function toAmount(minor: number, currency = "RUB"): Amount {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`amount must be a non-negative integer of minor units, got ${minor}`);
  const whole = Math.floor(minor / 100);
  const cents = String(minor % 100).padStart(2, "0");
  return { value: `${whole}.${cents}`, currency };
}

/** Pure: "900.00" (or 900, as SDK examples send) → 90000; undefined when it is not a money value. */
export function parseMinor(value: unknown): number | undefined {
  const text = typeof value === "number" ? (Number.isFinite(value) ? value.toFixed(2) : "") : typeof value === "string" ? value : "";
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const minor = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  return Number.isSafeInteger(minor) ? minor : undefined;
}
