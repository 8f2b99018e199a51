// Composition root for a running smartapp: the project (validated on the main thread), the session
// store, the worker pool with its host calls, and the executor channels talk to. Everything it needs
// from the environment arrives in RuntimeOptions (built once by src/cli/config.ts).
import path from "node:path";
import { loadProject } from "../project/loader.js";
import type { Project } from "../project/model.js";
import { createStore, defaultStoreKind, type StoreKind } from "../storage/index.js";
import type { SessionStore } from "../storage/types.js";
import { RuntimeExecutor } from "./executor.js";
import { WorkerPool } from "./worker-pool.js";
import { createHostCalls, type HostCallConfig } from "./host-calls.js";
import { declaredVariables, scriptEnvironment } from "./script-env.js";

export type { StoreKind };

export interface RuntimeOptions {
  dir: string;
  modules?: string[];
  store?: StoreKind; // default sqlite, or redis when redisUrl is set
  redisUrl?: string;
  redisPrefix?: string;
  minWorkers?: number;
  turnCpuMs?: number;
  payments?: HostCallConfig["payments"];
  /** Project secrets (SMARTAPP_SECRET_<name>, read by the CLI): `$secrets.get` and `"$name"` tokens. */
  secrets?: Record<string, string>;
  /** Where `$env.get` takes the declared variables' values from (the CLI's snapshot of the environment). */
  environment?: Readonly<Record<string, string>>;
  /** Variables the operator declares beside chatbot.yaml `injector.variables` (`--env NAME[=value]`). */
  envDeclared?: string[];
  /** `--allow-http` patterns: private and local addresses a script's `$http` may reach. */
  allowHttp?: string[];
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
  close(): Promise<void>;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const dir = path.resolve(opts.dir);
  const modules = opts.modules ?? [];
  let project = loadProject(dir, { modules });
  const store = createStore(opts.store ?? defaultStoreKind(opts.redisUrl), { projectDir: dir, redisUrl: opts.redisUrl, prefix: opts.redisPrefix });
  let pool: WorkerPool;
  try {
    pool = await startPool(project, opts);
  } catch (err) {
    await store.close();
    throw err;
  }
  const executor = new RuntimeExecutor({ pool, store, config: project.config, onStoreLatency: opts.onStoreLatency });
  return {
    get project() {
      return project;
    },
    get pool() {
      return pool;
    },
    store,
    executor,
    async reload() {
      const next = loadProject(dir, { modules });
      const nextPool = await startPool(next, opts);
      project = next;
      pool = nextPool;
      await executor.usePool(nextPool, next.config);
      return next;
    },
    close: () => executor.close(),
  };
}

/** The worker pool for one loaded project: its declared $env, its host calls, its workers. */
async function startPool(project: Project, opts: RuntimeOptions): Promise<WorkerPool> {
  const secrets = opts.secrets ?? {};
  const env = scriptEnvironment([...declaredVariables(project.config.injector), ...(opts.envDeclared ?? [])], opts.environment ?? {}, secrets);
  for (const w of env.warnings) opts.log?.("warn", w);
  const hostCall = createHostCalls({ project, payments: opts.payments, secrets, allowHttp: opts.allowHttp, log: opts.log });
  return WorkerPool.start({
    projectDir: project.dir,
    modules: opts.modules ?? [],
    hostCall,
    minWorkers: opts.minWorkers,
    turnCpuMs: opts.turnCpuMs,
    secrets,
    env: env.values,
    log: opts.log,
  });
}
