// The alloc probe's lines (bench/peers/alloc-probe.cjs) from a server's stderr. A pipe hands over
// chunks, not lines: a line split across two chunks is joined before it is read, and only a whole
// line is parsed (a chunk ending inside one would otherwise be lost or fail to parse).

/** Calls `onProbe` with each probe record the stream writes, once its whole line is in. */
export function onProbeLines(stream, onProbe) {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith('{"allocBytes":')) continue;
      try {
        onProbe(JSON.parse(line));
      } catch {
        // another writer's text interleaved with the probe's line: that sample is skipped
      }
    }
  });
}
