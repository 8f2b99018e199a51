// The project's intent classifier, ready to hand to the engine (src/engine/index.ts): trained once
// from the shipped CAILA export, and cached on disk by content hash so the next start only reads it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { MODEL_VERSION, ProjectIntentClassifier, TRAIN_SETTINGS, trainModel, type TrainedModel } from "./classifier.js";
import { readNluData, type NluData } from "./data.js";
import { FEATURES_VERSION } from "./features.js";
import type { PatternEntity } from "../patterns/types.js";

export { ProjectIntentClassifier } from "./classifier.js";
export { readNluData, parseNluData, NLU_FILES, type NluData, type IntentDef, type EntityDef } from "./data.js";

/** Where trained models are cached. */
export interface ClassifierOptions {
  /** Folder for trained models; default ~/.cache/smartapp-runtime/nlu. `false` trains in memory only. */
  cacheDir?: string | false;
}

/** The default model cache, under the user's home so projects and runs share trained models. */
export const defaultCacheDir = (): string => join(homedir(), ".cache", "smartapp-runtime", "nlu");

/** The model depends on the data, the features and the training settings: all go into the key. */
function cacheKey(text: string): string {
  return createHash("sha256")
    .update(JSON.stringify({ MODEL_VERSION, FEATURES_VERSION, TRAIN_SETTINGS }))
    .update(text)
    .digest("hex")
    .slice(0, 32);
}

function readCached(file: string): TrainedModel | undefined {
  try {
    const model = JSON.parse(readFileSync(file, "utf8")) as TrainedModel;
    return model.version === MODEL_VERSION ? model : undefined;
  } catch {
    return undefined; // absent or half-written by a crashed run: train again
  }
}

/** Write then rename, so parallel workers never read a half-written model. */
function writeCached(dir: string, file: string, model: TrainedModel): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(model));
    renameSync(tmp, file);
  } catch {
    // a read-only cache only costs training time
  }
}

/** The trained model for this data: from the cache when the same data, features and settings were trained before. */
export function modelFor(data: NluData, text: string, opts: ClassifierOptions = {}): { model: TrainedModel; cached: boolean } {
  const dir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const file = dir === false ? undefined : join(dir, `${cacheKey(text)}.json`);
  const hit = file ? readCached(file) : undefined;
  if (hit) return { model: hit, cached: true };
  const model = trainModel(data);
  if (file && dir !== false) writeCached(dir, file, model);
  return { model, cached: false };
}

/** The project's entities as `@Name` pattern elements (src/patterns). */
export function patternEntities(data: NluData): Map<string, PatternEntity> {
  const out = new Map<string, PatternEntity>();
  for (const e of data.entities) {
    out.set(e.name, {
      name: e.name,
      morph: !e.noMorph,
      // A record without a value stands for its first synonym.
      synonyms: e.records.filter((r) => r.type === "synonyms").map((r) => ({ value: r.value || (r.rule[0] ?? ""), phrases: r.rule })),
      patterns: e.records.filter((r) => r.type === "pattern").flatMap((r) => r.rule.map((source) => ({ value: r.value, source }))),
    });
  }
  return out;
}

/**
 * A classifier for already-read NLU data (`text` is its file's content, the cache key), or undefined when it
 * has no intents.
 */
export function classifierFor(data: NluData, text: string, opts: ClassifierOptions = {}): ProjectIntentClassifier | undefined {
  if (data.intents.length === 0) return undefined;
  return new ProjectIntentClassifier(data, modelFor(data, text, opts).model, patternEntities(data));
}

/** The classifier of the project in `projectDir`, or undefined when it ships no NLU data. */
export function loadIntentClassifier(projectDir: string, opts: ClassifierOptions = {}): ProjectIntentClassifier | undefined {
  const found = readNluData(projectDir);
  return found ? classifierFor(found.data, found.text, opts) : undefined;
}
