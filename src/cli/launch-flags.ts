// The node flags every `smartapp` command runs with (src/cli/node-flags.ts restarts the command with
// them). Kept apart from node-flags.ts, which acts on import, so that the benchmarks can start a
// server with the very same flags without a launcher process in between.

/** isolated-vm on Node 20+ needs it (docs/sandbox.md, "Why isolated-vm"). */
export const NO_SNAPSHOT = "--no-node-snapshot";

/**
 * A young generation of 2 × 32 MB instead of V8's 2 × 16 MB at most: a webhook request allocates
 * ≈ 60 KB that is garbage by its answer, so a larger nursery halves the scavenges (each a pause of
 * the main thread that every request in flight waits out) at the same cost per scavenge, which is
 * proportional to what survives, i.e. the requests in flight (docs/benchmarks.md).
 */
export const YOUNG_GENERATION = "--max-semi-space-size=32";

/** Flags added when the command starts itself again; one the operator gave (argv or NODE_OPTIONS) wins. */
export function launchFlags(execArgv: readonly string[], nodeOptions = ""): string[] {
  // V8 takes --max-semi-space-size and --max_semi_space_size alike.
  const name = (arg: string): string => arg.split("=")[0]!.replace(/_/g, "-");
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(name));
  return [NO_SNAPSHOT, YOUNG_GENERATION].filter((flag) => !given.has(name(flag)));
}
