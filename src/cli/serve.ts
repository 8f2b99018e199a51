// `smartapp serve`: the project as a SmartApp API webhook, with the SmartPay sandbox beside it unless
// a real SmartPay is configured.
import { startRuntime, type Runtime, type StoreKind } from "../runtime/runtime.js";
import { startWebhookServer } from "../channels/smartapp/server.js";
import { WebhookMetrics } from "../channels/smartapp/metrics.js";
import { createLogger } from "../channels/smartapp/logging.js";
import { prettyDestination } from "../channels/smartapp/pretty-log.js";
import { secretMasker } from "../util/secrets.js";
import { paymentEnvironment, paymentsFrom, secretValues, type SmartappConfig } from "./config.js";
import { startLocalSandbox, type LocalSandbox } from "./local-sandbox.js";
import { CONSOLE_USER_PREFIX, consoleRouter } from "../console/router.js";
import { TurnExplanations } from "../console/explanations.js";
import { reloadMessage, watchedFolders, watchProject, type ProjectWatcher } from "./watch.js";

export interface ServeOptions {
  port: number;
  host: string;
  store?: StoreKind;
  path: string;
  sandbox: boolean;
  sandboxPort: number;
  turnCpuMs: number;
  modules: string[];
  allowHttp: string[];
  env: string[];
  /** Serve the web console at /console (default: on when listening on a loopback address). */
  console?: boolean;
  /** Reload the project when one of its files is saved (sessions are kept). */
  watch?: boolean;
  /** The payment core's database (a file or ":memory:"). */
  paymentsDb?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export async function serve(dir: string, opts: ServeOptions, config: SmartappConfig): Promise<void> {
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
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      dir,
      modules: opts.modules,
      store: opts.store,
      redisUrl: config.redis.url,
      redisPrefix: config.redis.prefix,
      turnCpuMs: opts.turnCpuMs,
      payments: sandbox?.payments ?? paymentsFrom(config),
      secrets: config.secrets,
      environment: config.environment,
      envDeclared: opts.env,
      allowHttp: opts.allowHttp,
      paymentsDb: opts.paymentsDb,
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
  let server: Awaited<ReturnType<typeof startWebhookServer>>;
  try {
    server = await startWebhookServer({
      executor: runtime.executor,
      metrics,
      logger,
      port: opts.port,
      host: opts.host,
      path: opts.path,
      routes,
      ...(explanations ? { explainUser: (key: string) => key.startsWith(CONSOLE_USER_PREFIX), onExplained: explanations.record.bind(explanations) } : {}),
    });
  } catch (err) {
    // A busy port must not leave the workers and the sandbox running: exit with the reason.
    await runtime.close();
    await sandbox?.close();
    throw listenError(err, opts.host, opts.port);
  }
  const name = runtime.project.config.name ?? runtime.project.dir;
  process.stdout.write(
    `smartapp: serving "${name}" at ${server.url}${opts.path} (store: ${storeDescription(runtime.store)}, workers: ${runtime.pool.size})\n` +
      (withConsole ? `smartapp: console at ${server.url}/console/\n` : "") +
      (sandbox
        ? `smartapp: SmartPay sandbox at ${sandbox.url}/smartpay/v1 (set SMARTPAY_URL to use a real SmartPay); /__sandbox admin token: ${sandbox.adminToken}\n`
        : ""),
  );
  const watcher = opts.watch ? watchAndReload(runtime) : undefined;
  const stop = async () => {
    process.stdout.write("smartapp: shutting down, finishing turns in flight\n");
    watcher?.close();
    await server.close();
    await runtime.close();
    await sandbox?.close();
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

/** Where the sessions live, so nothing is written into the project without saying so. */
function storeDescription(store: Runtime["store"]): string {
  const file = (store as { path?: unknown }).path;
  return store.kind === "sqlite" && typeof file === "string" ? `sqlite, sessions in ${file}` : store.kind;
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
