// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to.
import path from "node:path";
import { loadProject } from "../project/loader.js";
import type { Project } from "../project/model.js";
import { createStore, defaultStoreKind, type StoreKind } from "../storage/index.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
import type { StateLimits } from "./state-limits.js";
import { createHostCalls, type HostCallConfig } from "./host-calls.js";

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
  /** Caps on the state a turn may commit; over one, the turn takes the error path (docs/security.md). */
  stateLimits?: StateLimits;
  /** Answers kept for retries: larger ones are not kept (default 1 MB); memory/sqlite keep at most maxCachedAnswers (default 10000), memory at most maxCachedAnswerBytes (64 MB). */
  maxAnswerBytes?: number;
  maxCachedAnswers?: number;
  maxCachedAnswerBytes?: number;
  payments?: HostCallConfig["payments"];
  log?: (level: string, message: string) => void;
  onStoreLatency?: (ms: number, op: "cachedAnswer" | "transact") => void;
}

export interface Runtime {
  project: Project;
  store: SessionStore;
  pool: WorkerPool;
  executor: RuntimeExecutor;
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
    maxAnswerBytes: opts.maxAnswerBytes,
    maxCachedAnswers: opts.maxCachedAnswers,
    maxCachedAnswerBytes: opts.maxCachedAnswerBytes,
  });
  const hostCall = createHostCalls({ project, payments: opts.payments, log: opts.log });
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
    await store.close();
    throw err;
  }
  const executor = new RuntimeExecutor({ pool, store, config: project.config, stateLimits: opts.stateLimits, onStoreLatency: opts.onStoreLatency });
  return { project, store, pool, executor, close: () => executor.close() };
}
