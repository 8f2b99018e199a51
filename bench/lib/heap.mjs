// Allocation measured in-process for the benchmarks that compare builds turn by turn.
import v8 from "node:v8";

/** Starts counting the bytes the heap allocates; the returned function stops and gives the count. */
function countAllocation() {
  const start = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  return () => {
    let bytes = 0;
    let last = start;
    for (const gc of profiler.stop().statistics) {
      bytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
      last = gc.afterGC.heapStatistics.usedHeapSize;
    }
    return bytes + Math.max(0, v8.getHeapStatistics().used_heap_size - last);
  };
}

/** Bytes the heap allocated while `fn` ran: growth between GCs plus what each GC freed. */
export function allocated(fn) {
  const stop = countAllocation();
  fn();
  return stop();
}

/** `allocated` for an async `fn`: what the heap allocated until its promise settled. */
export async function allocatedAsync(fn) {
  const stop = countAllocation();
  await fn();
  return stop();
}
