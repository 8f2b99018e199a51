// The turn protocol shared by every adapter: queue per user -> (redis: lock) -> read versioned
// record -> run the turn -> write state + answer atomically with a version check. Adapters supply
// only the I/O; the ordering and failure rules live here once.
import type { UserState } from "../engine/types.js";
import { KeyedQueue } from "./keyed-queue.js";
import { StoreClosedError, TurnsWaitingError } from "./errors.js";
import { encodeState } from "./state-format.js";
import type { Commit, MaybePromise, SessionStore, StoreOptions, TransactContext, TransactOptions } from "./types.js";
import { countLimit } from "../util/limits.js";

/** A stored record: the state and a version that grows by one on every commit (0 = no record). */
export interface Versioned {
  state: UserState;
  version: number;
}

/** A commit checked and serialised before any I/O, so a bad commit writes nothing. */
export interface CommitRecord {
  stateJson: string;
  answer?: { messageId: string; body: string };
}

const DEFAULT_ANSWER_TTL_SEC = 300;
export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;
export const DEFAULT_MAX_CACHED_ANSWERS = 10_000;
export const DEFAULT_MAX_CACHED_ANSWER_BYTES = 64 * 1024 * 1024;
/**
 * Turns one user may have waiting or running in a process. The platform sends a user's next message
 * after the answer (and retries a few times); a client posting hundreds for one user at once kept
 * each request's body in the queue, and its turns ran for minutes after they were answered ERROR.
 */
export const DEFAULT_MAX_WAITING_TURNS = 64;

/** The answer-count cap of memory and sqlite (redis keys expire on their own and obey maxmemory). */
export function maxCachedAnswers(opts: StoreOptions): number {
  return countLimit(opts.maxCachedAnswers, DEFAULT_MAX_CACHED_ANSWERS, "maxCachedAnswers");
}

export function answerTtlMs(opts: StoreOptions): number {
  const sec = opts.answerTtlSec ?? DEFAULT_ANSWER_TTL_SEC;
  return Number.isFinite(sec) && sec > 0 ? Math.round(sec * 1000) : 0;
}

/**
 * The body kept for an answer over `maxAnswerBytes`: its messageId is remembered, its text is not,
 * so a retry of that messageId runs nothing (docs/security.md, "Duplicate deliveries") and the
 * channel answers it without replies. No channel's answer is empty.
 */
export const ANSWER_NOT_KEPT = "";

/** A bad commit throws; an answer over `maxAnswerBytes` is kept as ANSWER_NOT_KEPT. */
export function encodeCommit(commit: Commit, maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES): CommitRecord {
  const state: unknown = commit?.state;
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new TypeError("a turn must commit a UserState object");
  }
  const answer = commit.answer;
  if (answer !== undefined && (typeof answer.messageId !== "string" || typeof answer.body !== "string")) {
    throw new TypeError("a committed answer needs a string messageId and a string body");
  }
  const keep = answer !== undefined && answer.body.length <= maxAnswerBytes && Buffer.byteLength(answer.body, "utf8") <= maxAnswerBytes;
  const json = typeof commit.stateJson === "string" ? commit.stateJson : undefined;
  return { stateJson: encodeState(state as UserState, json), answer: answer && { messageId: answer.messageId, body: keep ? answer.body : ANSWER_NOT_KEPT } };
}

/** Every read parses afresh, so a turn that mutates `current` and then throws leaves no trace. */
export { decodeState } from "./state-format.js";

export abstract class BaseStore implements SessionStore {
  abstract readonly kind: "memory" | "sqlite" | "redis";
  private readonly queue: KeyedQueue;
  private closing: Promise<void> | undefined;
  private readonly maxAnswerBytes: number;

  constructor(opts: StoreOptions = {}) {
    this.maxAnswerBytes = opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    this.queue = new KeyedQueue({
      maxPerKey: countLimit(opts.maxWaitingTurns, DEFAULT_MAX_WAITING_TURNS, "maxWaitingTurns"),
      refuse: (userKey, limit) => new TurnsWaitingError(userKey, limit),
    });
  }

  transact<T>(
    userKey: string,
    turn: (current: UserState | undefined, tx: TransactContext) => Promise<{ commit: Commit | undefined; result: T }>,
    options?: TransactOptions,
  ): Promise<T> {
    return this.enqueue(userKey, () =>
      this.exclusive(userKey, async (lease) => {
        const asked = options?.messageId;
        let tx: TransactContext;
        let current: Versioned | undefined;
        if (asked !== undefined && this.readWithAnswer) {
          const read = this.readWithAnswer(userKey, asked);
          const both = read instanceof Promise ? await read : read;
          current = both.record;
          tx = { cachedAnswer: (messageId) => (messageId === asked ? both.answer : this.readAnswer(userKey, messageId)) };
        } else {
          const read = this.readForTurn(userKey);
          current = read instanceof Promise ? await read : read;
          tx = { cachedAnswer: (messageId) => this.readAnswer(userKey, messageId) };
        }
        const { commit, result } = await turn(current?.state, tx);
        if (commit !== undefined) await this.write(userKey, current?.version ?? 0, encodeCommit(commit, this.maxAnswerBytes), lease);
        return result;
      }),
    );
  }

  async load(userKey: string): Promise<UserState | undefined> {
    this.assertOpen();
    return (await this.read(userKey))?.state;
  }

  /**
   * Queued behind the user's turns like one of them (it runs after those already waiting, so no
   * turn commits half over a removal), but never refused by maxWaitingTurns: a reset or a removal
   * asked for by the console, the CLI or the API must not fail because that user flooded.
   */
  delete(userKey: string): Promise<void> {
    return this.enqueue(userKey, () => this.exclusive(userKey, () => this.remove(userKey)), true);
  }

  async cachedAnswer(userKey: string, messageId: string): Promise<string | undefined> {
    this.assertOpen();
    return this.readAnswer(userKey, messageId);
  }

  /** Refuses new calls, lets queued and running turns finish, then releases the backend. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.queue.drain().then(() => this.dispose());
    return this.closing;
  }

  /** Cross-process exclusion around one turn; `lease` identifies the holder to `write`. In-process stores need none. */
  protected exclusive<T>(_userKey: string, task: (lease: string | undefined) => Promise<T>): Promise<T> {
    return task(undefined);
  }

  protected abstract read(userKey: string): MaybePromise<Versioned | undefined>;
  /** The record a turn starts from (transact without a messageId); a store may answer it from a cache of its own commits. */
  protected readForTurn(userKey: string): MaybePromise<Versioned | undefined> {
    return this.read(userKey);
  }
  /** Writes state (+ answer) atomically iff the stored version is still `expectedVersion`; else SessionConflictError. */
  protected abstract write(userKey: string, expectedVersion: number, record: CommitRecord, lease: string | undefined): Promise<void>;
  protected abstract remove(userKey: string): Promise<void>;
  protected abstract readAnswer(userKey: string, messageId: string): MaybePromise<string | undefined>;
  /** read() and readAnswer() in one step, for stores where that saves a query (TransactOptions.messageId). */
  protected readWithAnswer?(userKey: string, messageId: string): MaybePromise<{ record: Versioned | undefined; answer: string | undefined }>;
  protected abstract dispose(): Promise<void>;

  private enqueue<T>(userKey: string, task: () => Promise<T>, mustRun = false): Promise<T> {
    if (this.closing) return Promise.reject(new StoreClosedError(this.kind));
    return this.queue.run(userKey, task, mustRun ? { mustRun } : undefined);
  }

  private assertOpen(): void {
    if (this.closing) throw new StoreClosedError(this.kind);
  }
}
