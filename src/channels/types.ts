// How channels (webhook, REPL, web console) run turns: they hand a BotRequest and a user key to a
// TurnExecutor, which serialises per user, loads state, runs the engine in the script host, commits.
import type { BotRequest, TurnResult } from "../engine/types.js";

export interface TurnOptions {
  deadlineMs?: number; // answer with an error rather than nothing after this long
  newSession?: boolean; // SmartApp payload.new_session: start a fresh $session
  messageId?: string; // for idempotent retries
  /**
   * Also keep `messageId` in the user's state (the latest 64), so a copy that comes after its cached
   * answer expired or was dropped (a restart longer than the answer TTL) still runs nothing.
   */
  once?: boolean;
  /** Serialise the channel answer inside the transaction so a retried messageId returns it. */
  render?: (result: TurnResult) => string;
  /** Ask the engine for TurnResult.explanation (docs/engine.md, "The explained turn"); costs time. */
  explain?: boolean;
}

/**
 * The executor refused a turn before anything of it ran (a user with too many turns waiting: 429;
 * the worker pool's queue full: 503); the channel answers `status` with the message as the reason.
 */
export class TurnRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "TurnRefusedError";
  }
}

export interface TurnOutcome {
  result: TurnResult;
  body?: string; // render(result), or the cached answer of a retried messageId
  cached: boolean;
}

export interface TurnExecutor {
  run(userKey: string, request: BotRequest, options?: TurnOptions): Promise<TurnOutcome>;
  close(): Promise<void>;
}
