// Custom action tags declared by chatbot.yaml `customTags` (docs/dsl.md, "Custom tags"). The
// platform's entries are paths to a JSON file that describes the tag (`src/blocks/Sum/block.json`
// with `"tagName": "Sum"`, `"startState"`, `"parameters"`); a plain name, or an object with `name` /
// `tagName`, is accepted too and declares a tag without a definition (it parses, and does nothing).
import fs from "node:fs";
import path from "node:path";
import type { ReactionNode, SourcePos } from "../dsl/ast.js";
import { ProjectError, type Diagnostic } from "../util/errors.js";

/** Parameter types of the platform's tag JSON; values of any other type are passed as written. */
export type CustomTagParamType = "string" | "html" | "integer" | "bool" | "state" | "stringArray" | "nameValueList" | "json" | string;

/** One parameter a custom tag declares in its JSON file. */
export interface CustomTagParam {
  name: string;
  type: CustomTagParamType;
  required: boolean;
}

/** One custom tag of chatbot.yaml `customTags`: its name and, when it has a JSON file, what a use of it runs. */
export interface CustomTagDef {
  name: string;
  /** The state the tag runs: a use of the tag goes there with its parameters in `$request.data.args`. */
  startState?: string;
  /** A scenario file (from the src folder) the tag's states live in; loaded like a `require:`. */
  scenarioFile?: string;
  parameters: CustomTagParam[];
  /** The JSON file, relative to the project folder, for messages. */
  file?: string;
  pos: SourcePos; // the customTags entry in chatbot.yaml
}

/** The definitions of chatbot.yaml `customTags` entries; a bad entry or file is a warning at its line. */
export function customTagDefs(
  entries: unknown,
  projectDir: string,
  posOf: (keyPath: (string | number)[]) => SourcePos,
): { defs: CustomTagDef[]; diagnostics: Diagnostic[] } {
  const defs: CustomTagDef[] = [];
  const diagnostics: Diagnostic[] = [];
  if (!Array.isArray(entries)) return { defs, diagnostics };
  entries.forEach((entry: unknown, i) => {
    const pos = posOf(["customTags", i]);
    const warn = (message: string) => diagnostics.push({ level: "warning", message: `customTags: ${message}`, pos });
    if (typeof entry === "string" && entry.trim().toLowerCase().endsWith(".json")) {
      const label = entry.trim();
      const def = defOfFile(path.resolve(projectDir, label.replace(/^\/+/, "")), warn, label, pos);
      if (def) defs.push(def);
    } else if (typeof entry === "string") {
      defs.push({ name: entry.trim(), parameters: [], pos });
    } else if (entry && typeof entry === "object") {
      const o = entry as { name?: unknown; tagName?: unknown };
      const name = o.tagName ?? o.name;
      if (typeof name === "string") defs.push({ name, parameters: [], pos });
    }
  });
  return { defs, diagnostics };
}

function defOfFile(file: string, warn: (message: string) => void, label: string, pos: SourcePos): CustomTagDef | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    warn(`${label} not found; the tag it describes is not declared`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    warn(`${label} is not valid JSON (${(e as Error).message}); the tag it describes is not declared`);
    return undefined;
  }
  const o = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const name = o.tagName;
  if (typeof name !== "string" || !name.trim()) {
    warn(`${label} has no "tagName"; the tag it describes is not declared`);
    return undefined;
  }
  const parameters: CustomTagParam[] = [];
  for (const p of Array.isArray(o.parameters) ? o.parameters : []) {
    const q = (p && typeof p === "object" ? p : {}) as Record<string, unknown>;
    if (typeof q.name !== "string" || !q.name) {
      warn(`${label}: a parameter without a "name" is left out`);
      continue;
    }
    parameters.push({ name: q.name, type: typeof q.type === "string" ? q.type : "string", required: q.required === true });
  }
  const def: CustomTagDef = { name: name.trim(), parameters, file: label, pos };
  if (typeof o.startState === "string" && o.startState.trim()) def.startState = o.startState.trim();
  else warn(`${label} has no "startState": a use of ${def.name} does nothing`);
  if (typeof o.scenarioFile === "string" && o.scenarioFile.trim()) def.scenarioFile = o.scenarioFile.trim();
  return def;
}

type ActionNode = Extract<ReactionNode, { tag: "action" }>;

/**
 * A use of a custom tag checked against its definition: required parameters present, `integer` and
 * `bool` values of that type, no parameter the tag does not declare. Errors point at the tag (a
 * missing parameter) or at the value (a bad one).
 */
export function checkCustomTagUse(use: ActionNode, def: CustomTagDef): { errors: ProjectError[]; warnings: Diagnostic[] } {
  const errors: ProjectError[] = [];
  const warnings: Diagnostic[] = [];
  const where = def.file ? ` (${def.file})` : "";
  const declared = new Map(def.parameters.map((p) => [p.name, p]));
  const missing = def.parameters.filter((p) => p.required && (use.params[p.name] === undefined || String(use.params[p.name]).trim() === ""));
  if (missing.length) {
    errors.push(new ProjectError(`${def.name}: required parameter${missing.length > 1 ? "s" : ""} ${missing.map((p) => `"${p.name}"`).join(", ")} missing${where}`, use.pos));
  }
  for (const [key, value] of Object.entries(use.params)) {
    const pos = use.paramPos?.[key] ?? use.pos;
    const p = declared.get(key);
    if (!p) {
      if (def.parameters.length) warnings.push({ level: "warning", message: `${def.name}: unknown parameter "${key}" (the tag declares ${def.parameters.map((x) => `"${x.name}"`).join(", ")})${where}; it is passed as written`, pos });
      continue;
    }
    const text = String(value).trim();
    if (text.includes("{{")) continue; // computed at run time
    if (p.type === "integer" && !/^[-+]?\d+$/.test(text)) errors.push(new ProjectError(`${def.name}: parameter "${key}" must be an integer, got "${text}"${where}`, pos));
    if (p.type === "bool" && !/^(true|false)$/i.test(text)) errors.push(new ProjectError(`${def.name}: parameter "${key}" must be true or false, got "${text}"${where}`, pos));
  }
  return { errors, warnings };
}
