// Sessions in Redis, so several runtime processes can serve one smartapp.
//
// Two guards, because either alone is not enough:
// - a lock per user (SET NX PX with a random token, renewed while the turn runs, released by a
//   compare-and-delete) keeps turns of one user from overlapping across processes;
// - the commit is a compare-and-set on a version (Lua), so a process whose lease ran out (a long GC
//   pause, a network stall) can never overwrite the state a newer lock holder wrote.
// Keys carry the user in a hash tag, `<prefix>{user}:state|lock|answer:<id>`, so one turn's keys share
// a cluster slot.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { answerTtlMs, BaseStore, decodeState, type CommitRecord, type Versioned } from "./base.js";
import { LockTimeoutError, SessionConflictError } from "./errors.js";
import type { StoreOptions } from "./types.js";

export interface RedisStoreOptions extends StoreOptions {
  url: string; // redis://host:port/db
  prefix?: string; // key prefix (default "smartapp:")
}

const DEFAULT_LOCK_TTL_MS = 10_000;
const DEFAULT_LOCK_WAIT_MS = 30_000;
const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 100;

// KEYS[1] lock; ARGV[1] token, ARGV[2] lease ms. Extends the lease only while we still own it.
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// KEYS[1] lock; ARGV[1] token. Deletes the lock only if it is still ours, never a successor's.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] state hash, KEYS[2] lock, KEYS[3] answer (optional); ARGV[1] token, ARGV[2] expected
// version, ARGV[3] state JSON, ARGV[4] answer body, ARGV[5] answer TTL ms.
// -1: another process holds the lock; -2: the version moved on; else the new version.
const COMMIT_LUA = `
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return -1 end
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if version ~= tonumber(ARGV[2]) then return -2 end
redis.call('HSET', KEYS[1], 'v', version + 1, 'state', ARGV[3])
if #KEYS == 3 then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5]) end
return version + 1`;

interface ScriptedRedis extends Redis {
  renewLock(lock: string, token: string, leaseMs: number): Promise<number>;
  releaseLock(lock: string, token: string): Promise<number>;
  commitState(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

const ignore = (): void => undefined;

export class RedisStore extends BaseStore {
  readonly kind = "redis" as const;
  readonly prefix: string;
  private readonly redis: ScriptedRedis;
  private readonly ttlMs: number;
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;

  constructor(opts: RedisStoreOptions) {
    super(opts);
    this.prefix = opts.prefix ?? "smartapp:";
    this.ttlMs = answerTtlMs(opts);
    this.lockTtlMs = opts.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    this.lockWaitMs = opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    const redis = new Redis(opts.url);
    redis.defineCommand("renewLock", { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand("releaseLock", { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand("commitState", { lua: COMMIT_LUA }); // key count varies: passed first
    this.redis = redis as ScriptedRedis;
  }

  protected override async exclusive<T>(userKey: string, task: (lease: string | undefined) => Promise<T>): Promise<T> {
    const lock = this.keys(userKey).lock;
    const token = await this.acquire(userKey, lock);
    const renewal = setInterval(() => {
      this.redis.renewLock(lock, token, this.lockTtlMs).then((kept) => {
        if (kept === 0) clearInterval(renewal); // lost: the commit's CAS decides what happens
      }, ignore);
    }, Math.max(1, Math.floor(this.lockTtlMs / 3)));
    renewal.unref();
    try {
      return await task(token);
    } finally {
      clearInterval(renewal);
      // A failed release only delays the next turn until the lease expires; it must not mask the result.
      await this.redis.releaseLock(lock, token).catch(ignore);
    }
  }

  protected async read(userKey: string): Promise<Versioned | undefined> {
    const [version, json] = await this.redis.hmget(this.keys(userKey).state, "v", "state");
    return version === null || json === null ? undefined : { state: decodeState(json), version: Number(version) };
  }

  protected async write(userKey: string, expectedVersion: number, record: CommitRecord, lease: string | undefined): Promise<void> {
    const keys = this.keys(userKey);
    const answer = this.ttlMs > 0 ? record.answer : undefined;
    const keyList = [keys.state, keys.lock];
    if (answer) keyList.push(keys.answer(answer.messageId));
    const args = [lease ?? "", expectedVersion, record.stateJson, answer?.body ?? "", this.ttlMs];
    const outcome = await this.redis.commitState(keyList.length, ...keyList, ...args);
    if (outcome === -1) throw new SessionConflictError(userKey, "the lock expired and another process holds it now");
    if (outcome === -2) throw new SessionConflictError(userKey, `another process committed after version ${expectedVersion} was read`);
  }

  protected async remove(userKey: string): Promise<void> {
    await this.redis.del(this.keys(userKey).state);
  }

  protected async readAnswer(userKey: string, messageId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys(userKey).answer(messageId))) ?? undefined;
  }

  protected async dispose(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** SET NX PX, retried with capped exponential backoff and jitter so waiters don't retry in lockstep. */
  private async acquire(userKey: string, lock: string): Promise<string> {
    const token = randomBytes(16).toString("hex");
    const started = Date.now();
    for (let delay = FIRST_BACKOFF_MS; ; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      if ((await this.redis.set(lock, token, "PX", this.lockTtlMs, "NX")) === "OK") return token;
      if (Date.now() - started >= this.lockWaitMs) throw new LockTimeoutError(userKey, this.lockWaitMs);
      await sleep(delay * (0.5 + Math.random() / 2));
    }
  }

  private keys(userKey: string) {
    const base = `${this.prefix}{${encodeURIComponent(userKey)}}`;
    return {
      state: `${base}:state`,
      lock: `${base}:lock`,
      answer: (messageId: string) => `${base}:answer:${encodeURIComponent(messageId)}`,
    };
  }
}
