// The explained turns of the console's own dialogs, kept in memory so the page can show each
// answer's explanation beside it (docs/console.md). Bounded: a few recent turns per user, a few
// hundred users, and a total size; the oldest go first.
import type { TurnExplanation } from "../engine/explain.js";

/**
 * Total size of the kept explanations (UTF-16 characters of their JSON). Any webhook client can name
 * a `console-` user, and one explanation holds the request's text, the replies and the session diff:
 * the count limits alone let 10,000 turns of 1 MB bodies grow the server by gigabytes
 * (docs/security.md, "Third red-team round").
 */
export const DEFAULT_MAX_EXPLANATION_CHARS = 32 * 1024 * 1024;

interface Kept {
  explanation: TurnExplanation;
  chars: number;
}

/** The recent turns' explanations per console user, bounded in turns, users and total size; the oldest go first. */
export class TurnExplanations {
  private readonly users = new Map<string, Map<string, Kept>>();
  private chars = 0;

  constructor(
    private readonly turnsPerUser = 50,
    private readonly maxUsers = 200,
    private readonly maxChars = DEFAULT_MAX_EXPLANATION_CHARS,
  ) {}

  record(userKey: string, messageId: string, explanation: TurnExplanation): void {
    const chars = JSON.stringify(explanation).length;
    if (chars > this.maxChars) return; // larger than the whole budget: not kept (the page says it is gone)
    let turns = this.users.get(userKey);
    if (turns) this.users.delete(userKey); // re-inserted below: the most recent user is kept longest
    else turns = new Map();
    this.users.set(userKey, turns);
    const replaced = turns.get(messageId);
    if (replaced) {
      this.chars -= replaced.chars;
      turns.delete(messageId);
    }
    turns.set(messageId, { explanation, chars });
    this.chars += chars;
    if (turns.size > this.turnsPerUser) this.dropOldestTurn(turns);
    if (this.users.size > this.maxUsers) this.dropUser(this.users.keys().next().value!);
    // The least recent users' oldest turns go first; the turn just recorded fits (checked above).
    while (this.chars > this.maxChars) {
      const [oldestKey, oldest] = this.users.entries().next().value!;
      this.dropOldestTurn(oldest);
      if (oldest.size === 0) this.users.delete(oldestKey);
    }
  }

  get(userKey: string, messageId: string): TurnExplanation | undefined {
    return this.users.get(userKey)?.get(messageId)?.explanation;
  }

  /** Characters of JSON held now (for tests). */
  get size(): number {
    return this.chars;
  }

  private dropOldestTurn(turns: Map<string, Kept>): void {
    const [id, kept] = turns.entries().next().value!;
    turns.delete(id);
    this.chars -= kept.chars;
  }

  private dropUser(key: string): void {
    for (const kept of this.users.get(key)?.values() ?? []) this.chars -= kept.chars;
    this.users.delete(key);
  }
}
