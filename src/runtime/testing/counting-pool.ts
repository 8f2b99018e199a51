// A stand-in for the worker pool in executor tests: every turn counts itself in $session under its
// event name (or "text"), and builds a new UserState as the engine does (no other field kept).
import type { BotRequest, TurnResult, UserState } from "../../engine/types.js";
import type { WorkerPool } from "../worker-pool.js";

/** A pool whose turns count themselves; `render` of the executor sees a result with no replies. */
export function countingPool(): WorkerPool {
  const pool = {
    run: (request: BotRequest, state: UserState): Promise<TurnResult> => {
      const key = request.event ?? "text";
      const session = { ...state.session, [key]: ((state.session[key] as number | undefined) ?? 0) + 1 };
      const next: UserState = { session, client: state.client, contextPath: "/" };
      return Promise.resolve({ replies: [], response: { replies: [] }, state: next, endSession: false, mails: [] });
    },
    runInline: (): TurnResult | undefined => undefined, // every turn goes through run()
    close: () => Promise.resolve(),
  };
  return pool as unknown as WorkerPool;
}
