// The dialog engine: createEngine(project, services) → Engine.process(request, state) → TurnResult.
// Pure: scripts run in the ScriptHost, I/O, time and randomness come from HostServices.
import type { Project } from "../project/model.js";
import type { ConverterRunner, PatternSet } from "../patterns/types.js";
import type { ScriptHost } from "../sandbox/types.js";
import { createScriptHost } from "../sandbox/index.js";
import { compileProjectPatterns } from "../patterns/index.js";
import type { Engine, HostServices, IntentClassifier } from "./types.js";
import { withMorphologyOps } from "../morphology/ops.js";
import { classifierFor, patternEntities, readNluData } from "../nlu/index.js";
import { runTurn, type EngineEnv } from "./turn.js";
import { processWithSlotFilling } from "./slot-filling.js";
import { processWithInput } from "./input-tags.js";
import { withNlpOps, type NlpDeps } from "./nlp-ops.js";
import { tapLogs, type LogTap } from "./log-tap.js";
import { bindTurnUser } from "./turn-user.js";
import { isKnownTimeZone, userWallClock } from "../nlu/clock.js";

export interface EngineOptions {
  /** Use this script host instead of creating one (tests, tools). */
  host?: ScriptHost;
  /** Use these compiled patterns instead of compiling the project's. */
  patterns?: PatternSet;
  /** Use this intent classifier; null for none. Default: the project's own, trained from its CAILA export (disk-cached). */
  classifier?: IntentClassifier | null;
  /** Everything else is passed to createScriptHost (e.g. cpuMs). */
  [hostOption: string]: unknown;
}

export function createEngine(project: Project, services: HostServices, opts: EngineOptions = {}): Engine {
  const { host: givenHost, patterns: givenPatterns, classifier: givenClassifier, ...hostOptions } = opts;
  // The project's CAILA export (src/nlu): its entities serve `@Name` in patterns, its intents the classifier.
  const nlu = givenPatterns && givenClassifier !== undefined ? undefined : readNluData(project.dir);
  const compile = () => compileProjectPatterns(project, nlu ? { entities: patternEntities(nlu.data) } : {});
  let patterns: PatternSet | undefined = givenPatterns;
  // Scripts reach $nlp.match / $nlp.matchPatterns through host calls the engine answers, and
  // $nlp.inflect / conform / parseMorph through the dictionary morphology (src/morphology).
  // Logs of a turn reach its explanation (TurnRunOptions.explain) through this tap.
  const logTap: LogTap = {};
  // Dates in phrases resolve in the user's time zone: the request's offset, else the NLU project's default.
  const timezone = nlu?.data.timezone !== undefined && isKnownTimeZone(nlu.data.timezone) ? nlu.data.timezone : undefined;
  let turnOffsetSec: number | undefined; // the current request's, for $nlp.match / $nlp.matchPatterns
  const nlpDeps: NlpDeps = { project, patterns: () => (patterns ??= compile()), now: () => userWallClock(services.now(), turnOffsetSec, timezone) };
  let turnUser: string | undefined; // the current request's channel user: whose payments its scripts make
  const scriptServices = bindTurnUser(withNlpOps(withMorphologyOps(tapLogs(services, logTap, "script")), nlpDeps), () => turnUser);
  const host = givenHost ?? createScriptHost(project, scriptServices, hostOptions as Parameters<typeof createScriptHost>[2]);
  const converter: ConverterRunner = (c, n) => host.runConverter(c, n);
  nlpDeps.converter = converter;
  try {
    patterns ??= compile();
  } catch (err) {
    // A project whose patterns do not compile: free the isolate now, not at the thread's teardown.
    if (!givenHost) host.dispose();
    throw err;
  }
  const classifier = givenClassifier === undefined ? (nlu ? classifierFor(nlu.data, nlu.text) : undefined) : (givenClassifier ?? undefined);
  let seq = 0;
  const env: EngineEnv = {
    project,
    services: tapLogs(services, logTap, "engine"),
    logTap,
    host,
    patterns,
    converter,
    classifier,
    ...(timezone !== undefined ? { timezone } : {}),
    forceEs6: project.config.scriptRuntime?.forceEs6 === true,
    // Unique enough per process; no randomness so that test random queues stay untouched.
    newSessionId: () => `${services.now().toString(36)}-${(++seq).toString(36)}`,
  };
  return {
    process(request, state, options) {
      turnOffsetSec = request.timezoneOffsetSec;
      turnUser = typeof request.channelUserId === "string" && request.channelUserId !== "" ? request.channelUserId : undefined;
      // A replayed failure goes straight to the error path: no slot-filling bot answers it.
      if (options?.failWith) return runTurn(env, request, state, options.testContext, 0, options.failWith, options.explain === true);
      const turn = (r: typeof request, s: typeof state) => runTurn(env, r, s, options?.testContext, 0, undefined, options?.explain === true);
      // An InputText / InputNumber answer is kept before the turn runs; slot filling answers its own prompts.
      return processWithInput(env.services, (p) => project.states.has(p), request, state, (r, s) => processWithSlotFilling(env, r, s, turn));
    },
    dispose() {
      host.dispose();
    },
  };
}

export type { Engine, HostServices, IntentClassifier, IntentGuess } from "./types.js";
export type { TurnExplanation, ExplainedCandidate } from "./explain.js";
export { DialogError } from "./errors.js";
export { resolveStatePath } from "./paths.js";
export { parseInterval } from "./timeouts.js";
export { onErrorText } from "./on-error.js";
