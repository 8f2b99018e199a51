// What `smartapp check` says about a project's NLU: the data's size, intent triggers that cannot fire.
import type { Project } from "../project/model.js";
import type { Diagnostic } from "../util/errors.js";
import { NLU_FILES, NluDataError, readNluData } from "./data.js";
import { patternEntities } from "./index.js";
import type { PatternEntity } from "../patterns/types.js";

/** What `smartapp check` reports of a project's NLU data: the file found and its counts. */
export interface NluSummary {
  file?: string; // the CAILA export found, relative to the project
  intents: number;
  phrases: number;
  patterns: number; // the intents' own CAILA patterns
  entities: number;
}

/**
 * Reads the project's NLU data and checks it against the scenario's intent triggers: the summary, warnings,
 * and the pattern entities it defines.
 */
export function checkNlu(project: Project): { summary: NluSummary; warnings: Diagnostic[]; entities?: Map<string, PatternEntity> } {
  const summary: NluSummary = { intents: 0, phrases: 0, patterns: 0, entities: 0 };
  const warnings: Diagnostic[] = [];
  const triggers = project.triggers.filter((t) => t.kind === "intent" || t.kind === "intentGroup");
  let found;
  try {
    found = readNluData(project.dir);
  } catch (e) {
    if (!(e instanceof NluDataError)) throw e;
    warnings.push({ level: "warning", message: `${e.message}; intent triggers cannot fire` });
    return { summary, warnings };
  }
  if (!found) {
    if (triggers.length > 0) {
      const first = triggers[0]!;
      warnings.push({
        level: "warning",
        message: `${triggers.length} intent trigger(s) cannot fire: the project ships no NLU data (${NLU_FILES.join(", ")}); first: ${first.kind}${first.global ? "!" : ""}: ${first.value}`,
        pos: first.pos,
      });
    }
    return { summary, warnings };
  }
  const { data } = found;
  Object.assign(summary, {
    file: data.file,
    intents: data.intents.length,
    phrases: data.intents.reduce((n, i) => n + i.phrases.length, 0),
    patterns: data.intents.reduce((n, i) => n + i.patterns.length, 0),
    entities: data.entities.length,
  });
  const paths = data.intents.filter((i) => i.phrases.length > 0 || i.patterns.length > 0).map((i) => i.path);
  for (const t of triggers) {
    const group = t.value.endsWith("/") ? t.value : t.value + "/";
    const fires = t.kind === "intent" ? paths.includes(t.value) : paths.some((p) => p === t.value || p.startsWith(group));
    if (fires) continue;
    const what = t.kind === "intent" ? `intent ${t.value}` : `intent group ${t.value}`;
    // /sys/… are the cloud's shared system intents (the visual editor's "parting", "approval", …): an
    // export of the project's own CAILA data never holds them.
    const message = t.value.startsWith("/sys/")
      ? `${what} is one of the platform's system intents, not in ${data.file}: it needs the cloud's NLU and never fires offline`
      : `${what} has no phrases or patterns in ${data.file}: this trigger never fires`;
    warnings.push({ level: "warning", message, pos: t.pos });
  }
  return { summary, warnings, entities: patternEntities(data) };
}
