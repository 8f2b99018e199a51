// The turn executor every channel uses: per-user serialisation and commit (the session store), the
// turn itself (a worker from the pool), and the platform's error path when a worker dies mid-turn.
import { randomUUID } from "node:crypto";
import { TurnRefusedError, type TurnExecutor, type TurnOptions, type TurnOutcome } from "../channels/types.js";
import type { BotRequest, TurnResult, UserState } from "../engine/types.js";
import { emptyUserState } from "../engine/types.js";
import type { ChatbotConfig } from "../project/model.js";
import { onErrorText } from "../engine/on-error.js";
import { secureFraction } from "../util/secure-random.js";
import type { SessionStore } from "../storage/types.js";
import { ANSWER_NOT_KEPT } from "../storage/base.js";
import { TurnsWaitingError } from "../storage/errors.js";
import { TurnCrash, type WorkerPool } from "./worker-pool.js";
import { checkStateLimits, type StateLimits } from "./state-limits.js";

export interface ExecutorOptions {
  pool: WorkerPool;
  store: SessionStore;
  config: ChatbotConfig; // for messages.onError when a turn dies with its worker
  /** Size and depth caps on the state a turn may commit (defaults in state-limits.ts). */
  stateLimits?: StateLimits;
  onStoreLatency?: (ms: number, op: "cachedAnswer" | "transact") => void;
}

export class RuntimeExecutor implements TurnExecutor {
  private pool: WorkerPool;
  private config: ChatbotConfig;
  /** Turns running on each pool: a replaced pool closes once its own turns are done. */
  private readonly running = new Map<WorkerPool, Set<Promise<unknown>>>();

  constructor(private readonly opts: ExecutorOptions) {
    this.pool = opts.pool;
    this.config = opts.config;
  }

  /**
   * Turns from now on run on `pool` (a reloaded project, `serve --watch`); the old pool finishes the
   * turns it has and is closed.
   */
  async usePool(pool: WorkerPool, config: ChatbotConfig): Promise<void> {
    const old = this.pool;
    this.pool = pool;
    this.config = config;
    await Promise.allSettled([...(this.running.get(old) ?? [])]);
    this.running.delete(old);
    await old.close();
  }

  async run(userKey: string, request: BotRequest, options: TurnOptions = {}): Promise<TurnOutcome> {
    const { store } = this.opts;
    // With redis a retry answered before the lock saves a lock round trip; in-process stores look
    // once, inside the user's queue (below), which also catches a copy still in flight.
    if (options.messageId && store.kind === "redis") {
      const cached = await this.timed(() => store.cachedAnswer(userKey, options.messageId!));
      if (cached !== undefined) return { result: cachedResult(), body: cached === ANSWER_NOT_KEPT ? undefined : cached, cached: true };
    }
    const t0 = performance.now();
    let turnMs = 0;
    let outcome: TurnOutcome;
    try {
      outcome = await store.transact<TurnOutcome>(
        userKey,
        async (current, tx) => {
          // A copy of this messageId may have run while this one waited for the user's queue (or, with
          // redis, another process's lock): answer what it answered and commit nothing.
          if (options.messageId) {
            const lookup = tx.cachedAnswer(options.messageId);
            const cached = lookup instanceof Promise ? await lookup : lookup;
            // ANSWER_NOT_KEPT: the first copy's answer was too large to keep; this copy gets none (the channel renders an empty one).
            if (cached !== undefined) return { commit: undefined, result: { result: cachedResult(), body: cached === ANSWER_NOT_KEPT ? undefined : cached, cached: true } };
            if (options.once && current?.onceIds?.includes(options.messageId)) return { commit: undefined, result: { result: cachedResult(), cached: true } };
          }
          const turnStart = performance.now();
          let state = current ?? emptyUserState();
          if (options.newSession && current) state = startFresh(state);
          // The once-ids go into the state before the limits are checked: what is checked is what is committed.
          const onceIds = nextOnceIds(current?.onceIds, options.once ? options.messageId : undefined);
          const turn = this.runTurn(request, state, options.explain === true, onceIds);
          const { result, committed, stateJson } = turn instanceof Promise ? await turn : turn;
          const body = options.render?.(result);
          const answer = options.messageId && body !== undefined ? { messageId: options.messageId, body } : undefined;
          turnMs = performance.now() - turnStart;
          const commit = committed && { state: committed, stateJson, answer };
          return { commit, result: { result, body, cached: false } };
        },
        options.messageId === undefined ? undefined : { messageId: options.messageId },
      );
    } catch (err) {
      // Nothing of the turn ran: the channel answers why (docs/security.md, "Limits").
      if (err instanceof TurnsWaitingError) throw new TurnRefusedError(429, err.message);
      throw err;
    }
    // What the store cost this turn: waiting for the user's lock, loading and committing.
    this.opts.onStoreLatency?.(performance.now() - t0 - turnMs, "transact");
    return outcome;
  }

  /**
   * A turn whose worker was killed for a limit is replayed once, from the same stored state, straight
   * into the project's error path (onScriptError / onAnyError / messages.onError). If even that
   * fails, the user gets messages.onError. Either way nothing of the killed run is committed.
   */
  private runTurn(request: BotRequest, state: UserState, explain: boolean, onceIds: string[] | undefined): CheckedTurn | Promise<CheckedTurn> {
    const pool = this.pool;
    // A turn answered on this thread is over before usePool could wait for it: no promise, no
    // bookkeeping in `running` (an explained turn always runs in a worker, as pool.run decides).
    const inline = explain ? undefined : pool.runInline(request, state);
    let first: TurnCrash | undefined;
    if (inline !== undefined) {
      const outcome = this.checked(inline, onceIds);
      if (typeof outcome !== "string") return outcome;
      first = new TurnCrash("memory", outcome);
    }
    return this.track(pool, this.runOn(pool, request, state, explain, onceIds, first));
  }

  private async track(pool: WorkerPool, turn: Promise<CheckedTurn>): Promise<CheckedTurn> {
    let mine = this.running.get(pool);
    if (!mine) this.running.set(pool, (mine = new Set()));
    mine.add(turn);
    try {
      return await turn;
    } finally {
      mine.delete(turn);
    }
  }

  /** The turn's result with the state to commit, or the violation of the state limits. */
  private checked(result: TurnResult, onceIds: string[] | undefined): CheckedTurn | string {
    // The limits measure the scenario's state: the once-ids (the runtime's bookkeeping, at most
    // MAX_ONCE_IDS of its own ids) come on top, so a payment event never pushes a state over them.
    const bookkeeping = onceIds ? Buffer.byteLength(`,"onceIds":${JSON.stringify(onceIds)}`) : 0;
    const committed = withOnceIds(result.state, onceIds);
    const check = checkStateLimits(committed, this.opts.stateLimits, bookkeeping);
    return check.violation ?? { result, committed, stateJson: check.json };
  }

  /** `crashed`: the inline run's state broke the limits (runTurn): straight to the replay. */
  private async runOn(pool: WorkerPool, request: BotRequest, state: UserState, explain: boolean, onceIds: string[] | undefined, crashed?: TurnCrash): Promise<CheckedTurn> {
    const checked = (result: TurnResult): CheckedTurn | string => this.checked(result, onceIds);
    let crash: TurnCrash;
    try {
      if (crashed) throw crashed;
      const outcome = checked(await pool.run(request, state, explain ? { explain } : undefined));
      if (typeof outcome !== "string") return outcome;
      crash = new TurnCrash("memory", outcome);
    } catch (err) {
      if (!(err instanceof TurnCrash)) throw err;
      crash = err;
    }
    // "result": the worker's answer could not be delivered (a state nested beyond structured clone).
    if (crash.kind === "cpu" || crash.kind === "memory" || crash.kind === "result") {
      try {
        const limit = crash.kind === "cpu" ? "cpu" : "memory";
        const replay = checked(await pool.run(request, state, { failWith: { message: crash.message, limit }, ...(explain ? { explain } : {}) }));
        if (typeof replay !== "string") return replay;
      } catch (again) {
        if (!(again instanceof TurnCrash)) throw again;
      }
    }
    const result = crashResult(state, crash, this.config, request.language);
    // The state the turn started from, with this turn's once-id, is always committed with the error
    // answer, unchecked: it is the stored state (or, with new_session, a fresh session beside the
    // stored $client), never larger than what the store holds, so a retry is answered from the store
    // and never runs the turn (and its payments) again.
    return { result, committed: withOnceIds(state, onceIds) };
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.opts.store.close();
  }

  private async timed<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.opts.onStoreLatency?.(performance.now() - t0, "cachedAnswer");
    }
  }
}

const MAX_ONCE_IDS = 64;

/**
 * The once-ids the committed state carries: the engine builds a new UserState every turn (and
 * `new_session` starts afresh), so the executor carries them over from the stored state itself.
 */
function nextOnceIds(stored: string[] | undefined, added: string | undefined): string[] | undefined {
  if (added === undefined) return stored;
  return [...(stored ?? []), added].slice(-MAX_ONCE_IDS);
}

/**
 * A turn's result and the state to commit (its state with the once-ids), which passed the limits,
 * with that state's JSON (made once); no `committed`: nothing is committed.
 */
interface CheckedTurn {
  result: TurnResult;
  committed?: UserState;
  stateJson?: string;
}

function withOnceIds(state: UserState, onceIds: string[] | undefined): UserState {
  return onceIds ? { ...state, onceIds } : state;
}

/** SmartApp `new_session: true`: a fresh $session and context; $client stays. */
function startFresh(state: UserState): UserState {
  return { session: {}, client: state.client, contextPath: "/", sessionId: randomUUID() };
}

function cachedResult(): TurnResult {
  return { replies: [], response: { replies: [] }, state: emptyUserState(), endSession: false, mails: [] };
}

/** messages.onError (localised by request language) as the only reply; the state is left as it was. */
export function crashResult(state: UserState, err: TurnCrash, config: ChatbotConfig, language?: string): TurnResult {
  const text = onErrorText(config, language, (max) => Math.floor(secureFraction() * max));
  const replies = text ? [{ type: "text", text, state: state.contextPath }] : [];
  return {
    replies,
    response: { replies },
    state,
    endSession: false,
    mails: [],
    error: { kind: err.kind === "internal" ? "internal" : "limit", message: err.message },
  };
}
