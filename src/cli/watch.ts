// Watch mode: the files a project is made of, with saves grouped (editors write several times).
// Only the project's own folders are watched, never node_modules or dot-folders: the scenario folder
// (srcDir) with its subfolders, and the folder of every other loaded or test file (modules, test/,
// chatbot.yaml).
import fs, { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Project } from "../project/model.js";
import { loadProject } from "../project/loader.js";

// What a project is made of (docs/dsl.md): scenarios, scripts, dictionaries, NLU data, tests.
const PROJECT_FILE = /\.(sc|js|mjs|ts|ya?ml|json|csv|xml)$/i;

function isFolder(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A running watch of a project's files; `close` stops it. */
export interface ProjectWatcher {
  close(): void;
}

/** Folders never watched: installed packages and dot-folders (.git, .smartapp's npm cache). */
const skipFolder = (name: string): boolean => name === "node_modules" || name.startsWith(".");

/**
 * `root` and its subfolders, each to be watched on its own. Not node's recursive watch: on Linux it
 * walks the whole tree synchronously and sets a watch on every file, node_modules included (3,000
 * packages in src/node_modules: 12,000 inotify watches and the event loop blocked 1.6 s on every
 * reload, and past the system's watch limit the watch fails).
 */
function folderTree(root: string): string[] {
  const out = [root];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return out;
  }
  // A Dirent does not follow links, so a linked folder (and a link loop) is not descended into.
  for (const e of entries) if (e.isDirectory() && !skipFolder(e.name)) out.push(...folderTree(path.join(root, e.name)));
  return out;
}

/** The folders to watch for `project`: [folder, recursive] (the scenario folder's tree, one by one). */
export function watchedFolders(project: Project): [string, boolean][] {
  const src = project.srcDir;
  const inSrc = (d: string) => d === src || d.startsWith(src + path.sep);
  const flat = new Set<string>([project.dir]);
  for (const f of [...project.files, ...project.testFiles]) {
    const folder = path.dirname(path.resolve(project.dir, f));
    if (!inSrc(folder)) flat.add(folder);
  }
  return [...folderTree(src), ...[...flat].filter((d) => !inSrc(d))].map((d): [string, boolean] => [d, false]);
}

/**
 * Calls `onChange` with the changed files (absolute paths) once saves have been quiet for `quietMs`.
 * `folders` is re-read after each change (a reload may require files from new folders).
 */
export function watchProject(folders: () => [string, boolean][], onChange: (files: string[]) => void | Promise<void>, quietMs = 150): ProjectWatcher {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let watchers: FSWatcher[] = [];
  let closed = false;
  const arm = () => {
    for (const w of watchers) w.close();
    watchers = folders().map(([dir, recursive]) =>
      watch(dir, { recursive }, (_event, file) => {
        if (!file) return;
        const name = file.toString();
        if (PROJECT_FILE.test(name)) changed.add(path.join(dir, name));
        // A new folder is watched once fire() re-arms; no project file changed yet.
        else if (recursive || skipFolder(path.basename(name)) || !isFolder(path.join(dir, name))) return;
        clearTimeout(timer);
        timer = setTimeout(fire, quietMs);
      }),
    );
  };
  const fire = async () => {
    const files = [...changed].sort();
    changed.clear();
    if (files.length) await onChange(files);
    if (!closed) arm();
  };
  arm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

/**
 * Runs `reload` after `files` changed and says what happened: the new project's size, or where it
 * broke (the load error's `file:line:col` lines) while the old one stays in use.
 */
export async function reloadMessage(dir: string, files: string[], reload: () => Promise<Project>): Promise<string> {
  const names = files.map((f) => path.relative(dir, f) || f).join(", ");
  try {
    const project = await reload();
    return `smartapp: ${names} changed: reloaded (${project.states.size - 1} states, ${project.triggers.length} triggers)\n`;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `smartapp: ${names} changed, but the project does not load; still serving the previous version:\n${why}\n`;
  }
}

/**
 * `test --watch`: runs `run` now and again after every save. The folders come from the last project
 * that loaded (a broken save still gets its run: the runner reports the load error).
 */
export async function watchTests(dir: string, modules: string[], run: () => Promise<unknown>, out: NodeJS.WritableStream = process.stdout): Promise<ProjectWatcher> {
  let folders: [string, boolean][] = [[path.resolve(dir), false]];
  const refresh = () => {
    try {
      folders = watchedFolders(loadProject(dir, { modules }));
    } catch {
      // keep watching what the last good load named
    }
  };
  refresh();
  await run();
  out.write("\nwatching for changes (Ctrl+C to stop)\n");
  return watchProject(
    () => folders,
    async (files) => {
      out.write(`\n${files.map((f) => path.relative(dir, f) || f).join(", ")} changed: running the tests again\n\n`);
      refresh();
      await run();
      out.write("\nwatching for changes (Ctrl+C to stop)\n");
    },
  );
}
