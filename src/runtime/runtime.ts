// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to. Everything it needs
// from the environment arrives in RuntimeOptions (built once by src/cli/config.ts).
import path from "node:path";
import { loadProject } from "../project/loader.js";
import { assertScriptsCompile } from "../project/script-syntax.js";
import { loadIntentClassifier, patternEntities, readNluData } from "../nlu/index.js";
import { compileProjectPatterns } from "../patterns/index.js";
import type { Project } from "../project/model.js";
import { createStore, defaultStoreKind, type StoreKind } from "../storage/index.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
import type { StateLimits } from "./state-limits.js";
import { createHostCalls, type HostCallConfig } from "./host-calls.js";
import { declaredVariables, scriptEnvironment } from "./script-env.js";
import { PaymentCore, type Deliver } from "../payments/core/core.js";
import type { PaymentEvent } from "../payments/core/model.js";
import type { TurnResult } from "../engine/types.js";
import { openLedgerStore, type LedgerStoreConfig } from "../payments/core/open-store.js";
import { smartPayAdapter } from "../payments/providers/smartpay.js";
import type { PaymentProviderAdapter } from "../payments/providers/types.js";
import { SmartPayClient } from "../payments/smartpay/client.js";
import { DEFAULT_PAYMENT_TIMEOUT_MS, PAY_API_KEY, paymentBases, projectSecret, resolvePaymentToken } from "../payments/host-ops.js";
import { yookassaAdapter } from "../payments/providers/yookassa.js";
import { YooKassaClient } from "../payments/yookassa/client.js";
import { YooKassaService } from "../payments/yookassa/service.js";
import { MerchantNotifier } from "../payments/merchant-webhooks/notifier.js";
import type { MerchantOutboxStore } from "../payments/merchant-webhooks/outbox-types.js";
import { openMerchantOutbox } from "../payments/merchant-webhooks/open-outbox.js";
import { MerchantWebhookDispatcher } from "../payments/merchant-webhooks/dispatcher.js";
import { ImshopAcquiring, UNOWNED_PREFIX } from "../payments/imshop/acquiring.js";
import type { ImshopOrders } from "../payments/imshop/store.js";
import { openImshopOrders } from "../payments/imshop/open-store.js";
import { every } from "../util/periodic.js";
import { deliverPaymentEvent } from "./payment-events.js";

export type { StoreKind };

export interface RuntimeOptions {
  dir: string;
  /** Called with each payment event's turn once it ran (`smartapp chat` shows it in the conversation). */
  onPaymentEventTurn?: (event: PaymentEvent, result: TurnResult) => void;
  modules?: string[];
  store?: StoreKind; // default sqlite, or redis when redisUrl is set
  redisUrl?: string;
  redisPrefix?: string;
  /** Other processes serve turns from the same SQLite sessions file (`serve --processes`): SqliteStoreOptions.shared. */
  sharedStore?: boolean;
  /** The lease of a user's turn across processes: the redis lock, the shared SQLite file's lease row (StoreOptions.lockTtlMs). */
  sessionLeaseMs?: number;
  minWorkers?: number;
  turnCpuMs?: number;
  /** How many times a turn may free its worker at a `$http` call while other turns wait (PoolOptions.httpSuspends; default 0). */
  httpSuspends?: number;
  /** Turns that may wait for a worker before the next is refused (PoolOptions.maxQueuedTurns; default 1000). */
  maxQueuedTurns?: number;
  /** Caps on the state a turn may commit; over one, the turn takes the error path (docs/security.md). */
  stateLimits?: StateLimits;
  /** Answers kept for retries: of a larger one only its messageId is kept, so a retry runs nothing and gets no replies (default 1 MB); memory/sqlite keep at most maxCachedAnswers (default 10000), memory at most maxCachedAnswerBytes (64 MB). */
  maxAnswerBytes?: number;
  maxCachedAnswers?: number;
  maxCachedAnswerBytes?: number;
  /** SQLite: users whose last committed row is kept in memory (default 10000); 0 when several processes serve one file (docs/storage.md, "State cache"). */
  stateCache?: number;
  payments?: HostCallConfig["payments"];
  /** Project secrets (SMARTAPP_SECRET_<name>, read by the CLI): `$secrets.get` and `"$name"` tokens. */
  secrets?: Record<string, string>;
  /** Where `$env.get` takes the declared variables' values from (the CLI's snapshot of the environment). */
  environment?: Readonly<Record<string, string>>;
  /** Variables the operator declares beside chatbot.yaml `injector.variables` (`--env NAME[=value]`). */
  envDeclared?: string[];
  /** `--allow-http` patterns: private and local addresses a script's `$http` may reach. */
  allowHttp?: string[];
  /** The payment core's SQLite database: a file or ":memory:". Default <project>/.smartapp/payments.db, or ":memory:" with the memory session store. */
  paymentsDb?: string;
  /** The payment ledger in another store (Redis, PostgreSQL; src/cli/config.ts paymentLedgerFrom). Wins over paymentsDb. */
  paymentsLedger?: LedgerStoreConfig;
  /** How often the payment core asks the provider about open payments, ms. Default 5000. */
  paymentsReconcileMs?: number;
  /** The project's YooKassa shop (the CLI's config: the real API, or the local emulator). Unset: `$yookassa` answers not_configured. */
  yookassa?: YooKassaRuntimeOptions;
  /** Where the seed-000 merchant notifications of YooKassa payments go (chatbot.yaml injector.merchantNotifyUrl wins over `url`). */
  merchantNotify?: MerchantNotifyOptions;
  /** Webhook acquiring for shop apps (IMSHOP_SECRET set): needs `yookassa`. */
  imshop?: ImshopRuntimeOptions;
  /** Run turns that run no user code on the main thread (default on; src/runtime/inline.ts). */
  inlineTurns?: boolean;
  log?: (level: string, message: string) => void;
  onStoreLatency?: (ms: number, op: "cachedAnswer" | "transact") => void;
}

export interface YooKassaRuntimeOptions {
  url: string;
  shopId: string;
  secretKey: string;
  /** Where the payer returns after paying; a function because the server's address is known only once it listens. */
  returnUrl: () => string;
  /** Per API call made for a script (default 3000 ms: a turn must answer within the webhook's deadline). */
  scriptTimeoutMs?: number;
}

export interface MerchantNotifyOptions {
  url?: string;
  secret?: string;
  /** The outbox's SQLite file. Default: merchant-notifications.db beside the payments database, or in memory with it. */
  file?: string;
  /** How often due notifications are sent, ms (default 1000). */
  dispatchMs?: number;
  now?: () => number;
  random?: () => number;
  schedule?: number[];
  /** One try's timeout and how long a claimed row stays with this process (SMARTAPP_NOTIFY_TIMEOUT_MS / _LEASE_MS). */
  timeoutMs?: number;
  leaseMs?: number;
}

export interface ImshopRuntimeOptions {
  /** IMSHOP_SECRET: signs the sync POSTs (X-Payment-Signature); the router checks requests with it. */
  secret: string;
  /** IMSHOP_SYNC_URL: where statuses of captures answered `pending` go; unset, a capture is answered only synchronously. */
  syncUrl?: string;
  /** The server's public origin (return pages live under it); a function because it is known once the server listens. */
  publicUrl: () => string;
  /** The orders' and the sync outbox's SQLite file, with a SQLite ledger. Default: imshop.db beside the payments database, or in memory with it. */
  file?: string;
  /** How often captures answered `pending` are settled, ms (default 5000; docs/payments.md). */
  syncMs?: number;
  /** How often due sync POSTs are sent, ms (default 1000). */
  dispatchMs?: number;
  /** The sync statuses' clock: the local sandbox's virtual one when its emulator is the acquirer, as the merchant notifications'. */
  now?: () => number;
  /** One sync POST's timeout and a claimed row's lease (SMARTAPP_NOTIFY_TIMEOUT_MS / _LEASE_MS). */
  timeoutMs?: number;
  leaseMs?: number;
}

/** Webhook acquiring of the served project: what `serve` mounts at /payments/imshop. */
export interface ImshopRuntime {
  acquiring: ImshopAcquiring;
  store: ImshopOrders;
  outbox?: MerchantOutboxStore;
}

/** The served project's YooKassa: the shop, its client (notifications re-fetch with it), the core path. */
export interface YooKassaRuntime {
  shopId: string;
  clientFor(account: string): YooKassaClient | undefined;
  service: YooKassaService;
  merchant?: MerchantNotifier;
}

export interface Runtime {
  /** The loaded project; a new object after each successful reload. */
  readonly project: Project;
  store: SessionStore;
  readonly pool: WorkerPool;
  executor: RuntimeExecutor;
  /**
   * Load the project folder again and switch new turns to it; turns in flight finish on the old
   * one. Sessions are kept. Throws the load error (ProjectError/ProjectErrors) and keeps serving the
   * old project when the new one does not load.
   */
  reload(): Promise<Project>;
  payments: PaymentCore;
  yookassa?: YooKassaRuntime;
  imshop?: ImshopRuntime;
  close(): Promise<void>;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const dir = path.resolve(opts.dir);
  const modules = opts.modules ?? [];
  let project = loadProject(dir, { modules });
  assertScriptsCompile(project);
  // Train the intent classifier here once: the turn workers then read it from the disk cache.
  loadIntentClassifier(dir);
  const store = createStore(opts.store ?? defaultStoreKind(opts.redisUrl), {
    projectDir: dir,
    redisUrl: opts.redisUrl,
    prefix: opts.redisPrefix,
    ...(opts.sharedStore ? { shared: true } : {}),
    ...(opts.sessionLeaseMs !== undefined ? { lockTtlMs: opts.sessionLeaseMs } : {}),
    maxAnswerBytes: opts.maxAnswerBytes,
    maxCachedAnswers: opts.maxCachedAnswers,
    maxCachedAnswerBytes: opts.maxCachedAnswerBytes,
    stateCache: opts.stateCache,
    log: opts.log,
  });
  // Payment events are delivered through the executor, which exists once the pool has started.
  const late: { executor?: RuntimeExecutor; merchant?: MerchantNotifier } = {};
  const paymentsFile = paymentsDbFile(project, opts);
  const yk = opts.yookassa ? yookassaParts(opts.yookassa) : undefined;
  const smartPay = operatorSmartPay(project, opts);
  const payments = startPaymentCore(opts, paymentsFile, smartPay, yk?.background, async (event) => {
    // The merchant hears a YooKassa payment's state before the dialog does; enqueueing is once per state.
    if (late.merchant) {
      const invoice = await payments.store.invoice(event.invoiceId);
      if (invoice) await late.merchant.fromEvent(event, invoice);
    }
    // An order no dialog owns (webhook acquiring without a linked user): the ledger keeps the event, nobody hears it.
    if (event.userKey.startsWith(UNOWNED_PREFIX)) return;
    // `smartapp chat` shows the event turn (its error too); serve has only its log for it.
    const result = await deliverPaymentEvent(late.executor, event, opts.onPaymentEventTurn ? undefined : opts.log);
    if (result) opts.onPaymentEventTurn?.(event, result);
  });
  let yookassa: YooKassaRuntime | undefined;
  let imshop: ReturnType<typeof startImshop> | undefined;
  let pool: WorkerPool;
  try {
    late.merchant = startMerchantNotifier(project, opts, paymentsFile);
    if (yk && opts.yookassa) {
      const merchant = late.merchant;
      const service = new YooKassaService({
        core: payments,
        adapter: yk.forScripts,
        shopId: opts.yookassa.shopId,
        returnUrl: opts.yookassa.returnUrl,
        onCreated: merchant ? (invoice, payment) => merchant.created(invoice, payment.id) : undefined,
        log: opts.log,
      });
      yookassa = { shopId: opts.yookassa.shopId, clientFor: yk.clientFor, service, merchant };
    }
    if (opts.imshop) {
      if (!yk || !opts.yookassa) throw new Error("IMSHOP_SECRET: webhook acquiring needs YooKassa as the acquirer: set YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY, or serve with the local sandbox (docs/payments.md)");
      // SmartPay is the acquirer of `smartpay/…` methods when the operator's token and the project's service id are known.
      const serviceId = project.injector.service_id;
      const smartpay = smartPay && (typeof serviceId === "string" || typeof serviceId === "number") && String(serviceId) !== "" ? { client: smartPay, serviceId: String(serviceId) } : undefined;
      imshop = startImshop(opts.imshop, payments, yk.forScripts, opts.yookassa.shopId, paymentsFile, opts.paymentsLedger, opts.log, smartpay);
    }
    pool = await startPool(project, opts, payments, yookassa?.service, imshop?.store);
  } catch (err) {
    await late.merchant?.close();
    await imshop?.close();
    await payments.close();
    await store.close();
    throw err;
  }
  const executor = new RuntimeExecutor({ pool, store, config: project.config, stateLimits: opts.stateLimits, onStoreLatency: opts.onStoreLatency });
  late.executor = executor;
  try {
    await payments.start({ reconcileMs: opts.paymentsReconcileMs });
  } catch (err) {
    await late.merchant?.close();
    await imshop?.close();
    await executor.close();
    await payments.close();
    throw err;
  }
  late.merchant?.start(opts.merchantNotify?.dispatchMs);
  imshop?.start();
  return {
    get project() {
      return project;
    },
    get pool() {
      return pool;
    },
    store,
    executor,
    payments,
    yookassa,
    imshop,
    async reload() {
      const next = loadProject(dir, { modules });
      assertScriptsCompile(next);
      // Patterns compile here first: a save that breaks one is reported before any worker or
      // isolate is started for it (each would only fail the same way).
      const nlu = readNluData(dir);
      compileProjectPatterns(next, nlu ? { entities: patternEntities(nlu.data) } : {});
      loadIntentClassifier(dir); // the NLU data may have changed too (cached by content hash)
      const nextPool = await startPool(next, opts, payments, yookassa?.service, imshop?.store);
      project = next;
      pool = nextPool;
      await executor.usePool(nextPool, next.config);
      return next;
    },
    close: async () => {
      payments.stop();
      late.merchant?.stop();
      imshop?.stop();
      await executor.close();
      await payments.close();
      await late.merchant?.close();
      await imshop?.close();
    },
  };
}

/** The worker pool for one loaded project: its declared $env, its host calls, its workers. */
async function startPool(project: Project, opts: RuntimeOptions, paymentCore: PaymentCore, yookassa: YooKassaService | undefined, imshop?: ImshopOrders): Promise<WorkerPool> {
  const secrets = opts.secrets ?? {};
  const env = scriptEnvironment([...declaredVariables(project.config.injector), ...(opts.envDeclared ?? [])], opts.environment ?? {}, secrets);
  for (const w of env.warnings) opts.log?.("warn", w);
  const hostCall = createHostCalls({ project, payments: opts.payments, paymentCore, yookassa, imshop, secrets, allowHttp: opts.allowHttp, log: opts.log });
  return WorkerPool.start({
    projectDir: project.dir,
    modules: opts.modules ?? [],
    hostCall,
    minWorkers: opts.minWorkers,
    turnCpuMs: opts.turnCpuMs,
    httpSuspends: opts.httpSuspends,
    maxQueuedTurns: opts.maxQueuedTurns,
    secrets,
    env: env.values,
    log: opts.log,
    inlineProject: opts.inlineTurns === false ? undefined : project,
  });
}

/** The payment core of a served project, with SmartPay as the `$payment` ops call it (the CLI's config, no environment). */
/** The payment core's database: beside the session store (an in-memory session store gets an in-memory ledger). */
function paymentsDbFile(project: Project, opts: RuntimeOptions): string {
  return opts.paymentsDb ?? ((opts.store ?? defaultStoreKind(opts.redisUrl)) === "memory" ? ":memory:" : path.join(project.dir, ".smartapp", "payments.db"));
}

/**
 * Two clients of one shop: scripts' calls must fit in a turn (short timeout, one retry), while the
 * reconciler and the notification route may wait and retry as the API allows.
 */
function yookassaParts(o: YooKassaRuntimeOptions) {
  const background = new YooKassaClient({ baseUrl: o.url, shopId: o.shopId, secretKey: o.secretKey });
  const quick = new YooKassaClient({ baseUrl: o.url, shopId: o.shopId, secretKey: o.secretKey, timeoutMs: o.scriptTimeoutMs ?? 3000, retries: 1, retryDelayMs: 200, maxRetryDelayMs: 500 });
  const clientFor = (account: string) => (account === o.shopId ? background : undefined);
  return { clientFor, background: yookassaAdapter(clientFor), forScripts: yookassaAdapter((account) => (account === o.shopId ? quick : undefined)) };
}

/** The merchant's outbox and its dispatcher, when the project (or the operator) names a URL. */
function startMerchantNotifier(project: Project, opts: RuntimeOptions, paymentsFile: string): MerchantNotifier | undefined {
  const m = opts.merchantNotify;
  const fromProject = project.injector.merchantNotifyUrl;
  const url = typeof fromProject === "string" && fromProject !== "" ? fromProject : m?.url;
  if (!url) return undefined;
  const file = m?.file ?? (paymentsFile === ":memory:" ? ":memory:" : path.join(path.dirname(paymentsFile), "merchant-notifications.db"));
  // Beside the ledger: with PostgreSQL or Redis every serving process shares it (docs/yookassa.md).
  const outbox = m?.file ? undefined : openMerchantOutbox(opts.paymentsLedger, file);
  const secret = m?.secret ?? projectSecret("merchant_notify_secret", opts.secrets);
  if (!secret) opts.log?.("warn", "merchant notifications are not signed: set SMARTAPP_MERCHANT_NOTIFY_SECRET (docs/yookassa.md)");
  return new MerchantNotifier({ url, secret, file, outbox, now: m?.now, random: m?.random, schedule: m?.schedule, timeoutMs: m?.timeoutMs, leaseMs: m?.leaseMs, log: opts.log });
}

/**
 * Webhook acquiring on the runtime's core and YooKassa (SmartPay for `smartpay/…` methods when the
 * operator's SmartPay token and the project's service id are known): the orders, pending captures
 * and the sync outbox beside the ledger (in its PostgreSQL or Redis, so several processes serve one
 * shop and any of them delivers a status another queued; else a SQLite file beside the payments
 * database); captures answered `pending` settled every 5 s, their statuses POSTed to the sync URL on
 * the merchant notifications' schedule.
 */
function startImshop(
  o: ImshopRuntimeOptions,
  core: PaymentCore,
  adapter: ReturnType<typeof yookassaAdapter>,
  shopId: string,
  paymentsFile: string,
  ledger: LedgerStoreConfig | undefined,
  log: RuntimeOptions["log"],
  smartpay?: { client: SmartPayClient; serviceId: string },
): ImshopRuntime & { start(): void; stop(): void; close(): Promise<void> } {
  const file = o.file ?? (paymentsFile === ":memory:" ? ":memory:" : path.join(path.dirname(paymentsFile), "imshop.db"));
  const store = openImshopOrders(ledger, file);
  // Its own stream beside the merchant notifications': another URL, secret and dispatcher.
  const outbox = o.syncUrl ? openMerchantOutbox(ledger, file, "imshopSync") : undefined;
  const dispatcher = outbox ? new MerchantWebhookDispatcher({ outbox, secret: o.secret, now: o.now, timeoutMs: o.timeoutMs, leaseMs: o.leaseMs }) : undefined;
  const acquiring = new ImshopAcquiring({ core, adapter, shopId, store, publicUrl: o.publicUrl, syncUrl: o.syncUrl, outbox, log, smartpay, now: o.now });
  const timers: NodeJS.Timeout[] = [];
  const logFailed = (what: string) => (err: unknown) => log?.("error", `imshop ${what}: ${err instanceof Error ? err.message : String(err)}`);
  return {
    acquiring,
    store,
    outbox,
    start() {
      if (!o.syncUrl) return;
      timers.push(every(o.syncMs ?? 5_000, () => acquiring.syncOnce(), logFailed("sync")));
      if (dispatcher) timers.push(every(o.dispatchMs ?? 1_000, () => dispatcher.runOnce(), logFailed("sync delivery")));
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
    },
    async close() {
      this.stop();
      await dispatcher?.idle();
      await outbox?.close();
      await store.close();
    },
  };
}

/** The operator's SmartPay client (the project's pay_api_key secret or SMARTPAY_TOKEN), if a token resolves. */
function operatorSmartPay(project: Project, opts: RuntimeOptions): SmartPayClient | undefined {
  const bases = paymentBases(() => undefined, opts.payments?.baseUrl, opts.payments?.storeUrl);
  const token = resolvePaymentToken("$" + PAY_API_KEY, {
    secret: (name) => projectSecret(name, opts.secrets),
    operatorToken: opts.payments?.token,
    injectorToken: project.injector.pay_api_key,
  });
  return "token" in token ? new SmartPayClient({ ...bases, token: token.token, timeoutMs: opts.payments?.timeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS }) : undefined;
}

function startPaymentCore(opts: RuntimeOptions, file: string, client: SmartPayClient | undefined, yookassa: PaymentProviderAdapter | undefined, deliver: Deliver): PaymentCore {
  return new PaymentCore({
    store: openLedgerStore(opts.paymentsLedger ?? { kind: "sqlite", file }),
    adapters: { smartpay: smartPayAdapter(() => client), ...(yookassa ? { yookassa } : {}) },
    deliver,
    log: opts.log,
  });
}
