// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to.
import path from "node:path";
import { loadProject } from "../project/loader.js";
import type { Project } from "../project/model.js";
import { createStore, defaultStoreKind, type StoreKind } from "../storage/index.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
import { createHostCalls, type HostCallConfig } from "./host-calls.js";
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
  store?: StoreKind; // default sqlite, or redis when REDIS_URL is set
  storePath?: string;
  redisUrl?: string;
  minWorkers?: number;
  maxWorkers?: number;
  memoryMb?: number;
  turnCpuMs?: number;
  payments?: HostCallConfig["payments"];
  /** The payment core's database: a file or ":memory:". Default <project>/.smartapp/payments.db, or ":memory:" with the memory session store. */
  paymentsDb?: string;
  /** How often the payment core asks the provider about open payments, ms. Default 5000. */
  paymentsReconcileMs?: number;
  log?: (level: string, message: string) => void;
  onStoreLatency?: (ms: number, op: "cachedAnswer" | "transact") => void;
}

export interface Runtime {
  project: Project;
  store: SessionStore;
  pool: WorkerPool;
  executor: RuntimeExecutor;
  payments: PaymentCore;
  close(): Promise<void>;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const dir = path.resolve(opts.dir);
  const modules = opts.modules ?? [];
  const project = loadProject(dir, { modules });
  const store = createStore(opts.store ?? defaultStoreKind(), {
    projectDir: dir,
    path: opts.storePath,
    redisUrl: opts.redisUrl,
    prefix: process.env.SMARTAPP_REDIS_PREFIX,
  });
  // Payment events are delivered through the executor, which exists once the pool has started.
  const late: { executor?: RuntimeExecutor } = {};
  const payments = startPaymentCore(project, opts, (event) => deliverPaymentEvent(late.executor, event));
  const hostCall = createHostCalls({ project, payments: opts.payments, paymentCore: payments, log: opts.log });
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.start({
      projectDir: dir,
      modules,
      hostCall,
      minWorkers: opts.minWorkers,
      maxWorkers: opts.maxWorkers,
      memoryMb: opts.memoryMb,
      turnCpuMs: opts.turnCpuMs,
      log: opts.log,
    });
  } catch (err) {
    payments.close();
    await store.close();
    throw err;
  }
  const executor = new RuntimeExecutor({ pool, store, config: project.config, onStoreLatency: opts.onStoreLatency });
  late.executor = executor;
  payments.start({ reconcileMs: opts.paymentsReconcileMs });
  return {
    project,
    store,
    pool,
    executor,
    payments,
    close: async () => {
      payments.stop();
      await executor.close();
      payments.close();
    },
  };
}

/** The payment core of a served project, with SmartPay read the way the `$payment` ops call it. */
function startPaymentCore(project: Project, opts: RuntimeOptions, deliver: Deliver): PaymentCore {
  const env = (name: string) => process.env[name];
  const bases = paymentBases(env, opts.payments?.baseUrl, opts.payments?.storeUrl);
  const token = resolvePaymentToken("$" + PAY_API_KEY, {
    secret: (name) => projectSecret(name, undefined),
    operatorToken: opts.payments?.token ?? env("SMARTPAY_TOKEN"),
    injectorToken: project.injector.pay_api_key,
  });
  const client = "token" in token ? new SmartPayClient({ ...bases, token: token.token, timeoutMs: opts.payments?.timeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS }) : undefined;
  // Beside the session store: an in-memory session store (tests, chat) gets an in-memory ledger.
  const file = opts.paymentsDb ?? ((opts.store ?? defaultStoreKind()) === "memory" ? ":memory:" : path.join(project.dir, ".smartapp", "payments.db"));
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
