// YAML read the way the platform reads it (docs/dsl.md "YAML"): a repeated mapping key is not an
// error — the last one wins, with a warning — and a double-quoted string whose continuation lines
// start at column 0 is read as one string. `yaml` keeps line numbers for errors and warnings;
// js-yaml (which accepts the unindented continuation) is the fallback when `yaml` refuses a file.
import jsYaml from "js-yaml";
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { SourcePos } from "../dsl/ast.js";
import type { Diagnostic } from "../util/errors.js";

/** YAML text's data and warnings; `doc` and real positions only when the strict reader accepted the text. */
export interface YamlRead {
  data: unknown;
  /** Present when `yaml` read the file (positions available); absent after the lenient fallback. */
  doc?: Document;
  lineOf(offset: number): SourcePos;
  warnings: Diagnostic[];
}

/** A YAML text neither reader accepts: the first error and where it is. Thrown as a plain object, not an Error. */
export interface YamlFailure {
  pos: SourcePos;
  message: string;
}

/** Reads YAML text; throws a YamlFailure (with position) only when neither reader accepts it. */
export function readYaml(text: string, file: string): YamlRead {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number): SourcePos => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (!err) {
    const warnings = duplicateKeys(doc, lineOf);
    return { data: doc.toJS() as unknown, doc, lineOf, warnings };
  }
  const failure: YamlFailure = { pos: lineOf(err.pos[0]), message: `invalid YAML: ${err.message.split("\n")[0]}` };
  let data: unknown;
  try {
    // json: true makes js-yaml let the last of repeated keys win instead of throwing.
    data = jsYaml.load(text, { json: true });
  } catch {
    throw failure;
  }
  const warning: Diagnostic = {
    level: "warning",
    message: `${failure.message.replace(/^invalid YAML: /, "")} — read leniently, as the platform does`,
    pos: failure.pos,
  };
  return { data, lineOf: () => ({ file, line: 1, col: 1 }), warnings: [warning] };
}

/** Whether a caught value is the YamlFailure readYaml throws. */
export function isYamlFailure(e: unknown): e is YamlFailure {
  return typeof e === "object" && e !== null && "pos" in e && "message" in e && !(e instanceof Error);
}

/** One warning per repeated key of a mapping: the platform keeps the last value. */
function duplicateKeys(doc: Document, lineOf: (o: number) => SourcePos): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (key === null || typeof key === "object") continue;
        if (seen.has(key)) {
          const range = isScalar(pair.key) ? pair.key.range : undefined;
          warnings.push({ level: "warning", message: `duplicate key "${String(key)}": the last one wins`, pos: range ? lineOf(range[0]) : undefined });
        }
        seen.add(key);
      }
    },
  });
  // A data file may repeat hundreds of keys: show the first few, then how many more.
  if (warnings.length > MAX_DUPLICATE_WARNINGS) {
    const more = warnings.length - MAX_DUPLICATE_WARNINGS;
    warnings.length = MAX_DUPLICATE_WARNINGS;
    warnings.push({ level: "warning", message: `${more} more duplicate keys in this file (the last of each wins)`, pos: warnings[0]!.pos });
  }
  return warnings;
}

const MAX_DUPLICATE_WARNINGS = 5;
