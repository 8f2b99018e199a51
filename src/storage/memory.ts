// Sessions in a Map: for tests, the REPL and single-process use where losing state on exit is fine.
// State is kept as JSON text so every adapter round-trips state the same way.
import { answerTtlMs, BaseStore, maxCachedAnswers, decodeState, type CommitRecord, type Versioned } from "./base.js";
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
  private readonly now: () => number;

  constructor(opts: StoreOptions = {}) {
    super(opts);
    this.ttlMs = answerTtlMs(opts);
    this.maxAnswers = maxCachedAnswers(opts);
    this.now = opts.now ?? Date.now;
  }

  protected async read(userKey: string): Promise<Versioned | undefined> {
    const row = this.rows.get(userKey);
    return row && { state: decodeState(row.json), version: row.version };
  }

  protected async write(userKey: string, expectedVersion: number, record: CommitRecord): Promise<void> {
    const version = this.rows.get(userKey)?.version ?? 0;
    if (version !== expectedVersion) throw new SessionConflictError(userKey, `version ${version}, expected ${expectedVersion}`);
    this.rows.set(userKey, { version: version + 1, json: record.stateJson });
    if (record.answer && this.ttlMs > 0) {
      const key = answerKey(userKey, record.answer.messageId);
      this.answers.delete(key); // re-insert at the back to keep expiry order
      this.answers.set(key, { body: record.answer.body, expiresAt: this.now() + this.ttlMs });
    }
    this.sweep();
  }

  protected async remove(userKey: string): Promise<void> {
    this.rows.delete(userKey);
  }

  protected async readAnswer(userKey: string, messageId: string): Promise<string | undefined> {
    const hit = this.answers.get(answerKey(userKey, messageId));
    return hit && hit.expiresAt > this.now() ? hit.body : undefined;
  }

  protected async dispose(): Promise<void> {
    this.rows.clear();
    this.answers.clear();
  }

  /** Drops expired answers, then the oldest while over the count cap (both at the front). */
  private sweep(): void {
    const now = this.now();
    for (const [key, hit] of this.answers) {
      if (hit.expiresAt > now && this.answers.size <= this.maxAnswers) break;
      this.answers.delete(key);
    }
  }
}

// JSON of the pair: unambiguous whatever characters the ids contain.
const answerKey = (userKey: string, messageId: string): string => JSON.stringify([userKey, messageId]);
