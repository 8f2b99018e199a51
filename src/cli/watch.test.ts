import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../project/loader.js";
import { watchedFolders, watchProject, type ProjectWatcher } from "./watch.js";

const FIXTURE = path.resolve(import.meta.dirname, "../../test/fixtures/chat");
let dir: string;
let watcher: ProjectWatcher | undefined;

afterEach(() => {
  watcher?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function copy(): string {
  dir = mkdtempSync(path.join(tmpdir(), "smartapp-watch-"));
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe("watch mode", () => {
  it("watches the scenario folder with its subfolders and the project folder itself, nothing else", () => {
    const project = loadProject(copy());
    expect(watchedFolders(project)).toEqual([
      [path.join(dir, "src"), false],
      [dir, false],
    ]);
  });

  it("never watches node_modules or dot-folders, and picks up a folder made while watching", async () => {
    const project = loadProject(copy());
    for (let i = 0; i < 200; i++) mkdirSync(path.join(dir, `src/node_modules/p${i}/lib`), { recursive: true });
    mkdirSync(path.join(dir, "src/.cache"));
    mkdirSync(path.join(dir, "src/lib"));
    expect(watchedFolders(project)).toEqual([
      [path.join(dir, "src"), false],
      [path.join(dir, "src/lib"), false],
      [dir, false],
    ]);
    const calls: string[][] = [];
    let seen: () => void = () => undefined;
    watcher = watchProject(() => watchedFolders(project), (files) => {
      calls.push(files);
      seen();
    }, 50);
    writeFileSync(path.join(dir, "src/node_modules/p1/lib/index.js"), "1");
    mkdirSync(path.join(dir, "src/lib/deep"));
    await new Promise((r) => setTimeout(r, 300)); // the new folder is watched once it settles
    const changed = new Promise<void>((r) => (seen = r));
    writeFileSync(path.join(dir, "src/lib/deep/util.js"), "1");
    await changed;
    expect(calls).toEqual([[path.join(dir, "src/lib/deep/util.js")]]);
  });

  it("reports a burst of saves once, with the files that changed", async () => {
    const project = loadProject(copy());
    const calls: string[][] = [];
    const seen = new Promise<void>((resolve) => {
      watcher = watchProject(() => watchedFolders(project), (files) => {
        calls.push(files);
        resolve();
      }, 100);
    });
    const main = path.join(dir, "src/main.sc");
    writeFileSync(main, "theme: /\n");
    writeFileSync(main, "theme: /\n    state: A\n");
    writeFileSync(path.join(dir, "chatbot.yaml"), "name: x\nentryPoint: main.sc\n");
    writeFileSync(path.join(dir, "notes.txt"), "not a project file");
    await seen;
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toEqual([[path.join(dir, "chatbot.yaml"), main]]);
  });
});
