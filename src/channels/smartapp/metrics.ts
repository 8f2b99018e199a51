// Prometheus metrics for the webhook, on a registry of its own so several apps (and tests) never
// collide in prom-client's global one. The executor reports store latency through observeStore.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Admission } from "./admission.js";
import { droppedLogLines } from "./logging.js";

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly turns = new Counter({
    name: "smartapp_turns_total",
    help: "Webhook turns by inbound messageName and outcome (the answer's messageName, or deadline/failed/cached)",
    labelNames: ["messageName", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "smartapp_turn_duration_seconds",
    help: "Time from a parsed webhook request to its answer",
    labelNames: ["messageName"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 7, 10],
    registers: [this.registry],
  });
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
    this.turns.inc({ messageName, outcome });
    this.latency.observe({ messageName }, seconds);
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
