// One storage interface for user dialog state; adapters: memory, sqlite (default), redis.
import type { UserState } from "../engine/types.js";

/** What a turn commits: the new state and, for idempotent retries, the answer sent for that messageId. */
export interface Commit {
  state: UserState;
  /** JSON.stringify(state), when the caller has it already (the executor's limit check): not serialised again. */
  stateJson?: string;
  answer?: { messageId: string; body: string }; // body = the serialised response
}

/**
 * A value, or a promise of it: what an in-process store (memory, sqlite) has at hand is returned as
 * it is, so the turn does not wait a promise hop for it; redis returns promises.
 */
export type MaybePromise<T> = T | Promise<T>;

/** What a turn may read inside its transaction, under the user's queue (and, with redis, lock). */
export interface TransactContext {
  /** The answer committed for (this user, messageId), read now, even while the store is closing. */
  cachedAnswer(messageId: string): MaybePromise<string | undefined>;
}

export interface TransactOptions {
  /**
   * The messageId the turn answers: a store that can (sqlite) reads the answer committed for it
   * together with the state, in one query instead of two, and `tx.cachedAnswer(messageId)` answers
   * from that read. Same moment, same result: both are read inside the user's queue.
   */
  messageId?: string;
}

export interface SessionStore {
  readonly kind: "memory" | "sqlite" | "redis";
  /**
   * Run `turn` with exclusive access to the user's record: turns of one user never overlap, in this
   * process and (redis) across processes. The commit is written atomically only when `turn` resolves;
   * if it throws, or resolves with no commit, nothing is written.
   */
  transact<T>(
    userKey: string,
    turn: (current: UserState | undefined, tx: TransactContext) => Promise<{ commit: Commit | undefined; result: T }>,
    options?: TransactOptions,
  ): Promise<T>;
  load(userKey: string): Promise<UserState | undefined>;
  delete(userKey: string): Promise<void>;
  /** The answer committed for (user, messageId) within the answer TTL, if any. */
  cachedAnswer(userKey: string, messageId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface StoreOptions {
  answerTtlSec?: number; // how long a repeated messageId returns the stored answer (default 300)
  maxAnswerBytes?: number; // an answer body larger than this is kept as "" (a retry runs nothing, gets no body; default 1 MB)
  maxCachedAnswers?: number; // memory, sqlite: at most this many answers kept; the oldest go first (default 10000)
  maxCachedAnswerBytes?: number; // memory: at most this many bytes of answer bodies kept; the oldest go first (default 64 MB)
  stateCache?: number; // sqlite: users whose last committed state (and answered messageIds) are kept in memory, so their next turn reads no row (default 10000; 0 = off)
  maxWaitingTurns?: number; // turns one user may have waiting or running in this process; the next is refused with TurnsWaitingError (default 64)
  lockTtlMs?: number; // redis: lock lease (default 10000)
  lockWaitMs?: number; // redis: give up waiting for another process's lock after this long (default 30000)
  now?: () => number; // clock (Unix ms) for answer expiry in memory and sqlite; tests inject a fake one
  sqliteSynchronous?: "NORMAL" | "FULL"; // sqlite: NORMAL (default) survives a killed process, FULL also power loss
  log?: (level: "warn", message: string) => void; // sqlite: where a failed checkpoint worker is reported (once; the runtime's log)
}
