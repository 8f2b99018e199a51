import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, WebhookMetrics } from "./metrics.js";

/** prom-client's own counter and histogram, as metrics.ts declared them before it kept its tallies. */
function reference() {
  const registry = new Registry();
  const turns = new Counter({ name: "smartapp_turns_total", help: "Webhook turns by inbound messageName and outcome (the answer's messageName, or deadline/failed/cached)", labelNames: ["messageName", "outcome"], registers: [registry] });
  const latency = new Histogram({ name: "smartapp_turn_duration_seconds", help: "Time from a parsed webhook request to its answer", labelNames: ["messageName"], buckets: [...LATENCY_BUCKETS], registers: [registry] });
  return { registry, turn: (messageName: string, outcome: string, seconds: number) => (turns.inc({ messageName, outcome }), latency.observe({ messageName }, seconds)) };
}

const turnLines = (text: string) => text.split("\n").filter((l) => l.includes("smartapp_turn_duration_seconds") || l.includes("smartapp_turns_total"));
/** The two metrics as JSON, without exemplars (off: prom-client writes null or nothing for none). */
const turnJson = async (registry: Registry) =>
  (await registry.getMetricsAsJSON())
    .filter((m) => m.name === "smartapp_turns_total" || m.name === "smartapp_turn_duration_seconds")
    .map((m) => ({ ...m, values: (m.values as { exemplar?: unknown }[]).map(({ exemplar: _none, ...v }) => v) }));

describe("webhook metrics", () => {
  it("report turns and latency as prom-client's counter and histogram do for the same observations", async () => {
    const ours = new WebhookMetrics();
    const theirs = reference();
    const seen: [string, string, number][] = [
      ["MESSAGE_TO_SKILL", "ANSWER_TO_USER", 0.003],
      ["MESSAGE_TO_SKILL", "ANSWER_TO_USER", 0.01], // on a bound: counted in that bucket
      ["MESSAGE_TO_SKILL", "cached", 0.0101],
      ["SERVER_ACTION", "deadline", 6],
      ["SERVER_ACTION", "failed", 12], // above every bound: +Inf only
      ["RUN_APP", "NOTHING_FOUND", 0],
      ["MESSAGE_TO_SKILL", "ANSWER_TO_USER", 0.25],
    ];
    for (const [name, outcome, seconds] of seen) {
      ours.turn(name, outcome, seconds);
      theirs.turn(name, outcome, seconds);
    }
    expect(turnLines(await ours.text())).toEqual(turnLines(await theirs.registry.metrics()));
    // What an AggregatorRegistry (one per process of a cluster) reads and sums.
    expect(await turnJson(ours.registry)).toEqual(await turnJson(theirs.registry));
    expect(turnLines(await ours.text())).toContain('smartapp_turns_total{messageName="MESSAGE_TO_SKILL",outcome="ANSWER_TO_USER"} 3');
  });

  it("start again when the registry is reset", async () => {
    const ours = new WebhookMetrics();
    ours.turn("MESSAGE_TO_SKILL", "ANSWER_TO_USER", 0.003);
    ours.registry.resetMetrics();
    ours.turn("SERVER_ACTION", "ANSWER_TO_USER", 0.003);
    const lines = turnLines(await ours.text()).filter((l) => !l.startsWith("#"));
    expect(lines.some((l) => l.includes("MESSAGE_TO_SKILL"))).toBe(false);
    expect(lines).toContain('smartapp_turn_duration_seconds_count{messageName="SERVER_ACTION"} 1');
  });
});
