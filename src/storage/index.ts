// Session storage: pick an adapter by kind. With no configuration the runtime uses sqlite under the
// project; with REDIS_URL set it uses redis (design decision 3; the CLI reads REDIS_URL: src/cli/config.ts).
import { join } from "node:path";
import { MemoryStore } from "./memory.js";
import { RedisStore } from "./redis.js";
import { SqliteStore } from "./sqlite.js";
import type { SessionStore, StoreOptions } from "./types.js";

export type { Commit, SessionStore, StoreOptions, TransactContext } from "./types.js";
export { KeyedQueue } from "./keyed-queue.js";
export { LockTimeoutError, SessionConflictError, StoreClosedError, TurnsWaitingError } from "./errors.js";
export { MemoryStore } from "./memory.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export { RedisStore, type RedisStoreOptions } from "./redis.js";

export type StoreKind = SessionStore["kind"];

export interface CreateStoreOptions extends StoreOptions {
  projectDir?: string; // sqlite: the file defaults to <projectDir>/.smartapp/sessions.sqlite (projectDir: cwd)
  path?: string; // sqlite: explicit database file
  redisUrl?: string; // redis: default redis://127.0.0.1:6379
  prefix?: string; // redis: key prefix (default "smartapp:")
  shared?: boolean; // sqlite: several processes serve turns from the file (serve --processes): a lease per user
}

const LOCAL_REDIS = "redis://127.0.0.1:6379";

export function defaultSqlitePath(projectDir: string): string {
  return join(projectDir, ".smartapp", "sessions.sqlite");
}

/** The kind to use when the user configured nothing else: redis iff a Redis URL is configured. */
export function defaultStoreKind(redisUrl: string | undefined): StoreKind {
  return redisUrl ? "redis" : "sqlite";
}

export function createStore(kind: StoreKind, opts: CreateStoreOptions = {}): SessionStore {
  const { projectDir, path, redisUrl, prefix, shared, ...common } = opts;
  switch (kind) {
    case "memory":
      return new MemoryStore(common);
    case "sqlite":
      return new SqliteStore({ ...common, shared, path: path ?? defaultSqlitePath(projectDir ?? process.cwd()) });
    case "redis":
      return new RedisStore({ ...common, prefix, url: redisUrl ?? LOCAL_REDIS });
    default:
      throw new Error(`unknown session store "${String(kind)}": expected memory, sqlite or redis`);
  }
}
