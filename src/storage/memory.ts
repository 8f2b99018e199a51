// Sessions in a Map: for tests, the REPL and single-process use where losing state on exit is fine.
// State is kept as JSON text so every adapter round-trips state the same way.
import { answerTtlMs, BaseStore, DEFAULT_MAX_CACHED_ANSWER_BYTES, maxCachedAnswers, decodeState, type CommitRecord, type Versioned } from "./base.js";
import { SessionConflictError } from "./errors.js";
import type { StoreOptions } from "./types.js";

interface Row {
  version: number;
  json: string;
}

export class MemoryStore extends BaseStore {
  readonly kind = "memory" as const;
  private readonly rows = new Map<string, Row>();
  /** Insertion order = expiry order (one TTL for all), so expired answers are always at the front. */
  private readonly answers = new Map<string, { body: string; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxAnswers: number;
  private readonly maxKeptBytes: number;
  private answerBytes = 0; // UTF-16 length × 2 of the kept bodies: what they cost in memory
  private pending: (() => void)[] = []; // commits waiting for this event-loop turn's flush
  private readonly now: () => number;

  constructor(opts: StoreOptions = {}) {
    super(opts);
    this.ttlMs = answerTtlMs(opts);
    this.maxAnswers = maxCachedAnswers(opts);
    this.maxKeptBytes = opts.maxCachedAnswerBytes ?? DEFAULT_MAX_CACHED_ANSWER_BYTES;
    this.now = opts.now ?? Date.now;
  }

  protected read(userKey: string): Versioned | undefined {
    const row = this.rows.get(userKey);
    return row && { state: decodeState(row.json), version: row.version };
  }

  /**
   * Commits are applied together once per event-loop turn, after I/O (setImmediate), as the SQLite
   * store's group commit does: the answers of the turns that finished together then leave together,
   * and the server reads the next requests in between. Answering each commit at once cost ~20 % more
   * CPU per request (docs/storage.md, "Memory store").
   */
  protected write(userKey: string, expectedVersion: number, record: CommitRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      const apply = () => {
        try {
          this.apply(userKey, expectedVersion, record);
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      };
      if (this.pending.push(apply) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const apply of batch) apply();
  }

  private apply(userKey: string, expectedVersion: number, record: CommitRecord): void {
    const version = this.rows.get(userKey)?.version ?? 0;
    if (version !== expectedVersion) throw new SessionConflictError(userKey, `version ${version}, expected ${expectedVersion}`);
    this.rows.set(userKey, { version: version + 1, json: record.stateJson });
    if (record.answer && this.ttlMs > 0) {
      const key = answerKey(userKey, record.answer.messageId);
      this.dropAnswer(key); // re-insert at the back to keep expiry order
      this.answers.set(key, { body: record.answer.body, expiresAt: this.now() + this.ttlMs });
      this.answerBytes += record.answer.body.length * 2;
    }
    this.sweep();
  }

  protected async remove(userKey: string): Promise<void> {
    this.rows.delete(userKey);
  }

  protected readAnswer(userKey: string, messageId: string): string | undefined {
    const hit = this.answers.get(answerKey(userKey, messageId));
    return hit && hit.expiresAt > this.now() ? hit.body : undefined;
  }

  protected async dispose(): Promise<void> {
    this.rows.clear();
    this.answers.clear();
    this.answerBytes = 0;
  }

  /** Drops expired answers, then the oldest while over the count or byte cap (all at the front). */
  private sweep(): void {
    const now = this.now();
    for (const [key, hit] of this.answers) {
      if (hit.expiresAt > now && this.answers.size <= this.maxAnswers && this.answerBytes <= this.maxKeptBytes) break;
      this.dropAnswer(key);
    }
  }

  private dropAnswer(key: string): void {
    const hit = this.answers.get(key);
    if (!hit) return;
    this.answers.delete(key);
    this.answerBytes -= hit.body.length * 2;
  }
}

// JSON of the pair: unambiguous whatever characters the ids contain.
const answerKey = (userKey: string, messageId: string): string => JSON.stringify([userKey, messageId]);
