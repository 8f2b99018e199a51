// Preloaded (`node --require bench/peers/alloc-probe.cjs …`) into every server the webhook benchmark
// measures, ours and the peers alike. SIGUSR2 opens a window, the next SIGUSR2 closes it and prints
// `{"allocBytes": N}` on stderr: the bytes the main thread's V8 heap allocated in between (heap growth
// between GCs, plus what each GC freed, from v8.GCProfiler). Worker threads have heaps of their own
// and are not counted (with inline turns most turns run on the main thread). The same window also
// gives the main thread's event-loop delay (perf_hooks, a 10 ms timer: how late it fired, so a stall
// of the thread shows as a late timer) and its GC pauses, counted and the longest, for p99.
"use strict";
const v8 = require("node:v8");
const { monitorEventLoopDelay } = require("node:perf_hooks");

let profiler;
let delay;
let startUsed = 0;
process.on("SIGUSR2", () => {
  if (!profiler) {
    startUsed = v8.getHeapStatistics().used_heap_size;
    profiler = new v8.GCProfiler();
    profiler.start();
    delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    return;
  }
  const stats = profiler.stop().statistics;
  profiler = undefined;
  delay.disable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const loopDelay = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
  let allocated = 0;
  let last = startUsed;
  for (const gc of stats) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += Math.max(0, v8.getHeapStatistics().used_heap_size - last);
  // GC pauses by kind (scavenges of the young generation vs mark-compact), for the p99 story.
  const gc = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0, over5Ms: 0, longestMs: 0 };
  for (const s of stats) {
    const major = !/Scavenge|Minor/i.test(s.gcType);
    const pauseMs = s.cost / 1000;
    gc[major ? "markCompacts" : "scavenges"]++;
    gc[major ? "markCompactMs" : "scavengeMs"] += pauseMs;
    if (pauseMs > 5) gc.over5Ms++;
    gc.longestMs = Math.max(gc.longestMs, pauseMs);
  }
  process.stderr.write(`${JSON.stringify({ allocBytes: allocated, gc, loopDelay })}\n`);
});
