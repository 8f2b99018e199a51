// What a worker's synchronous host calls do on the main thread: outbound HTTP for `$http`, SmartPay
// for `$payment`. One table, so adding a host service is one entry.
import type { Project } from "../project/model.js";
import type { HttpRequest } from "../engine/types.js";
import type { HostCallHandler } from "./sync-bridge.js";
import { performHttp } from "./outbound-http.js";
import { createPaymentOps, projectSecret } from "../payments/host-ops.js";
import type { PaymentCore } from "../payments/core/core.js";

export interface HostCallConfig {
  project: Project;
  payments?: { baseUrl?: string; storeUrl?: string; token?: string; timeoutMs?: number };
  /** The payment core the `$payment` ops record invoices in (src/payments/core). */
  paymentCore?: PaymentCore;
  /**
   * Project secrets, the same map the turn workers get (PoolOptions.secrets). A `"$name"` token given
   * to `$payment` resolves exactly like `$secrets.get(name)` in the script: this map, then env
   * `SMARTAPP_SECRET_<name>` (projectSecret in src/payments/host-ops.ts).
   */
  secrets?: Record<string, string>;
  log?: (level: string, message: string) => void;
}

export function createHostCalls(cfg: HostCallConfig): HostCallHandler {
  const payments = createPaymentOps({
    baseUrl: cfg.payments?.baseUrl ?? process.env.SMARTPAY_URL,
    storeUrl: cfg.payments?.storeUrl,
    token: cfg.payments?.token ?? process.env.SMARTPAY_TOKEN,
    timeoutMs: cfg.payments?.timeoutMs,
    secrets: (name) => projectSecret(name, cfg.secrets),
    injector: cfg.project.injector,
    core: cfg.paymentCore,
    log: cfg.log,
  });
  return async (op, args) => {
    if (op === "http") return performHttp(args as HttpRequest);
    if (op.startsWith("payment.")) return payments(op, args);
    throw new Error(`unknown host call: ${op}`);
  };
}
