// An outbox's rows by delivery status as a /metrics gauge. One per stream: the merchant notifications
// (`smartapp_merchant_notifications`) and webhook acquiring's sync statuses
// (`smartapp_imshop_sync_statuses`), each counted from its own table or keys (docs/payments.md).
import { Gauge, type Registry } from "prom-client";
import type { MerchantOutboxStore } from "./outbox-types.js";

/** A gauge of an outbox's rows per delivery status, read when the metrics are scraped. */
export function registerOutboxGauge(registry: Registry, name: string, help: string, outbox: MerchantOutboxStore): void {
  new Gauge({
    name,
    help,
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries(await outbox.counts())) this.set({ status }, n);
    },
  });
}
