// Prometheus metrics for the webhook, on a registry of its own so several apps (and tests) never
// collide in prom-client's global one. The executor reports store latency through observeStore.
import { Counter, Gauge, Histogram, Registry, type Metric, type MetricObjectWithValues, type MetricValueWithName } from "prom-client";
import type { Admission } from "./admission.js";
import { droppedLogLines } from "./logging.js";

export class WebhookMetrics {
  readonly registry = new Registry();
  // Every request counts a turn and observes its latency: kept in plain numbers per label value
  // (no label object hashed, no closure per call: ≈ 0.5 µs per request through prom-client's
  // labelled inc/observe) and handed to prom-client when /metrics is read.
  private readonly tallies = new Map<string, TurnTally>();
  private readonly turns = turnCounter(this.registry, this.tallies);
  private readonly latency = new TurnLatency(this.registry, this.tallies);
  private readonly errors = new Counter({
    name: "smartapp_errors_total",
    help: "Webhook errors by kind (invalid_json, invalid_message, too_large, deadline, executor, turn_script, …)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  private readonly store = new Histogram({
    name: "smartapp_store_duration_seconds",
    help: "Session store operation latency, reported by the turn executor",
    labelNames: ["op"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  /** What the webhook holds now (src/channels/smartapp/admission.ts), read when /metrics is asked. */
  private admission: Admission | undefined;
  private readonly heldTurns = heldGauge(this.registry, "smartapp_turns_held", "Webhook turns waiting or running in this process, all users (limit: WebhookOptions.maxTurns)", () => this.admission?.turns ?? 0);
  private readonly heldBytes = heldGauge(this.registry, "smartapp_request_bytes_held", "Bytes of request bodies those turns hold (limit: WebhookOptions.maxHeldBytes)", () => this.admission?.bytes ?? 0);

  /** Lines the log's batched destination dropped because stdout did not take them (logging.ts). */
  private readonly droppedLines = new Counter({
    name: "smartapp_log_lines_dropped_total",
    help: "Log lines dropped because the log destination (stdout) did not take them in time (limit: LOG_MAX_PENDING_BYTES)",
    registers: [this.registry],
    collect() {
      this.reset();
      this.inc(droppedLogLines());
    },
  });

  watchAdmission(admission: Admission): void {
    this.admission = admission;
  }

  turn(messageName: string, outcome: string, seconds: number): void {
    let tally = this.tallies.get(messageName);
    if (tally === undefined) this.tallies.set(messageName, (tally = { outcomes: new Map(), buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 }));
    tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
    if (!Number.isFinite(seconds)) return; // as prom-client's observe, which threw on it
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
    if (b < LATENCY_BUCKETS.length) tally.buckets[b]!++;
    tally.sum += seconds;
    tally.count++;
  }

  error(kind: string): void {
    this.errors.inc({ kind });
  }

  /** For the executor: how long a store load/commit took, in milliseconds. */
  observeStore = (ms: number, op = "commit"): void => {
    this.store.observe({ op }, ms / 1000);
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Upper bounds (seconds) of smartapp_turn_duration_seconds. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 7, 10] as const;

/** One inbound messageName's turns: count per outcome, and the latency histogram (non-cumulative buckets). */
interface TurnTally {
  outcomes: Map<string, number>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** smartapp_turns_total, filled from the tallies when read. */
function turnCounter(registry: Registry, tallies: ReadonlyMap<string, TurnTally>): Counter<"messageName" | "outcome"> {
  return new Counter({
    name: "smartapp_turns_total",
    help: "Webhook turns by inbound messageName and outcome (the answer's messageName, or deadline/failed/cached)",
    labelNames: ["messageName", "outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [messageName, tally] of tallies) for (const [outcome, n] of tally.outcomes) this.inc({ messageName, outcome }, n);
    },
  });
}

/**
 * smartapp_turn_duration_seconds from the tallies: the values prom-client's Histogram reports for
 * the same observations (labels le then messageName, cumulative buckets, +Inf, _sum, _count), so
 * /metrics and an AggregatorRegistry read it as one. prom-client has no way to hand a Histogram
 * counts it did not observe itself, hence a metric object of its own.
 */
class TurnLatency {
  readonly name = "smartapp_turn_duration_seconds";
  readonly help = "Time from a parsed webhook request to its answer";
  readonly type = "histogram";
  readonly aggregator = "sum";

  constructor(
    registry: Registry,
    private readonly tallies: Map<string, TurnTally>,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const [messageName, tally] of this.tallies) {
      if (tally.count === 0) continue; // only turns whose latency was not a number: nothing observed
      let acc = 0;
      for (let b = 0; b < LATENCY_BUCKETS.length; b++) {
        acc += tally.buckets[b]!;
        values.push({ metricName: bucketName, labels: { le: LATENCY_BUCKETS[b]!, messageName }, value: acc });
      }
      values.push({ metricName: bucketName, labels: { le: "+Inf", messageName }, value: tally.count });
      values.push({ metricName: `${this.name}_sum`, labels: { messageName }, value: tally.sum });
      values.push({ metricName: `${this.name}_count`, labels: { messageName }, value: tally.count });
    }
    const metric = { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
    return Promise.resolve(metric as unknown as MetricObjectWithValues<MetricValueWithName<string>>);
  }

  /** Registry.resetMetrics: both metrics read the tallies, so both start again. */
  reset(): void {
    this.tallies.clear();
  }
}

function heldGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
