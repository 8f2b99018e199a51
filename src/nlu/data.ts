// The NLU data a project ships: a CAILA export (`nlu.json` or `caila_import.json`) with intents
// (training phrases, patterns, slots, answers), the project's own entities and the classifier settings.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A slot of an intent (CAILA's slot filling): the entity that fills it and the prompts that ask for it. */
export interface IntentSlot {
  name: string;
  entity: string; // "duckling.number", "City", …
  required: boolean;
  array: boolean;
  prompts: string[];
}

/** An intent of the CAILA export: its path, training phrases, patterns, answer and slots. */
export interface IntentDef {
  path: string; // "/Greeting", "/TV/270_TVQualityProblem"
  phrases: string[];
  patterns: string[]; // CAILA patterns, same syntax as q: patterns
  answer?: string;
  slots: IntentSlot[];
}

/** One record of a project entity: synonyms of a value, or a pattern that matches it. */
export interface EntityRecord {
  type: "synonyms" | "pattern";
  rule: string[]; // synonyms, or one pattern
  value: string;
}

/** A project entity of the CAILA export: its records, matched with or without morphology. */
export interface EntityDef {
  name: string;
  records: EntityRecord[];
  noMorph: boolean;
}

/** A project's NLU data as read from its CAILA export (docs/nlu.md). */
export interface NluData {
  file: string; // relative to the project folder
  intents: IntentDef[];
  entities: EntityDef[];
  systemEntities: string[]; // enabledSystemEntities: "duckling.number", "mystem.geo", …
  patternsEnabled: boolean; // settings.extendedSettings.patternsEnabled (default true)
  language: string;
  /** settings.timezone: the project's default time zone for dates in phrases when the channel sends none (src/nlu/clock.ts). */
  timezone?: string;
}

/** Where the platform's CAILA export lives, by the names real projects use. */
export const NLU_FILES = ["nlu.json", "caila_import.json", "src/nlu.json", "src/caila_import.json"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** The CAILA export cannot be read: not JSON, or not the expected shape. */
export class NluDataError extends Error {}

function parseIntent(v: unknown): IntentDef | undefined {
  if (!isObject(v) || typeof v.path !== "string" || v.enabled === false) return undefined;
  const phrases = (Array.isArray(v.phrases) ? v.phrases : [])
    .map((p) => (isObject(p) && typeof p.text === "string" ? p.text : typeof p === "string" ? p : ""))
    .filter((t) => t.trim() !== "");
  const slots = (Array.isArray(v.slots) ? v.slots : []).filter(isObject).map((s) => ({
    name: String(s.name ?? ""),
    entity: String(s.entity ?? "").replace(/^@/, ""),
    required: s.required === true,
    array: s.array === true,
    prompts: strings(s.prompts),
  }));
  return {
    path: v.path,
    phrases,
    patterns: strings(v.patterns).map((p) => p.trim()).filter((p) => p !== ""),
    answer: typeof v.answer === "string" ? v.answer : undefined,
    slots: slots.filter((s) => s.name !== ""),
  };
}

function parseEntity(v: unknown): EntityDef | undefined {
  if (!isObject(v) || !isObject(v.entity) || typeof v.entity.name !== "string" || v.entity.enabled === false) return undefined;
  const records = (Array.isArray(v.records) ? v.records : []).filter(isObject).flatMap((r): EntityRecord[] => {
    const type = r.type === "pattern" ? "pattern" : r.type === "synonyms" ? "synonyms" : undefined;
    if (!type) return [];
    return [{ type, rule: strings(r.rule), value: typeof r.value === "string" ? r.value : JSON.stringify(r.value ?? "") }];
  });
  return { name: v.entity.name, records, noMorph: v.entity.noMorph === true };
}

/** Parses a CAILA export; disabled intents and entities are left out. */
export function parseNluData(json: unknown, file: string): NluData {
  if (!isObject(json)) throw new NluDataError(`${file}: expected a JSON object (a CAILA export)`);
  const settings = isObject(json.settings) ? json.settings : {};
  const ext = isObject(settings.extendedSettings) ? settings.extendedSettings : {};
  return {
    file,
    intents: (Array.isArray(json.intents) ? json.intents : []).map(parseIntent).filter((i): i is IntentDef => i !== undefined),
    entities: (Array.isArray(json.entities) ? json.entities : []).map(parseEntity).filter((e): e is EntityDef => e !== undefined),
    systemEntities: strings(json.enabledSystemEntities),
    patternsEnabled: ext.patternsEnabled !== false,
    language: typeof settings.language === "string" ? settings.language : "ru",
    ...(typeof settings.timezone === "string" && settings.timezone.trim() !== "" ? { timezone: settings.timezone.trim() } : {}),
  };
}

/** The project's NLU data with the raw text (for the cache key), or undefined when it ships none. */
export function readNluData(projectDir: string): { data: NluData; text: string } | undefined {
  for (const name of NLU_FILES) {
    const full = join(projectDir, name);
    if (!existsSync(full)) continue;
    const text = readFileSync(full, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new NluDataError(`${name}: invalid JSON: ${(e as Error).message}`);
    }
    return { data: parseNluData(json, name), text };
  }
  return undefined;
}
