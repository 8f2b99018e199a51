// Tag names declared by chatbot.yaml `customTags` (docs/dsl.md, "Tags"). The platform's entries are
// paths to a JSON file that describes the tag (`src/blocks/Sum/block.json` with `"tagName": "Sum"`);
// a plain name, or an object with `name` / `tagName`, is accepted too.
import fs from "node:fs";
import path from "node:path";
import type { SourcePos } from "../dsl/ast.js";
import type { Diagnostic } from "../util/errors.js";

export function customTagNames(
  entries: unknown,
  projectDir: string,
  posOf: (keyPath: (string | number)[]) => SourcePos,
): { names: string[]; diagnostics: Diagnostic[] } {
  const names: string[] = [];
  const diagnostics: Diagnostic[] = [];
  if (!Array.isArray(entries)) return { names, diagnostics };
  entries.forEach((entry: unknown, i) => {
    const warn = (message: string) => diagnostics.push({ level: "warning", message: `customTags: ${message}`, pos: posOf(["customTags", i]) });
    if (typeof entry === "string" && entry.trim().toLowerCase().endsWith(".json")) {
      const name = tagNameOfFile(path.resolve(projectDir, entry.trim().replace(/^\/+/, "")), warn, entry.trim());
      if (name) names.push(name);
    } else if (typeof entry === "string") {
      names.push(entry.trim());
    } else if (entry && typeof entry === "object") {
      const o = entry as { name?: unknown; tagName?: unknown };
      const name = o.tagName ?? o.name;
      if (typeof name === "string") names.push(name);
    }
  });
  return { names, diagnostics };
}

function tagNameOfFile(file: string, warn: (message: string) => void, label: string): string | undefined {
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
  const name = (data as { tagName?: unknown } | null)?.tagName;
  if (typeof name !== "string" || !name.trim()) {
    warn(`${label} has no "tagName"; the tag it describes is not declared`);
    return undefined;
  }
  return name.trim();
}
