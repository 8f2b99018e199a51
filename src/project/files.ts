// File-system helpers for the loader: listing folders once and expanding require globs.
import fs from "node:fs";
import path from "node:path";
import picomatch from "picomatch";

/** A path with forward slashes, as files are labelled in messages and in the project model on every OS. */
export const toPosix = (p: string): string => p.split(path.sep).join("/");

/** Whether `p` exists and is a file (following links); false on any error. */
export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether `p` exists and is a folder (following links); false on any error. */
export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Every file under `dir`, as posix paths relative to `dir`, sorted. Skips node_modules and dot folders. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** Whether a `require:` path holds glob characters, so it is expanded instead of looked up as one file. */
export function isGlob(p: string): boolean {
  return picomatch.scan(p).isGlob;
}

/** Absolute paths of the files matching the glob `pattern` (relative to baseDir), sorted. */
export function expandGlob(baseDir: string, pattern: string): string[] {
  const absPattern = toPosix(path.resolve(baseDir, pattern));
  const scan = picomatch.scan(absPattern);
  const match = picomatch(absPattern);
  const root = scan.base || "/";
  return listFiles(root)
    .map((rel) => `${root.replace(/\/$/, "")}/${rel}`)
    .filter((abs) => match(abs))
    .map((abs) => path.normalize(abs));
}
