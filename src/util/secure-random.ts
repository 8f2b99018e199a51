// The host's own random picks ($reactions.random, `random:`, the error message) come from a secure
// source: a thread's Math.random is predictable from its outputs, so a user who saw enough picks
// could foretell other users' (docs/sandbox.md, "Randomness").
import { randomBytes } from "node:crypto";

/** A uniform number in [0, 1) with 48 random bits, from the operating system's secure source. */
export function secureFraction(): number {
  return randomBytes(6).readUIntLE(0, 6) / 2 ** 48;
}
