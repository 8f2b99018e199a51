// `smartapp serve`: the project as a SmartApp API webhook, with the SmartPay sandbox beside it unless
// a real SmartPay is configured.
import { startRuntime, type StoreKind } from "../runtime/runtime.js";
import { startWebhookServer } from "../channels/smartapp/server.js";
import { WebhookMetrics } from "../channels/smartapp/metrics.js";
import { createLogger, REDACTED } from "../channels/smartapp/logging.js";
import { startLocalSandbox, type LocalSandbox } from "./local-sandbox.js";

export interface ServeOptions {
  port: number;
  host: string;
  store?: StoreKind;
  path: string;
  sandbox: boolean;
  sandboxPort: number;
  turnCpuMs: number;
  modules: string[];
  /** The payment core's database (a file or ":memory:"). */
  paymentsDb?: string;
}

export async function serve(dir: string, opts: ServeOptions): Promise<void> {
  const logger = createLogger();
  const mask = secretMasker();
  // Script and runtime messages: structured like the webhook's, with secret values masked even
  // when a script concatenated them into a message.
  const log = (level: string, message: string) => {
    const lvl = (["debug", "info", "warn", "error"].includes(level) ? level : "info") as "info";
    logger[lvl]({ component: "runtime" }, mask(message));
  };
  let sandbox: LocalSandbox | undefined;
  if (opts.sandbox && !process.env.SMARTPAY_URL) sandbox = await startLocalSandbox({ port: opts.sandboxPort, host: opts.host });
  const metrics = new WebhookMetrics();
  const runtime = await startRuntime({
    dir,
    modules: opts.modules,
    store: opts.store,
    turnCpuMs: opts.turnCpuMs,
    payments: sandbox?.payments,
    paymentsDb: opts.paymentsDb,
    log,
    onStoreLatency: (ms, op) => metrics.observeStore(ms, op),
  });
  const server = await startWebhookServer({ executor: runtime.executor, metrics, logger, port: opts.port, host: opts.host, path: opts.path });
  const name = runtime.project.config.name ?? runtime.project.dir;
  process.stdout.write(
    `smartapp: serving "${name}" at ${server.url}${opts.path} (store: ${runtime.store.kind}, workers: ${runtime.pool.size})\n` +
      (sandbox ? `smartapp: SmartPay sandbox at ${sandbox.url}/smartpay/v1 (set SMARTPAY_URL to use a real SmartPay)\n` : ""),
  );
  const stop = async () => {
    process.stdout.write("smartapp: shutting down, finishing turns in flight\n");
    await server.close();
    await runtime.close();
    await sandbox?.close();
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

/** Replaces the values of SMARTPAY_TOKEN and SMARTAPP_SECRET_* wherever they appear in a message. */
export function secretMasker(env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const values = Object.entries(env)
    .filter(([k]) => k === "SMARTPAY_TOKEN" || k.startsWith("SMARTAPP_SECRET_"))
    .map(([, v]) => v ?? "")
    .filter((v) => v.length >= 4);
  return (text) => values.reduce((t, v) => t.split(v).join(REDACTED), text);
}
