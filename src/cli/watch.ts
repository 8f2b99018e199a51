// Watch mode: the files a project is made of, with saves grouped (editors write several times).
// Only the project's own folders are watched, never node_modules: the scenario folder (srcDir) with
// its subfolders, and the folder of every other loaded or test file (modules, test/, chatbot.yaml).
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Project } from "../project/model.js";
import { loadProject } from "../project/loader.js";

// What a project is made of (docs/dsl.md): scenarios, scripts, dictionaries, NLU data, tests.
const PROJECT_FILE = /\.(sc|js|mjs|ts|ya?ml|json|csv|xml)$/i;

export interface ProjectWatcher {
  close(): void;
}

/** The folders to watch for `project`: [folder, recursive]. */
export function watchedFolders(project: Project): [string, boolean][] {
  const src = project.srcDir;
  const inSrc = (d: string) => d === src || d.startsWith(src + path.sep);
  const flat = new Set<string>([project.dir]);
  for (const f of [...project.files, ...project.testFiles]) {
    const folder = path.dirname(path.resolve(project.dir, f));
    if (!inSrc(folder)) flat.add(folder);
  }
  return [[src, true], ...[...flat].filter((d) => !inSrc(d)).map((d): [string, boolean] => [d, false])];
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
        if (!file || !PROJECT_FILE.test(file.toString())) return;
        changed.add(path.join(dir, file.toString()));
        clearTimeout(timer);
        timer = setTimeout(fire, quietMs);
      }),
    );
  };
  const fire = async () => {
    const files = [...changed].sort();
    changed.clear();
    await onChange(files);
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
