// chatbot.yaml: parsed with `yaml` (for line numbers), validated with ajv, normalised (spec §1.2).
import fs from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { isMap, isSeq, type Document } from "yaml";
import type { SourcePos } from "../dsl/ast.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import type { ChatbotConfig } from "./model.js";
import { chatbotSchema, KNOWN_KEYS } from "./config-schema.js";
import { isYamlFailure, readYaml, type YamlRead } from "./yaml-read.js";
import { didYouMean, likelySpelling } from "../util/spelling.js";

/** The project's configuration file, in the project folder. */
export const CONFIG_FILE = "chatbot.yaml";

const validate = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(chatbotSchema);

/** chatbot.yaml read and normalised, with its warnings and a way back to the line of any key. */
export interface LoadedConfig {
  config: ChatbotConfig;
  diagnostics: Diagnostic[];
  /** Position of a key path in chatbot.yaml (for errors found later, e.g. a missing entry point). */
  posOf(keyPath: (string | number)[]): SourcePos;
}

type Segment = string | number;

function toList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Normalises string-or-list fields so consumers always see lists. */
function normalise(raw: Record<string, unknown>): ChatbotConfig {
  const config = { ...raw } as ChatbotConfig;
  config.entryPoint = toList(raw.entryPoint) ?? [];
  if (typeof raw.name === "number") config.name = String(raw.name);
  if (config.tests) {
    const t = config.tests as Record<string, unknown>;
    config.tests = { ...t, include: toList(t.include), exclude: toList(t.exclude) } as ChatbotConfig["tests"];
  }
  return config;
}

/** Reads and validates chatbot.yaml text; throws ProjectErrors, each at its key's line, when it is invalid. */
export function parseConfig(text: string, file = CONFIG_FILE): LoadedConfig {
  const lines = text.split(/\r?\n/);
  const at = (pos: SourcePos, message: string) => new ProjectError(message, pos, lines[pos.line - 1]);
  let read: YamlRead;
  try {
    read = readYaml(text, file);
  } catch (e) {
    if (!isYamlFailure(e)) throw e;
    throw new ProjectErrors([at(e.pos, e.message)]);
  }
  const { doc, lineOf } = read;
  // An optional key written with no value (`injector:`) means "not set", as on the platform.
  const raw = dropNulls(read.data);
  const posOf = (keyPath: Segment[]): SourcePos => (doc ? nodePos(doc, keyPath, lineOf) : lineOf(0));

  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ProjectErrors([at({ file, line: 1, col: 1 }, "chatbot.yaml must be a mapping of keys (entryPoint: main.sc, …)")]);
  }
  if (!validate(raw)) {
    const errors = pickErrors(validate.errors ?? []).map((e) => {
      const segs = e.instancePath.split("/").slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
      if (e.keyword === "required") {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        // `enteryPoint:` next to a missing `entryPoint`: point at the misspelt key, not at line 1.
        const typo = misspeltKey(e.data, missing);
        if (typo) return at(doc ? nodePos(doc, [...segs, typo], lineOf, true) : posOf(segs), `${keyPathText([...segs, missing])}: required key is missing ("${typo}" here looks like a misspelling of it)`);
        return at(posOf(segs), `${keyPathText([...segs, missing])}: required key is missing`);
      }
      const expected = (e.parentSchema as { description?: string } | undefined)?.description ?? e.message ?? "invalid value";
      return at(posOf(segs), `${keyPathText(segs)}: ${expected}, got ${describe(e.data)}`);
    });
    throw new ProjectErrors(errors);
  }

  const diagnostics: Diagnostic[] = [...read.warnings];
  const known = new Set<string>(KNOWN_KEYS);
  for (const key of Object.keys(raw)) {
    if (known.has(key)) continue;
    diagnostics.push({ level: "warning", message: `unknown key "${key}" ignored${didYouMean(key, KNOWN_KEYS)}`, pos: posOf([key]) });
  }
  return { config: normalise(raw as unknown as Record<string, unknown>), diagnostics, posOf };
}

/** Reads chatbot.yaml from the project folder `dir` (parseConfig); a missing file is a ProjectErrors. */
export function loadConfig(dir: string): LoadedConfig {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ProjectErrors([new ProjectError(`${CONFIG_FILE} not found in ${dir} (a project folder needs one)`)]);
  }
  return parseConfig(text);
}

/** The key of `data` (a mapping) that most likely misspells the missing required key. */
function misspeltKey(data: unknown, missing: string): string | undefined {
  if (!data || typeof data !== "object" || Array.isArray(data)) return undefined;
  return Object.keys(data).find((key) => key !== missing && likelySpelling(key, [missing]) === missing);
}

/** Mapping keys whose value is null are left out (the platform treats them as absent); entryPoint
 * stays so that an empty one is still reported as missing. */
function dropNulls(v: unknown, top = true): unknown {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x, false));
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null && !(top && k === "entryPoint")) continue;
    out[k] = dropNulls(x, false);
  }
  return out;
}

/** Drops the per-branch noise of anyOf: keep the anyOf error and nothing at or below its path. */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath);
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword !== "anyOf" && anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(p + "/"))) return false;
    const key = e.instancePath + "|" + e.keyword;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function keyPathText(segs: Segment[]): string {
  return segs.reduce<string>((acc, s) => (typeof s === "number" ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "") || "(root)";
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `string "${v.length > 30 ? v.slice(0, 30) + "…" : v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Line of the value at keyPath (or of the deepest existing ancestor); of its key with `atKey`. */
function nodePos(doc: Document, keyPath: Segment[], lineOf: (o: number) => SourcePos, atKey = false): SourcePos {
  let node: unknown = doc.contents;
  let best = lineOf(0);
  for (const [i, seg] of keyPath.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (keyRange) best = lineOf(keyRange[0]);
      if (atKey && i === keyPath.length - 1) break;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
    } else break;
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range && (isSeq(node) || !isMap(node))) best = lineOf(range[0]);
  }
  return best;
}
