// What a worker's synchronous host calls do on the main thread: outbound HTTP for `$http`, SmartPay
// for `$payment`, YooKassa for `$yookassa`. One table, so adding a host service is one entry.
import type { Project } from "../project/model.js";
import type { HttpRequest } from "../engine/types.js";
import type { HostCallHandler } from "./sync-bridge.js";
import { createOutboundHttp } from "./outbound-http.js";
import { HttpPolicy } from "./http-policy.js";
import { createPaymentOps, projectSecret } from "../payments/host-ops.js";
import type { PaymentCore } from "../payments/core/core.js";
import type { YooKassaService } from "../payments/yookassa/service.js";
import { createYooKassaOps } from "../payments/yookassa/host-ops.js";
import type { ImshopOrders } from "../payments/imshop/store.js";
import { createImshopOps } from "../payments/imshop/host-ops.js";

export interface HostCallConfig {
  project: Project;
  /** The operator's SmartPay (the CLI's config); the host's own client, not subject to the $http policy. */
  payments?: { baseUrl?: string; storeUrl?: string; token?: string; timeoutMs?: number };
  /** The payment core the `$payment` ops record invoices in (src/payments/core). */
  paymentCore?: PaymentCore;
  /** The project's YooKassa path through the core (`$yookassa`); unset: its ops answer not_configured. */
  yookassa?: YooKassaService;
  /** Webhook acquiring's orders (`$imshop`); unset (no IMSHOP_SECRET): its ops say so. */
  imshop?: ImshopOrders;
  /**
   * Project secrets, the same map the turn workers get (PoolOptions.secrets). A `"$name"` token given
   * to `$payment` resolves exactly like `$secrets.get(name)` in the script (projectSecret).
   */
  secrets?: Record<string, string>;
  /** `--allow-http` patterns: the private and local destinations scripts' `$http` may reach. */
  allowHttp?: string[];
  log?: (level: string, message: string) => void;
}

export function createHostCalls(cfg: HostCallConfig): HostCallHandler {
  const http = createOutboundHttp(new HttpPolicy(cfg.allowHttp));
  const payments = createPaymentOps({
    baseUrl: cfg.payments?.baseUrl,
    storeUrl: cfg.payments?.storeUrl,
    token: cfg.payments?.token,
    timeoutMs: cfg.payments?.timeoutMs,
    secrets: (name) => projectSecret(name, cfg.secrets),
    injector: cfg.project.injector,
    // Everything comes from the CLI's config: no fallback to the process environment.
    env: {},
    core: cfg.paymentCore,
    log: cfg.log,
  });
  const yookassa = createYooKassaOps(() => cfg.yookassa);
  const imshop = createImshopOps(() => cfg.imshop);
  return async (op, args) => {
    if (op === "http") return http(args as HttpRequest);
    if (op.startsWith("payment.")) return payments(op, args);
    if (op.startsWith("yookassa.")) return yookassa(op, args);
    if (op.startsWith("imshop.")) return imshop(op, args);
    throw new Error(`unknown host call: ${op}`);
  };
}
