// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to.
import path from "node:path";
import { loadProject } from "../project/loader.js";
import { loadIntentClassifier } from "../nlu/index.js";
import type { Project } from "../project/model.js";
import { createStore, defaultStoreKind, type StoreKind } from "../storage/index.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
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
  // Train the intent classifier here once: the turn workers then read it from the disk cache.
  loadIntentClassifier(dir);
  const store = createStore(opts.store ?? defaultStoreKind(), {
    projectDir: dir,
    path: opts.storePath,
    redisUrl: opts.redisUrl,
    prefix: process.env.SMARTAPP_REDIS_PREFIX,
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
  const executor = new RuntimeExecutor({ pool, store, config: project.config, onStoreLatency: opts.onStoreLatency });
  return { project, store, pool, executor, close: () => executor.close() };
}
