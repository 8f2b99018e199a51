// `smartapp init [dir]`: a new project from templates/init whose `smartapp test` passes at once.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates/init");
const NAME_SLOT = "__NAME__";

/** Options of `smartapp init`. */
export interface InitOptions {
  /** Write into a folder that already has files (never over an existing chatbot.yaml). */
  force?: boolean;
}

/** Creates the project; returns the files written, relative to `dir`. Throws with a reason when it must not write. */
export function initProject(dir: string, opts: InitOptions = {}): string[] {
  const target = path.resolve(dir);
  if (existsSync(path.join(target, "chatbot.yaml"))) throw new Error(`${target} already has a chatbot.yaml: not overwriting a project`);
  if (existsSync(target) && readdirSync(target).length > 0 && !opts.force) {
    throw new Error(`${target} is not empty (use --force to add a project to it)`);
  }
  mkdirSync(target, { recursive: true });
  const written = listFiles(TEMPLATE);
  const clash = written.find((f) => existsSync(path.join(target, f)));
  if (clash) throw new Error(`${path.join(target, clash)} exists: not overwriting it`);
  cpSync(TEMPLATE, target, { recursive: true });
  const yaml = path.join(target, "chatbot.yaml");
  writeFileSync(yaml, readFileSync(yaml, "utf8").replace(NAME_SLOT, projectName(target)));
  return written;
}

/** A name for chatbot.yaml from the folder name: letters, digits, `-` and `_`. */
function projectName(dir: string): string {
  return path.basename(dir).replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-+|-+$/g, "") || "smartapp";
}

function listFiles(root: string, rel = ""): string[] {
  return readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(root, path.join(rel, e.name)) : [path.join(rel, e.name)],
  );
}

/** `smartapp init`: writes the starter project and prints what it wrote; the exit code. */
export function init(dir: string, opts: InitOptions): number {
  let files: string[];
  try {
    files = initProject(dir, opts);
  } catch (err) {
    process.stderr.write(`smartapp init: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const shown = dir;
  process.stdout.write(
    `created ${files.length} files in ${shown}: ${files.sort().join(", ")}\n\n` +
      `next:\n  smartapp test ${shown}     # the XML dialog tests, offline\n  smartapp chat ${shown}     # talk to it (a purchase goes through the local SmartPay sandbox)\n  smartapp serve ${shown}    # the SmartApp API webhook\n`,
  );
  return 0;
}
