// Picking cases by where they are written: `smartapp test test/menu.xml:12` runs the case the
// report printed as `test/menu.xml:12` (any line inside the case works, e.g. a failing `<a>`'s).
import { existsSync } from "node:fs";
import path from "node:path";
import type { TestCase } from "./model.js";

/** A test file, or one case in it by a line inside the case, as `smartapp test test/menu.xml:12` names it. */
export interface CaseLocation {
  file: string; // relative to the project folder, forward slashes
  line?: number; // 1-based; undefined = the whole file
}

/** `file.xml:12` or `file.xml`; undefined when `arg` is not a test location (a project folder). */
export function parseLocation(arg: string): { file: string; line?: number } | undefined {
  const m = /^(.*?):(\d+)(?::\d+)?$/.exec(arg);
  if (m && m[1]) return { file: m[1], line: Number(m[2]) };
  return /\.xml$/i.test(arg) ? { file: arg } : undefined;
}

/**
 * The location's file relative to the project: as given from the current folder when it names a
 * file inside the project (`my-bot/test/a.xml`), else as given from the project folder (`test/a.xml`).
 */
export function relativeToProject(projectDir: string, file: string, cwd = process.cwd()): string {
  const fromCwd = path.resolve(cwd, file);
  const inside = path.relative(projectDir, fromCwd);
  const rel = existsSync(fromCwd) && !inside.startsWith("..") && !path.isAbsolute(inside) ? inside : path.normalize(file);
  return rel.split(path.sep).join("/");
}

/** The cases of `file` a location picks: all, or the one whose lines hold `line` (it starts at or before it). */
export function casesAt(cases: readonly TestCase[], line: number | undefined): TestCase[] {
  if (line === undefined) return [...cases];
  let hit: TestCase | undefined;
  for (const c of cases) if (c.line <= line && (!hit || c.line >= hit.line)) hit = c;
  return hit ? [hit] : [];
}

/**
 * The project a test file belongs to: the nearest folder at or above it with a chatbot.yaml, so
 * `smartapp test my-bot/test/a.xml:12` needs no folder argument. Undefined when there is none.
 */
export function projectOf(file: string, cwd = process.cwd()): string | undefined {
  let dir = path.dirname(path.resolve(cwd, file));
  for (;;) {
    if (existsSync(path.join(dir, "chatbot.yaml"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
