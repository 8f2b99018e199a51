// Data files a `require:` can bind: YAML/JSON (with var) and CSV named-entity dictionaries (spec §2.6).
import { parse as parseCsv } from "csv-parse/sync";
import { ProjectError, type Diagnostic } from "../util/errors.js";
import type { DictionaryEntry } from "./model.js";
import { isYamlFailure, readYaml } from "./yaml-read.js";

function errorAt(file: string, text: string, line: number, col: number, message: string): ProjectError {
  return new ProjectError(message, { file, line, col }, text.split(/\r?\n/)[line - 1]);
}

/** The file's data and the warnings of reading it leniently (repeated keys, see yaml-read.ts). */
export function parseYamlData(text: string, file: string): { data: unknown; warnings: Diagnostic[] } {
  try {
    const read = readYaml(text, file);
    return { data: read.data, warnings: read.warnings };
  } catch (e) {
    if (!isYamlFailure(e)) throw e;
    throw errorAt(file, text, e.pos.line, e.pos.col, e.message);
  }
}

/** A required .json file's data; invalid JSON is a ProjectError at the line and column of the fault. */
export function parseJsonData(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : 0;
    const before = text.slice(0, offset).split(/\r?\n/);
    throw errorAt(file, text, before.length, before[before.length - 1]!.length + 1, `invalid JSON: ${message}`);
  }
}

/** A CSV value column holds JSON or a plain string. */
function csvValue(raw: string): unknown {
  const v = raw.trim();
  if (!v) return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** `id;synonym1,synonym2;value` lines. Rows keep their line numbers for errors. */
export function parseCsvDictionary(text: string, file: string): DictionaryEntry[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text, {
      delimiter: ";",
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 1;
    throw errorAt(file, text, line, 1, `invalid CSV: ${(e as Error).message}`);
  }
  const entries: DictionaryEntry[] = [];
  for (const { record, info } of rows) {
    if (record.every((c) => c.trim() === "")) continue;
    const id = (record[0] ?? "").trim();
    if (record.length < 2 || !id) {
      throw errorAt(file, text, info.lines, 1, `dictionary line must be "id;synonym1,synonym2;value"`);
    }
    const synonyms = record[1]!.split(",").map((s) => s.trim()).filter(Boolean);
    // A line may end with ";" (`id;synonyms;{json};`): trailing empty columns are not part of the value.
    let end = record.length;
    while (end > 2 && record[end - 1]!.trim() === "") end--;
    entries.push({ id, synonyms, value: csvValue(record.slice(2, end).join(";")) });
  }
  return entries;
}
