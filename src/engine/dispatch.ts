// From a request to the state where execution starts (spec dsl.md §4.2–§4.5, §4.9 up to preProcess).
import type { BotRequest, IntentClassifier, IntentGuess, TurnNlu, UserState } from "./types.js";
import type { ConverterRunner, ParseNode, PatternSet } from "../patterns/types.js";
import { DialogError } from "./errors.js";
import type { Executor, TurnEnv } from "./execute.js";
import { handlersFor } from "./handlers.js";
import { activePatternTiers, activeTriggers, findEventTrigger, triggerTarget } from "./locality.js";
import { explainEvent, explainOverride, explainText, type TurnExplainer } from "./explain.js";
import { normaliseButtonText } from "./buttons.js";
import { requireState } from "./paths.js";
import { userWallClock } from "../nlu/clock.js";
import { requiredSlots, slotEntities } from "./slot-filling.js";
import { overLengthLimit } from "./length-limit.js";
import { buildNluResults, exampleHypotheses, intentHypotheses, intentThreshold, patternHypotheses, thresholds, type Hypothesis, type NluResults } from "./selection.js";

export interface DispatchEnv extends TurnEnv {
  patterns: PatternSet;
  classifier?: IntentClassifier; // the project's NLU (src/nlu); absent when it ships no intents
  /** The CAILA project's default time zone (`settings.timezone`), for a request without an offset of its own. */
  timezone?: string;
  /** Runs a named pattern's converter in the script host: one function for the engine's life, not one per turn. */
  converter: ConverterRunner;
}

const rootTree = (text: string): ParseNode => ({
  tag: "root",
  pattern: "root",
  text,
  words: text.split(/\s+/).filter((w) => w !== ""),
});

/**
 * A slot's value in `$parseTree._<Slot>`: an entity's DATA written as a JSON object or array is
 * given parsed, as zb-common's slot filling parses the values it gets back (`JSON.parse`, else the
 * text) and as real projects read it (`$parseTree._Letter.value` for a letter entity whose DATA is
 * `{"value":"к"}`) [I]. Any other value is kept as it is.
 */
function slotValue(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export class Dispatcher {
  /** Set by a text request: the recognised intent and the selected hypothesis. */
  recognised?: TurnNlu;
  /** The slot nodes withSlots filled this turn, by intent path: the winner's $parseTree reuses them instead of filling again. */
  private slotNodes?: Map<string, Record<string, ParseNode[]>>;

  constructor(
    private readonly env: DispatchEnv,
    private readonly executor: Executor,
    private readonly request: BotRequest,
    private readonly state: UserState,
    private readonly context: string,
    private readonly explain?: TurnExplainer,
  ) {}

  /**
   * The target state, or null when the request is answered by silence (unhandled event, no pending
   * timeout…). `afterCpuKill` (the replay of a turn killed for CPU) matches text without the trigger
   * regexps flagged catastrophic at load, which may be where the first run spent its CPU.
   */
  selectTarget({ afterCpuKill = false }: { afterCpuKill?: boolean } = {}): string | null {
    const { host, project } = this.env;
    const ctx = this.context;
    let query = this.request.query;
    host.setContext("currentState", ctx);

    let forced: string | null = null;
    for (const h of handlersFor(host, "preMatch", ctx)) {
      this.explain?.runs("preMatch");
      host.runHandler(h.id);
      host.stampReplies(ctx);
      forced = this.executor.takeTransition(ctx) ?? forced;
    }
    if (project.config.nlp?.modifyRequestInPreMatch) query = host.getRequestQuery() ?? query;
    const tempTarget = host.getTemp("targetState");
    // A transition overrides $temp.targetState; both skip matching.
    if (forced !== null) {
      this.explain?.decided("preMatch", `a preMatch handler transitioned to ${forced}`);
      return forced;
    }
    if (this.explain) return this.explainTarget(query, tempTarget, () => this.route(query, tempTarget, afterCpuKill));
    return this.route(query, tempTarget, afterCpuKill);
  }

  private route(query: string | undefined, tempTarget: unknown, afterCpuKill: boolean): string | null {
    const { project } = this.env;
    const ctx = this.context;
    if (typeof tempTarget === "string" && tempTarget.trim() !== "") return requireState(project, ctx, tempTarget).path;
    if (this.request.targetState) return requireState(project, ctx, this.request.targetState).path;
    if (this.request.timeout) {
      const pending = this.state.pendingTimeout;
      return pending ? requireState(project, "/", pending.targetState).path : null;
    }
    if (query !== undefined && this.state.lastButtons) {
      // Own properties only: the user's text is the key, and "constructor" or "__proto__" must not
      // find Object.prototype's members.
      const buttons = this.state.lastButtons;
      const key = normaliseButtonText(query);
      const clicked = Object.hasOwn(buttons, key) ? buttons[key] : undefined;
      if (typeof clicked === "string") return requireState(project, "/", clicked).path;
    }
    if (this.request.event) return this.dispatchEvent(this.request.event, query ?? "");
    return this.matchText(query ?? "", afterCpuKill);
  }

  /** The routes that skip matching, in words, for the explained turn; matching explains itself. */
  private explainTarget(query: string | undefined, tempTarget: unknown, route: () => string | null): string | null {
    const ex = this.explain!;
    if (query !== this.request.query && query !== undefined) ex.data.input.matchedQuery = query;
    const target = route();
    if (typeof tempTarget === "string" && tempTarget.trim() !== "") {
      ex.decided("$temp.targetState", `a preMatch handler set $temp.targetState = "${tempTarget}" → ${target}`);
    } else if (this.request.targetState) {
      ex.decided("targetState", `the request names its target state ${target}`);
    } else if (this.request.timeout) {
      const pending = this.state.pendingTimeout;
      ex.decided("timeout", pending ? `the pending timeout (set for ${pending.interval} s) goes to ${target}` : "no timeout is pending: the turn is silent");
    } else if (ex.data.decidedBy === "none" && target !== null && query !== undefined && this.state.lastButtons && !this.request.event && Object.hasOwn(this.state.lastButtons, normaliseButtonText(query))) {
      ex.decided("button", `"${query}" is a button of the previous answer → ${target}`);
      ex.transition("button", this.context, target);
    }
    return target;
  }

  /** Nearest active event trigger; an unhandled event falls back to noMatch, else silence [I]. */
  private dispatchEvent(name: string, text: string): string | null {
    const { project, host } = this.env;
    const t = findEventTrigger(project, this.context, name) ?? (name !== "noMatch" ? findEventTrigger(project, this.context, "noMatch") : undefined);
    if (this.explain) explainEvent(this.explain, project, this.context, name, t);
    if (!t) return null;
    host.setContext("parseTree", rootTree(text));
    return requireState(project, t.owner, triggerTarget(t)).path;
  }

  private matchText(text: string, afterCpuKill: boolean): string | null {
    const { project, host, patterns } = this.env;
    const ctx = this.context;
    if (overLengthLimit(project.config, text)) {
      // Without a lengthLimit handler the bot stays silent [D].
      const t = findEventTrigger(project, ctx, "lengthLimit");
      this.explain?.decided("lengthLimit", `the text is longer than nlp.lengthLimit: ${t ? `the lengthLimit event of ${t.owner}` : "no lengthLimit trigger, the turn is silent"}`);
      return t ? requireState(project, t.owner, triggerTarget(t)).path : null;
    }

    const active = activeTriggers(project, ctx);
    const { tiers, modal } = active;
    const patternTiers = activePatternTiers(project, active);
    const matches = patterns.match(text, patternTiers, {
      converter: this.env.converter,
      regexCaseInsensitive: project.config.regexCaseInsensitive === true,
      skipRiskyRegexps: afterCpuKill,
      now: this.userClock(),
    });
    const th = thresholds(project);
    const allGuesses = this.intentGuesses(text);
    // Most projects have no intents: no filtered and mapped copies of an empty list.
    const guesses = allGuesses.length === 0 ? allGuesses : allGuesses.filter((g) => g.score >= intentThreshold(th, g.source)).map((g) => this.withSlots(g, text));
    const intentHyps = intentHypotheses(project, guesses, tiers);
    const contextDepth = project.config.nlp?.considerContextDepthInStateSelectionV2 === true;
    const patternHyps = patternHypotheses(project, matches, tiers);
    const exampleHyps = exampleHypotheses(project, text, tiers);
    const { nlu, nBest } = buildNluResults(patternHyps, intentHyps, exampleHyps, contextDepth);
    if (this.explain) {
      const others = (outside: ReadonlyMap<number, number>) => patterns.match(text, outside, { regexCaseInsensitive: project.config.regexCaseInsensitive === true, skipRiskyRegexps: true, now: this.userClock() });
      explainText(this.explain, { project, context: ctx, modal, th, contextDepth, patterns: patternHyps, intents: intentHyps, examples: exampleHyps, nBest, guesses: allGuesses, matchOutsideModal: others });
    }
    // $context.intent: the intent the engine would act on (nearest active trigger), else the classifier's best.
    const intent = (intentHyps[0]?.hyp.debugInfo?.intent as IntentGuess | undefined) ?? guesses[0];
    this.recognised = intent ? { intent: { path: intent.path, score: intent.score, source: intent.source } } : {};
    if (intent) {
      // `slots` as on the platform: the intent's required slots, a list zb-common's slot filling
      // compares with the found ones of `nluResults.selected.debugInfo.slots` (docs/nlu.md, "Slots").
      host.setContext("intent", { path: intent.path, score: intent.score, answer: intent.answer, slots: requiredSlots(this.env.classifier, intent.path) });
      host.setContext("entities", guesses.find((g) => g.path === intent.path)?.entities ?? []);
    }
    host.setContext("nluResults", nlu);
    const nbest = project.config.nlp?.nbest;
    host.setContext("nBest", typeof nbest === "number" && nbest > 0 ? nBest.slice(0, nbest) : nBest);

    let selected = nlu.selected;
    // The handlers choose among the hypotheses, so they run only when there is one: with nothing
    // recognised the turn goes to noMatch as the platform's rule table says, and real handlers read
    // `nluResults.selected.clazz` unguarded (docs/nlu.md, "Selection") [I].
    const selectors = handlersFor(host, "selectNLUResult", ctx);
    if (!selected && selectors.length > 0) this.explain?.because("nothing was recognised: the selectNLUResult handlers do not run");
    if (selected && selectors.length > 0) {
      let forced: string | null = null;
      for (const h of selectors) {
        this.explain?.runs("selectNLUResult");
        host.runHandler(h.id);
        host.stampReplies(ctx);
        forced = this.executor.takeTransition(ctx) ?? forced;
      }
      if (forced !== null) {
        this.explain?.decided("selectNLUResult", `a selectNLUResult handler transitioned to ${forced}`);
        return forced;
      }
      const before = selected;
      selected = ((host.getContext("nluResults") ?? {}) as Partial<NluResults>).selected ?? null;
      if (this.explain) explainOverride(this.explain, before, selected);
    }

    if (selected && typeof selected.clazz === "string" && selected.clazz !== "") {
      this.recognised.selected = { ruleType: String(selected.ruleType), clazz: selected.clazz, score: Number(selected.score) };
      host.setContext("parseTree", this.parseTreeOf(selected, text));
      return requireState(project, ctx, selected.clazz).path;
    }

    host.setContext("parseTree", rootTree(text));
    // A recognised intent without a state of its own goes to the `match` event [C][L].
    const matchEvent = intent?.path ? findEventTrigger(project, ctx, "match") : undefined;
    const t = matchEvent ?? findEventTrigger(project, ctx, "noMatch");
    // A noMatch turn has no intent: the platform's own slot filling (sys.zb-common) reads
    // `nluResults.selected.debugInfo` whenever `$context.intent` has slots (docs/nlu.md) [I].
    if (intent && !matchEvent) {
      host.setContext("intent", null);
      host.setContext("entities", []);
    } else if (intent) {
      // A `match` turn keeps the intent (its handlers answer `$context.intent.answer`) but no
      // `slots`: nothing was selected, and slot filling keyed on `$context.intent.slots` reads
      // `nluResults.selected` (docs/nlu.md, "Selection") [I].
      host.setContext("intent", { path: intent.path, score: intent.score, answer: intent.answer });
    }
    this.explain?.fallback(project, ctx, t, modal);
    if (t) return requireState(project, t.owner, triggerTarget(t)).path;
    throw new DialogError(`No target state was determined for query "${text}"${modal ? ` (modal state ${modal})` : ""}`);
  }

  /**
   * The clock that dates in the text ("завтра", "в 6 утра") resolve against: the user's wall time, the
   * turn's clock shifted by the channel's timezone offset, else by the NLU project's default time
   * zone, read as UTC (docs/nlu.md, "Entities") [I].
   */
  private userClock(): number {
    return userWallClock(this.env.services.now(), this.request.timezoneOffsetSec, this.env.timezone);
  }

  /** The channel's own intent when it sent one (webhook, XML <request>); else the project's classifier. */
  private intentGuesses(text: string): IntentGuess[] {
    // A <request> or a channel may give the intent as a bare path.
    const raw: unknown = this.request.intent;
    const given = typeof raw === "string" ? { path: raw } : this.request.intent;
    if (given?.path) return [{ path: given.path, score: typeof given.score === "number" ? given.score : 1, source: "request", answer: given.answer, slots: given.slots }];
    return this.env.classifier?.classify(text) ?? [];
  }

  /** A classified intent with the optional slots the phrase fills (the channel's own slots win). */
  private withSlots(g: IntentGuess, text: string): IntentGuess {
    if (g.source === "request" || !this.env.classifier?.fillSlots) return g;
    const nodes = this.env.classifier.fillSlots(g.path, text, this.userClock());
    (this.slotNodes ??= new Map()).set(g.path, nodes);
    const names = Object.keys(nodes);
    if (names.length === 0) return g;
    // An array slot's value is the list of its values (docs/nlu.md, "Slots").
    const defs = this.env.classifier.slotsOf?.(g.path) ?? [];
    const arrays = new Set(defs.filter((s) => s.array).map((s) => s.name));
    const valueOf = (node: ParseNode): unknown => (node.value !== undefined ? slotValue(node.value) : node.text);
    const values = Object.fromEntries(names.map((n) => [n, arrays.has(n) ? nodes[n]!.map(valueOf) : valueOf(nodes[n]![0]!)]));
    return { ...g, slots: { ...values, ...g.slots }, arrays: names.filter((n) => arrays.has(n) && g.slots?.[n] === undefined), entities: slotEntities(text, nodes, defs) };
  }

  /**
   * $parseTree of the chosen hypothesis: the pattern's tree, or for an intent the slots as `_<Slot>`
   * values and, for slots filled from the phrase, `<Slot>: [entity node]` [C][Z].
   */
  private parseTreeOf(h: Hypothesis, text: string): ParseNode {
    if (h.parseTree && typeof h.parseTree === "object") return h.parseTree;
    const tree = rootTree(text);
    const info = (h.debugInfo?.intent ?? {}) as Partial<IntentGuess>;
    if (info.path && info.source !== "request" && this.env.classifier?.fillSlots) {
      // The nodes the guess's slot values came from (the same text and clock); an intent only a
      // selectNLUResult handler chose has not been filled yet.
      const filled = this.slotNodes?.get(info.path) ?? this.env.classifier.fillSlots(info.path, text, this.userClock());
      for (const [slot, nodes] of Object.entries(filled)) tree[slot] = nodes;
    }
    for (const [slot, value] of Object.entries(info.slots ?? {})) tree[`_${slot}`] = value;
    if (info.path) tree._intent = { path: info.path, score: info.score, answer: info.answer };
    return tree;
  }
}

