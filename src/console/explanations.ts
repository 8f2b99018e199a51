// The explained turns of the console's own dialogs, kept in memory so the page can show each
// answer's explanation beside it (docs/console.md). Bounded: a few recent turns per user, a few
// hundred users; the oldest go first.
import type { TurnExplanation } from "../engine/explain.js";

export class TurnExplanations {
  private readonly users = new Map<string, Map<string, TurnExplanation>>();

  constructor(
    private readonly turnsPerUser = 50,
    private readonly maxUsers = 200,
  ) {}

  record(userKey: string, messageId: string, explanation: TurnExplanation): void {
    let turns = this.users.get(userKey);
    if (turns) this.users.delete(userKey); // re-inserted below: the most recent user is kept longest
    else turns = new Map();
    this.users.set(userKey, turns);
    turns.set(messageId, explanation);
    if (turns.size > this.turnsPerUser) turns.delete(turns.keys().next().value!);
    if (this.users.size > this.maxUsers) this.users.delete(this.users.keys().next().value!);
  }

  get(userKey: string, messageId: string): TurnExplanation | undefined {
    return this.users.get(userKey)?.get(messageId);
  }
}
