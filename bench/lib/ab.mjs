// Two builds compared batch by batch in one process (bench/turn-ab.mjs, bench/executor-ab.mjs).
import { allocatedAsync } from "./heap.mjs";

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs each build's batches alternately, the order swapped every round after three warm-up rounds,
 * and pushes onto every run its CPU µs per turn (`us`, process.cpuUsage) and, in five batches of
 * their own, the bytes the V8 heap allocated per turn (`bytes`). A run is `{ prepare, run }`:
 * `prepare()` builds a batch outside the timing, `run(batch)` (sync or async) plays its `turns` turns.
 */
export async function alternate(runs, { rounds, turns }) {
  const labels = Object.keys(runs);
  for (let round = -3; round < rounds; round++) {
    for (const label of round % 2 ? [...labels].reverse() : labels) {
      const r = runs[label];
      const batch = r.prepare();
      const t0 = process.cpuUsage();
      await r.run(batch);
      const t = process.cpuUsage(t0);
      if (round >= 0) r.us.push((t.user + t.system) / turns);
    }
  }
  for (let round = 0; round < 5; round++) {
    for (const label of labels) {
      const r = runs[label];
      const batch = r.prepare();
      r.bytes.push((await allocatedAsync(() => r.run(batch))) / turns);
    }
  }
}
