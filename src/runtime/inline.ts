// Turns that run no user code, run on the main thread. Most turns of a served project are patterns,
// `a:` texts and turn-data conditions: for them the worker round trip (structured clone of request and
// result, two thread wake-ups) cost more CPU than the turn itself (docs/benchmarks.md). Such a turn
// cannot block: it makes no host call, and every call into the main thread's isolate runs under a
// short CPU limit. The first call that would run user code (a script, a handler, a converter, a
// condition or template that is not turn data) is refused before it enters the isolate: the inline
// run is dropped — nothing of it is committed, answered or logged — and the same request runs again,
// from the same stored state, in a worker with the full budget. So the main thread's context never
// runs user code and never needs renewing, and every guarantee of the worker path (CPU limit and
// watchdog, $http/$payment on the sync bridge, memory limit) holds for the turns that need it.
import type { Project } from "../project/model.js";
import { createEngine, type Engine } from "../engine/index.js";
import type { BotRequest, HostServices, TurnResult, UserState } from "../engine/types.js";
import { readNluData } from "../nlu/data.js";
import { patternHasRegexp } from "../patterns/parser.js";
import { projectSecret } from "../util/secrets.js";
import { TurnAbandoned } from "../engine/errors.js";
import { DEFAULT_LENGTH_LIMIT_SYMBOLS, overLengthLimit } from "../engine/length-limit.js";
import { freshSeed } from "../sandbox/host.js";
import { secureFraction } from "../util/secure-random.js";

export interface InlineOptions {
  /** The pool's per-turn CPU budget; the inline limit per isolate call is the smaller of it and INLINE_CALL_MS. */
  turnCpuMs: number;
  memoryMb: number;
  secrets: Record<string, string>;
  env: Record<string, string>;
  log?: (level: string, message: string) => void;
}

/** CPU limit of one call into the main thread's isolate: a turn-data expression needs microseconds. */
const INLINE_CALL_MS = 50;

/**
 * The longest text matched on the main thread. Matching costs more than the text's length (an entity
 * such as `$Number` tries every start: 6,400 characters of `1 1 …` take half a second), and only a
 * worker can be stopped; a project that lifts `nlp.lengthLimit` has its longer texts matched there.
 */
const INLINE_MAX_MATCHED_CHARS = DEFAULT_LENGTH_LIMIT_SYMBOLS;

/** Thrown into the engine where user code would run: the turn unwinds without its error path and the run is dropped. */
class NeedsWorker extends TurnAbandoned {
  constructor(why: string) {
    super(`inline turn handed to a worker: ${why}`);
  }
}

export class InlineTurns {
  private readonly engine: Engine;
  private refused = false;
  private logs: [string, string][] = [];

  private constructor(
    private readonly project: Project,
    private readonly opts: InlineOptions,
  ) {
    const refuse = (why: string): never => {
      this.refused = true;
      throw new NeedsWorker(why);
    };
    const services: HostServices = {
      http: () => refuse("$http"),
      call: (op) => refuse(op),
      now: () => Date.now(),
      random: (max) => Math.floor(secureFraction() * max),
      seed: freshSeed,
      log: (level, message) => {
        this.logs.push([level, message]);
      },
      env: (name) => (Object.hasOwn(opts.env, name) ? opts.env[name] : undefined),
      secret: (name) => projectSecret(name, opts.secrets),
    };
    this.engine = createEngine(project, services, {
      cpuMs: Math.min(opts.turnCpuMs, INLINE_CALL_MS),
      memoryMb: opts.memoryMb,
      beforeUserCode: () => refuse("user code"),
    });
  }

  /**
   * Inline turns for `project`, or undefined when its matching itself may be slow: a `$regexp` in a
   * trigger, named pattern or NLU entity could backtrack for seconds, and only a worker can be
   * stopped from outside (the pool's watchdog).
   */
  static create(project: Project, opts: InlineOptions): InlineTurns | undefined {
    if (usesRegexps(project)) return undefined;
    return new InlineTurns(project, opts);
  }

  dispose(): void {
    this.engine.dispose();
  }

  /**
   * The turn's result, or undefined when it must run in a worker (nothing of this run is kept).
   * Every turn is tried but one whose text is too long to match here: a refusal costs the matching
   * done up to the first user code, and a turn answered here never waits behind turns blocked in
   * $http in the pool's queue.
   */
  run(request: BotRequest, state: UserState): TurnResult | undefined {
    const text = request.query;
    if (typeof text === "string" && text.length > INLINE_MAX_MATCHED_CHARS && !overLengthLimit(this.project.config, text)) return undefined;
    this.refused = false;
    this.logs = [];
    let result: TurnResult | undefined;
    try {
      result = this.engine.process(request, state);
    } catch {
      result = undefined;
    }
    // Any reported error goes to a worker too: the error path with the full CPU budget is the one users see.
    if (result === undefined || this.refused || result.error !== undefined) return undefined;
    for (const [level, message] of this.logs) this.opts.log?.(level, message);
    return result;
  }
}

/** On the syntax trees, not the text: `$regex<…>`, a space before `<` or a `\u0024` in nlu.json are regexps too. */
function usesRegexps(project: Project): boolean {
  if (project.triggers.some((t) => t.kind === "pattern" && patternHasRegexp(t.value))) return true;
  for (const def of project.namedPatterns.values()) if (patternHasRegexp(def.body)) return true;
  const nlu = readNluData(project.dir)?.data;
  if (!nlu) return false;
  const sources = [...nlu.intents.flatMap((i) => i.patterns), ...nlu.entities.flatMap((e) => e.records.filter((r) => r.type === "pattern").flatMap((r) => r.rule))];
  return sources.some(patternHasRegexp);
}
