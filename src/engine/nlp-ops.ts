// `$nlp.match` and `$nlp.matchPatterns` (spec dsl.md §5.8): scripts ask the engine to classify a
// text as if it were sent in some context. They reach the engine as host calls ("nlp.match"), so
// this wraps the HostServices the script host gets and answers those two operations itself.
import type { Project } from "../project/model.js";
import type { ConverterRunner, ParseNode, PatternSet } from "../patterns/types.js";
import { matchPatterns } from "../patterns/index.js";
import type { HostServices } from "./types.js";
import { activePatternTiers, activeTriggers } from "./locality.js";
import { buildNluResults, exampleHypotheses, patternHypotheses } from "./selection.js";
import { requireState } from "./paths.js";

export interface NlpMatch {
  targetState: string;
  patternId?: string; // "file:line" of the trigger
  pattern?: string;
  effectivePattern?: string;
  score: number;
  weight?: number;
  parseTree?: ParseNode;
}

export interface NlpDeps {
  project: Project;
  patterns: () => PatternSet;
  /** The turn's clock, for entities relative to now (`@duckling.date`). */
  now?: () => number;
  /**
   * Runs named patterns' converters in the script's realm, as for the turn's own `$parseTree`
   * (`$nlp.matchPatterns(t, ["$Currency"]).parseTree._Currency` is the converter's value). Set once
   * the script host exists.
   */
  converter?: ConverterRunner;
}

/** `$nlp.match(text, statePath)`: the state the text would lead to from `statePath`, or null. */
export function nlpMatch(deps: NlpDeps, text: string, statePath: string): NlpMatch | null {
  const { project } = deps;
  // A text without a word is never classified (scripts that strip matched words until nothing
  // matches rely on it).
  if (!/[\p{L}\p{N}]/u.test(text)) return null;
  let context: string;
  try {
    context = requireState(project, "/", statePath || "/").path;
  } catch {
    return null;
  }
  const active = activeTriggers(project, context);
  const matches = deps.patterns().match(text, activePatternTiers(project, active), {
    regexCaseInsensitive: project.config.regexCaseInsensitive === true,
    now: deps.now?.(),
    ...(deps.converter ? { converter: deps.converter } : {}),
  });
  const { nlu } = buildNluResults(patternHypotheses(project, matches, active.tiers), [], exampleHypotheses(project, text, active.tiers));
  const h = nlu.selected;
  if (!h) return null;
  const info = (h.debugInfo ?? {}) as { file?: string; line?: number };
  const out: NlpMatch = { targetState: h.clazz, score: h.score };
  if (info.file) out.patternId = `${info.file}:${info.line ?? 0}`;
  if (h.pattern !== undefined) {
    out.pattern = h.pattern;
    out.effectivePattern = h.pattern;
  }
  if (h.weight !== undefined) out.weight = h.weight;
  if (h.parseTree) out.parseTree = h.parseTree;
  return out;
}

/** HostServices that answer `nlp.match` / `nlp.matchPatterns` and pass every other call on. */
export function withNlpOps(services: HostServices, deps: NlpDeps): HostServices {
  return {
    http: (req) => services.http(req),
    call: (op, args) => {
      const a = (args ?? {}) as { text?: unknown; statePath?: unknown; patterns?: unknown };
      if (op === "nlp.match") return nlpMatch({ ...deps, now: deps.now ?? (() => services.now()), converter: deps.converter }, String(a.text ?? ""), String(a.statePath ?? "/"));
      if (op === "nlp.matchPatterns") {
        const list = Array.isArray(a.patterns) ? a.patterns.map(String) : typeof a.patterns === "string" ? [a.patterns] : [];
        if (list.length === 0) return null;
        const { project } = deps;
        return matchPatterns(String(a.text ?? ""), list, project.namedPatterns, project.dictionaries, {
          regexCaseInsensitive: project.config.regexCaseInsensitive === true,
          now: (deps.now ?? (() => services.now()))(),
          ...(deps.converter ? { converter: deps.converter } : {}),
        });
      }
      return services.call(op, args);
    },
    now: () => services.now(),
    random: (max) => services.random(max),
    seed: () => services.seed(),
    log: (level, message) => services.log(level, message),
    env: (name) => services.env(name),
    secret: (name) => services.secret(name),
  };
}
