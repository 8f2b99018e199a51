// `smartapp serve`: the project as a SmartApp API webhook, with the SmartPay sandbox beside it unless
// a real SmartPay is configured.
import { isIP } from "node:net";
import { startRuntime, type Runtime, type StoreKind } from "../runtime/runtime.js";
import { startWebhookServer } from "../channels/smartapp/server.js";
import { WebhookMetrics } from "../channels/smartapp/metrics.js";
import { createLogger } from "../channels/smartapp/logging.js";
import { prettyDestination } from "../channels/smartapp/pretty-log.js";
import { secretMasker } from "../util/secrets.js";
import { paymentEnvironment, paymentLedgerFrom, paymentsFrom, secretValues, type SmartappConfig } from "./config.js";
import { startLocalSandbox, type LocalSandbox } from "./local-sandbox.js";
import { CONSOLE_USER_PREFIX, consoleRouter } from "../console/router.js";
import { TurnExplanations } from "../console/explanations.js";
import { reloadMessage, watchedFolders, watchProject, type ProjectWatcher } from "./watch.js";
import { DEFAULT_YOOKASSA_URL } from "../payments/yookassa/client.js";
import { YOOKASSA_NOTIFICATION_RANGES } from "../payments/yookassa/ip-ranges.js";
import { notifyUrl, RETURN_PATH, yookassaRoutes } from "../payments/yookassa/serve-routes.js";
import express from "express";
import { imshopRouter } from "../payments/imshop/router.js";
import { registerOutboxGauge } from "../payments/merchant-webhooks/metrics.js";

/** Where webhook acquiring is mounted (docs/payments.md, "Webhook acquiring for shop apps"). */
export const IMSHOP_PATH = "/payments/imshop";

/** Options of `smartapp serve`, after the CLI parsed them. */
export interface ServeOptions {
  port: number;
  host: string;
  store?: StoreKind;
  path: string;
  sandbox: boolean;
  sandboxPort: number;
  turnCpuMs: number;
  /** `--http-suspends`: PoolOptions.httpSuspends (default 0). */
  httpSuspends?: number;
  /** `--deadline-ms`: the webhook's StartOptions.deadlineMs (default 6000). */
  deadlineMs?: number;
  /** `--trust-proxy`: wins over SMARTAPP_TRUST_PROXY (the webhook's StartOptions.trustProxy). */
  trustProxy?: string[];
  modules: string[];
  allowHttp: string[];
  env: string[];
  /** Serve the web console at /console (default: on when listening on a loopback address). */
  console?: boolean;
  /** `--console-host`: wins over SMARTAPP_CONSOLE_HOSTS (ConsoleOptions.hosts, with `host` when it is a name). */
  consoleHost?: string[];
  /** Reload the project when one of its files is saved (sessions are kept). */
  watch?: boolean;
  /** The payment core's SQLite database (a file or ":memory:"). */
  paymentsDb?: string;
  /** The payment ledger's store: sqlite, redis or postgres (default: PAYMENTS_STORE, else sqlite). */
  paymentsStore?: string;
  /** `--yookassa-trusted-ips`: CIDR ranges (comma-separated) or "any"; wins over YOOKASSA_TRUSTED_IPS. */
  yookassaTrustedIps?: string[] | "any";
  /** `--merchant-notify-url`: wins over SMARTAPP_MERCHANT_NOTIFY_URL (chatbot.yaml injector.merchantNotifyUrl wins over both). */
  merchantNotifyUrl?: string;
  /** Set in a worker of `serve --processes` (src/cli/cluster.ts): the sessions file is shared, the primary prints. */
  clusterWorker?: ClusterWorkerHooks;
}

/** How a worker of `serve --processes` reports to the primary instead of printing (src/cli/cluster.ts). */
export interface ClusterWorkerHooks {
  /** The lines a single `serve` prints once it listens: the primary prints them once for all workers. */
  listening(banner: string): void;
  /** Turns in flight finished and everything is closed: the worker may end. */
  stopped(): void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * `smartapp serve`: the webhook server with its stores, payments, console and (unless SmartPay is configured)
 * the local sandbox.
 */
export async function serve(dir: string, opts: ServeOptions, config: SmartappConfig): Promise<void> {
  const paymentsLedger = paymentLedgerFrom(config, { store: opts.paymentsStore, db: opts.paymentsDb }); // a bad choice fails before anything listens
  checkYooKassaConfig(config); // before anything listens: a bad configuration must not leave the sandbox running
  let sandbox: LocalSandbox | undefined;
  if (opts.sandbox && !config.payments.url) sandbox = await startLocalSandbox({ port: opts.sandboxPort, host: opts.host }, config);
  // One mask for every log line: the configured secrets and the sandbox's admin token.
  const mask = secretMasker([...secretValues(config), ...(sandbox ? [sandbox.adminToken] : [])]);
  // Pretty lines for a person at a terminal, JSON lines for a log collector (LOG_FORMAT decides).
  const pretty = config.logFormat ? config.logFormat === "pretty" : process.stdout.isTTY === true;
  const color = config.color ?? process.stdout.isTTY === true;
  const logger = createLogger({ level: config.logLevel, mask, destination: pretty ? prettyDestination(process.stdout, color) : undefined });
  // Script and runtime messages: structured like the webhook's, masked by the logger.
  const log = (level: string, message: string) => {
    const lvl = (["debug", "info", "warn", "error"].includes(level) ? level : "info") as "info";
    logger[lvl]({ component: "runtime" }, message);
  };
  const metrics = new WebhookMetrics();
  const shop = yookassaShop(config, sandbox);
  const origin = { url: "" }; // known once the server listens
  // Without a platform's sync URL, the local sandbox's shop app takes the statuses and shows them.
  const imshopSyncUrl = config.imshop.syncUrl ?? sandbox?.imshopApp.syncUrl;
  if (sandbox) sandbox.imshopApp.show = (line) => log("info", line);
  // How outbox rows (merchant notifications, IMSHOP sync statuses) are delivered: paid on the local
  // emulator, their retry schedule runs on the sandbox's virtual clock, so a test moves a day of
  // retries in seconds; against a real YooKassa it is always the real clock.
  const delivery = { ...(shop?.local && sandbox ? { now: () => sandbox.clock.now() } : {}), ...config.notifyDelivery };
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      dir,
      modules: opts.modules,
      store: opts.store,
      ...(opts.clusterWorker ? { sharedStore: true } : {}),
      sessionLeaseMs: config.sessionLeaseMs,
      redisUrl: config.redis.url,
      redisPrefix: config.redis.prefix,
      turnCpuMs: opts.turnCpuMs,
      httpSuspends: opts.httpSuspends,
      maxQueuedTurns: config.load.maxQueuedTurns,
      payments: sandbox?.payments ?? paymentsFrom(config),
      secrets: config.secrets,
      environment: config.environment,
      envDeclared: opts.env,
      allowHttp: opts.allowHttp,
      paymentsDb: opts.paymentsDb,
      paymentsLedger,
      yookassa: shop ? { url: shop.url, shopId: shop.shopId, secretKey: shop.secretKey, returnUrl: () => config.yookassa.returnUrl ?? `${origin.url}${RETURN_PATH}` } : undefined,
      merchantNotify: {
        url: opts.merchantNotifyUrl ?? config.merchantNotify.url,
        secret: config.merchantNotify.secret,
        ...delivery,
      },
      imshop: config.imshop.secret
        ? {
            secret: config.imshop.secret,
            syncUrl: imshopSyncUrl,
            publicUrl: () => config.imshop.publicUrl ?? origin.url,
            ...delivery,
          }
        : undefined,
      log,
      onStoreLatency: (ms, op) => metrics.observeStore(ms, op),
    });
  } catch (err) {
    await sandbox?.close(); // a project that does not load must not leave the sandbox listening
    throw err;
  }
  const withConsole = opts.console ?? LOOPBACK.test(opts.host);
  // The console shows every answer of its own dialogs explained.
  const explanations = withConsole ? new TurnExplanations() : undefined;
  const routes = withConsole
    ? [
        consoleRouter({
          project: () => runtime.project,
          store: runtime.store,
          webhookPath: opts.path,
          hosts: consoleHosts(opts.host, opts.consoleHost ?? config.consoleHosts),
          sandbox,
          explanations,
          testOptions: {
            modules: opts.modules,
            allowHttp: opts.allowHttp,
            envDeclared: opts.env,
            environment: config.environment,
            secrets: config.secrets,
            paymentEnv: paymentEnvironment(config),
          },
        }),
      ]
    : [];
  runtime.yookassa?.merchant?.registerMetrics(metrics.registry);
  if (runtime.imshop?.outbox) registerOutboxGauge(metrics.registry, "smartapp_imshop_sync_statuses", "Webhook acquiring's statuses owed to the IMSHOP sync URL by delivery status", runtime.imshop.outbox);
  if (runtime.yookassa) {
    // Notifications from the local emulator come over loopback; a real shop's only from YooKassa's ranges.
    const allowed = opts.yookassaTrustedIps ?? config.yookassa.trustedIps ?? (shop?.local ? [...YOOKASSA_NOTIFICATION_RANGES, "127.0.0.0/8", "::1/128"] : YOOKASSA_NOTIFICATION_RANGES);
    routes.push(yookassaRoutes({ core: runtime.payments, clientFor: runtime.yookassa.clientFor, allowedRanges: allowed, log }));
  }
  if (runtime.imshop && config.imshop.secret) {
    routes.push(express.Router().use(IMSHOP_PATH, imshopRouter({ acquiring: runtime.imshop.acquiring, store: runtime.imshop.store, secret: config.imshop.secret })));
  }
  let server: Awaited<ReturnType<typeof startWebhookServer>>;
  try {
    server = await startWebhookServer({
      executor: runtime.executor,
      metrics,
      logger,
      port: opts.port,
      host: opts.host,
      path: opts.path,
      ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
      trustProxy: opts.trustProxy ?? config.trustProxy,
      maxTurns: config.load.maxTurns,
      maxHeldBytes: config.load.maxHeldBytes,
      maxHeldBytesPerAddress: config.load.maxHeldBytesPerAddress,
      routes,
      ...(explanations ? { explainUser: (key: string) => key.startsWith(CONSOLE_USER_PREFIX), onExplained: explanations.record.bind(explanations) } : {}),
    });
  } catch (err) {
    // A busy port must not leave the workers and the sandbox running: exit with the reason.
    await runtime.close();
    await sandbox?.close();
    throw listenError(err, opts.host, opts.port);
  }
  origin.url = server.url;
  const yookassaNotify = runtime.yookassa ? notifyUrl(server.url, runtime.yookassa.shopId) : undefined;
  if (shop?.local && yookassaNotify) sandbox?.yookassa.notifyTo(yookassaNotify);
  if (sandbox && runtime.imshop) sandbox.imshopApp.defaults.webhookUrl = `${server.url}${IMSHOP_PATH}`;
  const name = runtime.project.config.name ?? runtime.project.dir;
  const banner =
    `smartapp: serving "${name}" at ${server.url}${opts.path} (store: ${storeDescription(runtime.store)}, payment ledger: ${runtime.payments.store.kind}, workers: ${runtime.pool.size})\n` +
      (withConsole ? `smartapp: console at ${server.url}/console/\n` : "") +
      (sandbox
        ? `smartapp: SmartPay sandbox at ${sandbox.url}/smartpay/v1 (set SMARTPAY_URL to use a real SmartPay); /__sandbox admin token: ${sandbox.adminToken}\n`
        : "") +
      (runtime.yookassa && yookassaNotify
        ? `smartapp: YooKassa shop ${runtime.yookassa.shopId} at ${shop!.url}; notifications: POST ${yookassaNotify}\n`
        : "") +
      (runtime.imshop ? `smartapp: webhook acquiring at POST ${server.url}${IMSHOP_PATH}${imshopSyncUrl ? ` (statuses to ${imshopSyncUrl})` : ""}\n` : "") +
      (runtime.imshop && sandbox ? `smartapp: the sandbox's shop app pays an order: POST ${sandbox.url}/imshop-app/__sandbox/pay {orderId, action: pay|decline|abandon} (admin token)\n` : "");
  if (opts.clusterWorker) opts.clusterWorker.listening(banner);
  else process.stdout.write(banner);
  if (runtime.store.kind === "redis" && runtime.payments.store.kind === "sqlite") {
    // Sessions shared by several processes, payments in a file of this host: say so before money is involved.
    log("warn", "sessions are in Redis but the payment ledger is a SQLite file on this host; with several hosts use --payments-store redis or postgres (docs/payments.md, \"Stores\")");
  }
  const watcher = opts.watch ? watchAndReload(runtime) : undefined;
  // Once: a worker of --processes gets SIGINT from the terminal and SIGTERM from its primary.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!opts.clusterWorker) process.stdout.write("smartapp: shutting down, finishing turns in flight\n");
      watcher?.close();
      await server.close();
      await runtime.close();
      await sandbox?.close();
      opts.clusterWorker?.stopped();
    })());
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

/**
 * The project's YooKassa shop: YOOKASSA_URL with YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY (a real or
 * external API), else the local sandbox's emulator (any shop id, its secret key), else none.
 */
function yookassaShop(config: SmartappConfig, sandbox: LocalSandbox | undefined): { url: string; shopId: string; secretKey: string; local: boolean } | undefined {
  const y = config.yookassa;
  if (y.url || (!sandbox && y.shopId)) {
    checkYooKassaConfig(config);
    return { url: y.url ?? DEFAULT_YOOKASSA_URL, shopId: y.shopId!, secretKey: config.yookassaSecretKey!, local: false };
  }
  if (sandbox) return { url: sandbox.yookassa.url, shopId: y.shopId ?? "sandbox-shop", secretKey: sandbox.yookassa.secretKey, local: true };
  return undefined;
}

/** A shop outside the local emulator needs its id and secret key. */
function checkYooKassaConfig(config: SmartappConfig): void {
  if (config.yookassa.url && (!config.yookassa.shopId || !config.yookassaSecretKey)) {
    throw new Error("YooKassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY together with YOOKASSA_URL (docs/configuration.md)");
  }
}

/** Where the sessions live, so nothing is written into the project without saying so. */
function storeDescription(store: Runtime["store"]): string {
  const file = (store as { path?: unknown }).path;
  return store.kind === "sqlite" && typeof file === "string" ? `sqlite, sessions in ${file}` : store.kind;
}

/** The names the console answers besides IP addresses and localhost: `--host` when it is a name, and the added ones. */
function consoleHosts(host: string, added: string[] = []): string[] {
  return isIP(host) === 0 ? [host.toLowerCase(), ...added] : added;
}

function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") return new Error(`port ${port} on ${host} is already in use: stop what listens there or choose another with --port`);
  if (code === "EACCES") return new Error(`not allowed to listen on ${host}:${port}: choose a port above 1023 with --port`);
  if (code === "EADDRNOTAVAIL") return new Error(`${host} is not an address of this machine: choose another with --host`);
  return err instanceof Error ? err : new Error(String(err));
}

/** `serve --watch`: a saved file reloads the project; a broken one is reported and the old one keeps serving. */
function watchAndReload(runtime: Runtime): ProjectWatcher {
  process.stdout.write(`smartapp: watching ${runtime.project.dir} for changes\n`);
  return watchProject(
    () => watchedFolders(runtime.project),
    async (files) => {
      process.stdout.write(await reloadMessage(runtime.project.dir, files, () => runtime.reload()));
    },
  );
}
