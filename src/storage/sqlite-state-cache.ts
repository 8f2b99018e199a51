// What the SQLite store knows of its recently active users without asking the file: each user's
// last committed row (version and stored text) and the messageIds of the answer rows the user has,
// so the next turn of that user reads no row (docs/storage.md, "State cache"). SqliteStore keeps it
// true: entries change only after the group commit that wrote them has committed, the answer rows
// that commit deletes (expired, over the cap) are forgotten here too, and the whole cache is emptied
// when another connection has written to the file.

/** One user as the file holds them now. */
export interface CachedUser {
  /** The row's version; 0 = no row. */
  version: number;
  /** The row's stored text (decoded on every use, so each turn gets a fresh copy); undefined = no row. */
  stateText: string | undefined;
  /**
   * messageId → expires_at of every answer row of this user in the file (a row missing here is
   * missing there); undefined until first needed.
   */
  answers: Map<string, number> | undefined;
}

/** An answer row deleted by a commit (`DELETE … RETURNING`). */
export interface DeletedAnswer {
  user_key: string;
  message_id: string;
}

/** Least recently used users go first once more than `capacity` are kept. */
export class StateCache {
  private readonly users = new Map<string, CachedUser>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.users.size;
  }

  /** The user's entry, now the most recently used. */
  get(userKey: string): CachedUser | undefined {
    const entry = this.users.get(userKey);
    if (entry !== undefined) {
      this.users.delete(userKey);
      this.users.set(userKey, entry);
    }
    return entry;
  }

  /** The user's entry, its place in the order unchanged. */
  peek(userKey: string): CachedUser | undefined {
    return this.users.get(userKey);
  }

  set(userKey: string, entry: CachedUser): void {
    this.users.delete(userKey);
    this.users.set(userKey, entry);
    if (this.users.size > this.capacity) this.users.delete(this.users.keys().next().value!);
  }

  delete(userKey: string): void {
    this.users.delete(userKey);
  }

  clear(): void {
    this.users.clear();
  }

  /** Answer rows a commit deleted: a retry of them must run the turn, as it would without the cache. */
  forgetAnswers(rows: readonly DeletedAnswer[]): void {
    for (const row of rows) this.users.get(row.user_key)?.answers?.delete(row.message_id);
  }
}
