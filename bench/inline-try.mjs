// A turn on the main thread (src/runtime/inline.ts), in-process: µs per "hello" turn answered inline,
// and per try of a turn that is refused because its script needs a worker (the $http turn of the
// webhook benchmark's mixed load). Needs `npm run build`; run with --no-node-snapshot (isolated-vm).
// Usage: node --no-node-snapshot bench/inline-try.mjs [rounds=5] [turns=1000]
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HTTP_SC, makeProject } from "./lib/projects.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { loadProject } = await import(path.join(root, "dist/project/loader.js"));
const { InlineTurns } = await import(path.join(root, "dist/runtime/inline.js"));
const { emptyUserState } = await import(path.join(root, "dist/engine/types.js"));
const ROUNDS = Number(process.argv[2] ?? 5);
const TURNS = Number(process.argv[3] ?? 1000);

// Port 9 (discard): the turn is refused before its script runs, so nothing is ever fetched.
const dir = makeProject(HTTP_SC(9), "bench-inline-");
try {
  const inline = InlineTurns.create(loadProject(dir, {}), { turnCpuMs: 2000, memoryMb: 128, secrets: {}, env: {} });
  const state = emptyUserState();
  /** Best of ROUNDS: µs per turn. */
  const measure = (query, expectAnswered) => {
    const r = inline.run({ query }, state);
    if ((r !== undefined) !== expectAnswered) throw new Error(`"${query}": expected ${expectAnswered ? "an inline answer" : "a refusal"}`);
    for (let i = 0; i < TURNS; i++) inline.run({ query }, state);
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      for (let i = 0; i < TURNS; i++) inline.run({ query }, state);
      best = Math.min(best, ((performance.now() - t0) * 1000) / TURNS);
    }
    return Math.round(best);
  };
  console.log(JSON.stringify({ bench: "inline-try", helloUs: measure("привет", true), refusedUs: measure("погода", false), rounds: ROUNDS, turns: TURNS }));
  inline.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
