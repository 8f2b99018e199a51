// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to. Everything it needs
// from the environment arrives in RuntimeOptions (built once by src/cli/config.ts).
import path from "node:path";
import { loadProject } from "../project/loader.js";
import { loadIntentClassifier } from "../nlu/index.js";
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
import { PaymentStore } from "../payments/core/store.js";
import { smartPayAdapter } from "../payments/providers/smartpay.js";
import { SmartPayClient } from "../payments/smartpay/client.js";
import { DEFAULT_PAYMENT_TIMEOUT_MS, PAY_API_KEY, paymentBases, projectSecret, resolvePaymentToken } from "../payments/host-ops.js";

export type { StoreKind };

export interface RuntimeOptions {
  dir: string;
  modules?: string[];
  store?: StoreKind; // default sqlite, or redis when redisUrl is set
  redisUrl?: string;
  redisPrefix?: string;
  minWorkers?: number;
  turnCpuMs?: number;
  /** Caps on the state a turn may commit; over one, the turn takes the error path (docs/security.md). */
  stateLimits?: StateLimits;
  /** Answers kept for retries: larger ones are not kept (default 1 MB); memory/sqlite keep at most maxCachedAnswers (default 10000), memory at most maxCachedAnswerBytes (64 MB). */
  maxAnswerBytes?: number;
  maxCachedAnswers?: number;
  maxCachedAnswerBytes?: number;
  payments?: HostCallConfig["payments"];
  /** Project secrets (SMARTAPP_SECRET_<name>, read by the CLI): `$secrets.get` and `"$name"` tokens. */
  secrets?: Record<string, string>;
  /** Where `$env.get` takes the declared variables' values from (the CLI's snapshot of the environment). */
  environment?: Readonly<Record<string, string>>;
  /** Variables the operator declares beside chatbot.yaml `injector.variables` (`--env NAME[=value]`). */
  envDeclared?: string[];
  /** `--allow-http` patterns: private and local addresses a script's `$http` may reach. */
  allowHttp?: string[];
  /** The payment core's database: a file or ":memory:". Default <project>/.smartapp/payments.db, or ":memory:" with the memory session store. */
  paymentsDb?: string;
  /** How often the payment core asks the provider about open payments, ms. Default 5000. */
  paymentsReconcileMs?: number;
  /** Run turns that run no user code on the main thread (default on; src/runtime/inline.ts). */
  inlineTurns?: boolean;
  log?: (level: string, message: string) => void;
  onStoreLatency?: (ms: number, op: "cachedAnswer" | "transact") => void;
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
  close(): Promise<void>;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const dir = path.resolve(opts.dir);
  const modules = opts.modules ?? [];
  let project = loadProject(dir, { modules });
  // Train the intent classifier here once: the turn workers then read it from the disk cache.
  loadIntentClassifier(dir);
  const store = createStore(opts.store ?? defaultStoreKind(opts.redisUrl), {
    projectDir: dir,
    redisUrl: opts.redisUrl,
    prefix: opts.redisPrefix,
    maxAnswerBytes: opts.maxAnswerBytes,
    maxCachedAnswers: opts.maxCachedAnswers,
    maxCachedAnswerBytes: opts.maxCachedAnswerBytes,
  });
  // Payment events are delivered through the executor, which exists once the pool has started.
  const late: { executor?: RuntimeExecutor } = {};
  const payments = startPaymentCore(project, opts, (event) => deliverPaymentEvent(late.executor, event));
  let pool: WorkerPool;
  try {
    pool = await startPool(project, opts, payments);
  } catch (err) {
    payments.close();
    await store.close();
    throw err;
  }
  const executor = new RuntimeExecutor({ pool, store, config: project.config, stateLimits: opts.stateLimits, onStoreLatency: opts.onStoreLatency });
  late.executor = executor;
  payments.start({ reconcileMs: opts.paymentsReconcileMs });
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
    async reload() {
      const next = loadProject(dir, { modules });
      loadIntentClassifier(dir); // the NLU data may have changed too (cached by content hash)
      const nextPool = await startPool(next, opts, payments);
      project = next;
      pool = nextPool;
      await executor.usePool(nextPool, next.config);
      return next;
    },
    close: async () => {
      payments.stop();
      await executor.close();
      payments.close();
    },
  };
}

/** The worker pool for one loaded project: its declared $env, its host calls, its workers. */
async function startPool(project: Project, opts: RuntimeOptions, paymentCore: PaymentCore): Promise<WorkerPool> {
  const secrets = opts.secrets ?? {};
  const env = scriptEnvironment([...declaredVariables(project.config.injector), ...(opts.envDeclared ?? [])], opts.environment ?? {}, secrets);
  for (const w of env.warnings) opts.log?.("warn", w);
  const hostCall = createHostCalls({ project, payments: opts.payments, paymentCore, secrets, allowHttp: opts.allowHttp, log: opts.log });
  return WorkerPool.start({
    projectDir: project.dir,
    modules: opts.modules ?? [],
    hostCall,
    minWorkers: opts.minWorkers,
    turnCpuMs: opts.turnCpuMs,
    secrets,
    env: env.values,
    log: opts.log,
    inlineProject: opts.inlineTurns === false ? undefined : project,
  });
}

/** The payment core of a served project, with SmartPay as the `$payment` ops call it (the CLI's config, no environment). */
function startPaymentCore(project: Project, opts: RuntimeOptions, deliver: Deliver): PaymentCore {
  const bases = paymentBases(() => undefined, opts.payments?.baseUrl, opts.payments?.storeUrl);
  const token = resolvePaymentToken("$" + PAY_API_KEY, {
    secret: (name) => projectSecret(name, opts.secrets),
    operatorToken: opts.payments?.token,
    injectorToken: project.injector.pay_api_key,
  });
  const client = "token" in token ? new SmartPayClient({ ...bases, token: token.token, timeoutMs: opts.payments?.timeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS }) : undefined;
  // Beside the session store: an in-memory session store (tests, chat) gets an in-memory ledger.
  const file = opts.paymentsDb ?? ((opts.store ?? defaultStoreKind(opts.redisUrl)) === "memory" ? ":memory:" : path.join(project.dir, ".smartapp", "payments.db"));
  return new PaymentCore({
    store: new PaymentStore(file),
    adapters: { smartpay: smartPayAdapter(() => client) },
    deliver,
    log: opts.log,
  });
}

/**
 * A payment event as a typed event turn in the user's dialog (`event!: payment.succeeded`). The
 * event's id is the turn's messageId: the store commits the state with that id, so an event whose
 * delivery was cut short is not run twice when it is retried.
 */
async function deliverPaymentEvent(executor: RuntimeExecutor | undefined, event: PaymentEvent): Promise<void> {
  if (!executor) throw new Error("the runtime is starting");
  const messageId = `payment-event-${event.id}`;
  await executor.run(event.userKey, { event: event.name, data: { eventData: event.payload }, channelUserId: event.userKey, questionId: messageId }, { messageId, render: () => "delivered" });
}
