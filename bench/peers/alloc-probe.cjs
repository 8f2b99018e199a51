// Preloaded (`node --require bench/peers/alloc-probe.cjs …`) into every server the webhook benchmark
// measures, ours and the peers alike. SIGUSR2 opens a window, the next SIGUSR2 closes it and prints
// `{"allocBytes": N}` on stderr: the bytes the main thread's V8 heap allocated in between (heap growth
// between GCs, plus what each GC freed, from v8.GCProfiler). Worker threads have heaps of their own
// and are not counted (with inline turns most turns run on the main thread).
"use strict";
const v8 = require("node:v8");

let profiler;
let startUsed = 0;
process.on("SIGUSR2", () => {
  if (!profiler) {
    startUsed = v8.getHeapStatistics().used_heap_size;
    profiler = new v8.GCProfiler();
    profiler.start();
    return;
  }
  const stats = profiler.stop().statistics;
  profiler = undefined;
  let allocated = 0;
  let last = startUsed;
  for (const gc of stats) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += Math.max(0, v8.getHeapStatistics().used_heap_size - last);
  // GC pauses by kind (scavenges of the young generation vs mark-compact), for the p99 story.
  const gc = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  for (const s of stats) {
    const major = !/Scavenge|Minor/i.test(s.gcType);
    gc[major ? "markCompacts" : "scavenges"]++;
    gc[major ? "markCompactMs" : "scavengeMs"] += s.cost / 1000;
  }
  process.stderr.write(`${JSON.stringify({ allocBytes: allocated, gc })}\n`);
});
