// The shape a UserState is stored in, with a format number, so a later change of UserState meets
// the sessions already in SQLite or Redis through a migration instead of a crash or a silent reset
// (docs/storage.md, "Stored format"). Every adapter stores the same text; only this file knows it.
import type { UserState } from "../engine/types.js";

/** The format this runtime writes. Raise it with a migration below whenever UserState changes shape. */
export const STATE_FORMAT = 1;

/**
 * One step each: `MIGRATIONS[n]` turns a format-n state into format n+1. Format 0 is a record
 * written before formats existed (the bare UserState JSON): its shape is format 1's.
 */
const MIGRATIONS: ReadonlyArray<(state: Record<string, unknown>) => Record<string, unknown>> = [(state) => state];

/** A stored state this runtime cannot read: written by a newer version, or not a state at all. */
export class StoredStateError extends Error {
  constructor(reason: string) {
    super(`stored session state: ${reason}`);
    this.name = "StoredStateError";
  }
}

/** The text every store keeps for a state (`json`: the state's JSON, if already made). */
export function encodeState(state: UserState, json: string = JSON.stringify(state)): string {
  return `{"format":${STATE_FORMAT},"state":${json}}`;
}

/**
 * Reads a stored state of this format or an older one (migrated step by step; the next commit
 * writes the current format). A newer format is refused, so an older runtime started by mistake on
 * the same store never overwrites sessions it does not understand.
 */
export function decodeState(text: string): UserState {
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new StoredStateError("expected a JSON object");
  const wrapped = typeof parsed.format === "number" && isRecord(parsed.state);
  let format = wrapped ? (parsed.format as number) : 0;
  let state = wrapped ? (parsed.state as Record<string, unknown>) : parsed;
  if (!Number.isInteger(format) || format < 0) throw new StoredStateError(`unknown format ${String(format)}`);
  if (format > STATE_FORMAT) {
    throw new StoredStateError(`format ${format} was written by a newer smartapp-runtime (this one reads up to ${STATE_FORMAT}); upgrade it, or use another store`);
  }
  for (; format < STATE_FORMAT; format++) {
    const migrate = MIGRATIONS[format];
    if (migrate === undefined) throw new StoredStateError(`no migration from format ${format}`);
    state = migrate(state);
  }
  return state as unknown as UserState;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
