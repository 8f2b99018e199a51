// The intent classifier trained from a project's phrases: one perceptron per intent over sparse
// features (@nlpjs/neural), plus the intents' own CAILA patterns, which win with score 1 when they match.
import { createRequire } from "node:module";
import { createPatternSet } from "../patterns/index.js";
import type { CompiledPatternSet } from "../patterns/index.js";
import type { IntentGuess, IntentClassifier, IntentSlotDef } from "../engine/types.js";
import type { NluData } from "./data.js";
import { EntityOccurrences } from "../patterns/occurrences.js";
import type { ParseNode, PatternEntity } from "../patterns/types.js";
import { entityRefs, featuresOf, textFeatures, words, type EntitySpan, type Features } from "./features.js";
import { lemma } from "../morphology/index.js";

interface NeuralNetworkJson {
  settings: Record<string, unknown>;
  features?: string[];
  intents?: string[];
  perceptrons?: number[][];
}
interface NeuralNetwork {
  train(corpus: { input: Features; output: Record<string, number> }[]): { iterations: number; error: number };
  run(input: Features): Record<string, number> | undefined;
  toJSON(): NeuralNetworkJson;
  fromJSON(json: NeuralNetworkJson): void;
}
const require = createRequire(import.meta.url);
const { NeuralNetwork } = require("@nlpjs/neural") as { NeuralNetwork: new (settings?: Record<string, unknown>) => NeuralNetwork };

/** Training settings; the iteration cap keeps a 10,000-phrase project within seconds (docs/nlu.md). */
export const TRAIN_SETTINGS = { iterations: 40, errorThresh: 0.0005, deltaErrorThresh: 0.00001, log: false };

/** A trained network as cached on disk; `version` is MODEL_VERSION at training time. */
export interface TrainedModel {
  version: number;
  network: NeuralNetworkJson;
}

/** Bump when TrainedModel's shape changes: cached models of another version are retrained. */
export const MODEL_VERSION = 1;

/**
 * The perceptrons' outputs are trained towards 1 for the phrase's intent and 0 for the others. A
 * phrase made mostly of words no training phrase used says little about any intent, however high one
 * output is: the score is scaled by the square root of the share of words the model knows.
 */
function scoresOf(net: NeuralNetwork, known: ReadonlySet<string>, text: string, spans: readonly EntitySpan[]): IntentGuess[] {
  const ws = words(text);
  if (ws.length === 0) return [];
  // A word a recognised entity covers is known: a training phrase said "any such entity here".
  const covered = new Set(spans.flatMap((s) => s.words));
  const seen = ws.filter((w) => covered.has(w) || known.has("w:" + w) || known.has("l:" + lemma(w))).length;
  const coverage = Math.sqrt(seen / ws.length);
  const out = net.run(textFeatures(text, spans)) ?? {};
  return Object.entries(out)
    .filter(([, s]) => s > 0)
    .map(([path, s]) => ({ path, score: Math.min(1, s) * coverage }))
    .sort((a, b) => b.score - a.score);
}

/** The entity's node of a `* @entity *` match: the one child list of the root (`words` is a list of strings). */
function entityNode(tree: ParseNode): ParseNode | undefined {
  const nodes = Object.entries(tree).find(([k, v]) => k !== "words" && !k.startsWith("_") && Array.isArray(v) && typeof v[0] === "object")?.[1] as ParseNode[] | undefined;
  return nodes?.[0];
}

/** An intent's slots that can match offline, in order, and how many occurrences of each entity they take at most. */
interface SlotSet {
  limits: Map<string, number>;
  slots: { name: string; entity: string; array: boolean }[];
}

/** The most values an array slot takes from one phrase offline [I]. */
export const MAX_ARRAY_VALUES = 8;

/** Trains the intent network on every intent's phrases (one output per intent path). */
export function trainModel(data: NluData): TrainedModel {
  const net = new NeuralNetwork({ ...TRAIN_SETTINGS });
  const corpus = data.intents.flatMap((i) => i.phrases.map((p) => ({ input: featuresOf(p), output: { [i.path]: 1 } })));
  if (corpus.length > 0) net.train(corpus);
  return { version: MODEL_VERSION, network: net.toJSON() };
}

/** The project's intent classifier: the trained network's scores plus the intents' own CAILA patterns. */
export class ProjectIntentClassifier implements IntentClassifier {
  private readonly net: NeuralNetwork;
  private readonly known: ReadonlySet<string>;
  private readonly patterns: CompiledPatternSet | undefined;
  private readonly patternTiers = new Map<number, number>();
  private readonly patternIntent: string[] = [];

  constructor(
    readonly data: NluData,
    model: TrainedModel,
    private readonly entities: ReadonlyMap<string, PatternEntity> = new Map(),
  ) {
    this.net = new NeuralNetwork();
    this.net.fromJSON(model.network);
    this.known = new Set(model.network.features ?? []);
    this.occurrences = new EntityOccurrences(entities);
    if (data.patternsEnabled) this.patterns = this.compilePatterns();
    this.refs = this.compileRefs();
  }

  /** `* @Name *` for each entity the training phrases refer to and the local engine can match. */
  private readonly refs: { set: CompiledPatternSet; names: string[] } | undefined;

  private compileRefs(): { set: CompiledPatternSet; names: string[] } | undefined {
    const names = [...new Set(this.data.intents.flatMap((i) => i.phrases.flatMap(entityRefs)))];
    if (names.length === 0) return undefined;
    const set = createPatternSet(new Map(), new Map(), { entities: this.entities });
    const kept: string[] = [];
    for (const name of names) {
      try {
        set.add(kept.length, `* @${name} *`, { file: this.data.file, line: 1, col: 1 });
      } catch {
        continue; // an entity only the live service knows (docs/nlu.md): its references never match
      }
      kept.push(name);
    }
    return kept.length > 0 ? { set, names: kept } : undefined;
  }

  /** The referenced entities found in the text, each with the words it covers. */
  private entitySpans(text: string): EntitySpan[] {
    if (!this.refs) return [];
    const tiers = new Map(this.refs.names.map((_, i) => [i, 0]));
    const out: EntitySpan[] = [];
    const seen = new Set<number>();
    for (const m of this.refs.set.match(text, tiers)) {
      if (seen.has(m.triggerId)) continue;
      seen.add(m.triggerId);
      const node = entityNode(m.parseTree);
      if (node?.text) out.push({ name: this.refs.names[m.triggerId]!, words: words(node.text) });
    }
    return out;
  }

  /** CAILA patterns use the q: syntax; one the local engine cannot compile is skipped. */
  private compilePatterns(): CompiledPatternSet | undefined {
    const set = createPatternSet(new Map(), new Map(), { entities: this.entities });
    for (const intent of this.data.intents) {
      for (const source of intent.patterns) {
        const id = this.patternIntent.length;
        try {
          set.add(id, source, { file: this.data.file, line: 1, col: 1 });
        } catch {
          continue;
        }
        this.patternIntent.push(intent.path);
        this.patternTiers.set(id, 0);
      }
    }
    return this.patternIntent.length > 0 ? set : undefined;
  }

  /**
   * Slot sets by intent path: for each entity its slots use, how many occurrences they take at most
   * (one per slot, MAX_ARRAY_VALUES for an array slot); the entities are compiled into `occurrences`.
   */
  private readonly slotSets = new Map<string, SlotSet | null>();
  private readonly occurrences: EntityOccurrences;

  private slotSet(path: string): SlotSet | null {
    let entry = this.slotSets.get(path);
    if (entry !== undefined) return entry;
    entry = null;
    const intent = this.data.intents.find((i) => i.path === path);
    if (intent && intent.slots.length > 0) {
      const limits = new Map<string, number>();
      for (const slot of intent.slots) {
        if (!limits.has(slot.entity)) {
          try {
            this.occurrences.add(slot.entity);
          } catch {
            continue; // a name the pattern engine cannot read: its slots stay empty, as one only the live service knows (docs/nlu.md)
          }
        }
        limits.set(slot.entity, (limits.get(slot.entity) ?? 0) + (slot.array ? MAX_ARRAY_VALUES : 1));
      }
      const slots = intent.slots.filter((s) => limits.has(s.entity)).map((s) => ({ name: s.name, entity: s.entity, array: s.array }));
      if (slots.length > 0) entry = { limits, slots };
    }
    this.slotSets.set(path, entry);
    return entry;
  }

  /**
   * Slots filled from the phrase, as CAILA fills them: the occurrences of an entity go, in the order of
   * the text, to the slots of that entity in the order the intent declares them — two `@duckling.number`
   * slots take "от 10 до 25" as 10 and 25, not 10 twice [I]. The occurrences are read left to right,
   * each the longest reading where it starts ("двадцать пять" is 25, not 20 and 5). A plain slot takes one occurrence, an array
   * slot (`"array": true`) every one still left at its turn but one for each slot of its entity declared
   * after it, so those are filled in turn too; when there are too few, the slots declared first have
   * them [I]. Slots named in `filled` already have a
   * value (an ongoing slot filling): they take no occurrence, so an answer goes to the slots still empty.
   * Entities are the project's own or emulated system entities (dates resolved against `now`, the turn's
   * clock); an entity that needs the live service never matches, so its slot stays empty. Each filled
   * slot gets its entity nodes in text order: one, or for an array slot one per value.
   */
  fillSlots(path: string, text: string, now = Date.now(), filled: ReadonlySet<string> = new Set()): Record<string, ParseNode[]> {
    const out: Record<string, ParseNode[]> = {};
    const entry = this.slotSet(path);
    if (!entry) return out;
    const found = this.occurrences.find(text, entry.limits, now);
    const taken = new Map<string, number>();
    const open = entry.slots.filter((s) => !filled.has(s.name));
    for (const [k, slot] of open.entries()) {
      const all = found.get(slot.entity) ?? [];
      const from = taken.get(slot.entity) ?? 0;
      let count = 1;
      if (slot.array) {
        const after = open.slice(k + 1).filter((s) => s.entity === slot.entity).length;
        count = Math.min(MAX_ARRAY_VALUES, Math.max(1, all.length - from - after));
      }
      const nodes = all.slice(from, from + count);
      if (nodes.length === 0) continue;
      taken.set(slot.entity, from + nodes.length);
      // A slot always has a value: the entity's own, else its text [I].
      out[slot.name] = nodes.map((node) => (node.value !== undefined ? node : { ...node, value: node.text }));
    }
    return out;
  }

  slotsOf(path: string): IntentSlotDef[] {
    return (this.data.intents.find((i) => i.path === path)?.slots ?? []).map((s) => ({ ...s, prompts: [...s.prompts] }));
  }

  get intentPaths(): string[] {
    return this.data.intents.map((i) => i.path);
  }

  classify(text: string): IntentGuess[] {
    if (text.trim() === "") return [];
    const guesses = new Map<string, IntentGuess>();
    if (this.patterns) {
      for (const m of this.patterns.match(text, this.patternTiers)) {
        const path = this.patternIntent[m.triggerId]!;
        if (!guesses.has(path)) guesses.set(path, { path, score: 1, source: "pattern" });
      }
    }
    for (const g of scoresOf(this.net, this.known, text, this.entitySpans(text))) if (!guesses.has(g.path)) guesses.set(g.path, { ...g, source: "phrases" });
    const byPath = new Map(this.data.intents.map((i) => [i.path, i]));
    return [...guesses.values()]
      .sort((a, b) => b.score - a.score)
      .map((g) => ({ ...g, answer: byPath.get(g.path)?.answer }));
  }
}
