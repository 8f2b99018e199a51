// Limits on what a turn may commit as the user's state (docs/security.md). A state over a limit is
// never stored: the turn goes to the project's error path and the user keeps the state they had.
import type { UserState } from "../engine/types.js";
import { scanJsonText } from "../util/json-text.js";

export interface StateLimits {
  /** Largest state, as serialised JSON in UTF-8 bytes. Default 1 MB. */
  maxStateBytes?: number;
  /** Deepest object/array nesting inside the state. Default 128. */
  maxStateDepth?: number;
}

export const DEFAULT_MAX_STATE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_STATE_DEPTH = 128;

/** A state that may be committed, as JSON (`json`), or why it may not (`violation`). */
export type StateCheck = { json: string; violation?: undefined } | { json?: undefined; violation: string };

/**
 * Why `state` may not be committed, or its JSON, which the store then writes as it is
 * (Commit.stateJson): a turn's state is serialised once. The nesting is read off the JSON text, in
 * one pass that allocates nothing; a state too deep or cyclic for JSON.stringify is measured by
 * walking it (nestingExceeds), so the reasons are the same either way. `uncountedBytes` of the JSON
 * are the runtime's bookkeeping, not counted against `maxStateBytes` (the executor's once-ids).
 */
export function checkStateLimits(state: UserState, limits: StateLimits = {}, uncountedBytes = 0): StateCheck {
  const maxDepth = limits.maxStateDepth ?? DEFAULT_MAX_STATE_DEPTH;
  const maxBytes = limits.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
  const tooDeep = { violation: `the session state nests deeper than ${maxDepth} levels` };
  let json: string;
  try {
    json = JSON.stringify(state);
  } catch (err) {
    if (nestingExceeds(state, maxDepth)) return tooDeep;
    return { violation: `the session state cannot be stored as JSON: ${(err as Error).message}` };
  }
  if (scanJsonText(json, maxDepth).depth > maxDepth) return tooDeep;
  // UTF-8 is at most 3 bytes per UTF-16 unit: skip the byte count when even that fits.
  if (json.length * 3 > maxBytes + uncountedBytes && Buffer.byteLength(json, "utf8") > maxBytes + uncountedBytes) {
    return { violation: `the session state is larger than ${maxBytes} bytes` };
  }
  return { json };
}

/**
 * Whether any path from `root` passes more than `max` objects/arrays. Iterative, so a state nested
 * far beyond the stack is measured rather than overflowing; each object is walked once, so shared
 * references and cycles cost no more than the object graph (a cycle then fails the JSON step).
 */
export function nestingExceeds(root: unknown, max: number): boolean {
  const seen = new WeakSet<object>();
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    if (depth + 1 > max) return true;
    seen.add(value);
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}
