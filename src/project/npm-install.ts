// `smartapp install`: the npm packages of src/package.json (chatbot.yaml scriptRuntime.requirementsFile)
// installed with npm into the project's cache folder .smartapp/npm, where the ES6 module graph looks
// for them (src/project/es6.ts). Install scripts never run (--ignore-scripts): packages are only
// read as JavaScript for the script isolate. A stamp of package.json (and the lock file) tells
// `serve` / `test` whether an install is due.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { npmCacheDir } from "./es6.js";
import { isDir, isFile } from "./files.js";
import { loadConfig } from "./config.js";

/** What `smartapp install` would install, where, and whether the cache already matches package.json. */
export interface NpmPlan {
  packageJson: string; // absolute path of src/package.json
  cacheDir: string;
  dependencies: Record<string, string>;
  upToDate: boolean;
}

const STAMP = ".smartapp-stamp";

/** What `install` would do for the project in `dir`; undefined when it declares no npm packages. */
export function npmPlan(dir: string): NpmPlan | undefined {
  const abs = path.resolve(dir);
  let requirements = "package.json";
  try {
    requirements = loadConfig(abs).config.scriptRuntime?.requirementsFile ?? requirements;
  } catch {
    // chatbot.yaml errors are reported by the load itself
  }
  const srcDir = ["src", "scenarios"].map((d) => path.join(abs, d)).find((d) => isFile(path.join(d, requirements)));
  if (!srcDir) return undefined;
  const packageJson = path.join(srcDir, requirements);
  let dependencies: Record<string, string>;
  try {
    dependencies = (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
  } catch (e) {
    throw new Error(`${path.relative(abs, packageJson)}: not valid JSON: ${(e as Error).message}`);
  }
  if (Object.keys(dependencies).length === 0) return undefined;
  const cacheDir = npmCacheDir(abs);
  const upToDate = isDir(path.join(cacheDir, "node_modules")) && readStamp(cacheDir) === stampOf(packageJson);
  return { packageJson, cacheDir, dependencies, upToDate };
}

function stampOf(packageJson: string): string {
  const hash = createHash("sha256").update(fs.readFileSync(packageJson));
  const lock = path.join(path.dirname(packageJson), "package-lock.json");
  if (isFile(lock)) hash.update(fs.readFileSync(lock));
  return hash.digest("hex");
}

function readStamp(cacheDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(cacheDir, STAMP), "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Install the packages into the cache folder. `file:` dependencies are made absolute (npm resolves
 * them from the package.json it reads) and copied, not linked. Throws with npm's own output on failure.
 */
export function npmInstall(plan: NpmPlan, log: (line: string) => void = () => {}): void {
  fs.mkdirSync(plan.cacheDir, { recursive: true });
  const srcDir = path.dirname(plan.packageJson);
  const deps: Record<string, string> = {};
  let rewritten = false;
  for (const [name, spec] of Object.entries(plan.dependencies)) {
    if (spec.startsWith("file:")) {
      deps[name] = "file:" + path.resolve(srcDir, spec.slice(5));
      rewritten = true;
    } else deps[name] = spec;
  }
  fs.writeFileSync(path.join(plan.cacheDir, "package.json"), JSON.stringify({ name: "smartapp-project-packages", private: true, dependencies: deps }, null, 2));
  const lock = path.join(srcDir, "package-lock.json");
  const cachedLock = path.join(plan.cacheDir, "package-lock.json");
  if (!rewritten && isFile(lock)) fs.copyFileSync(lock, cachedLock);
  log(`installing npm packages of ${path.basename(srcDir)}/${path.basename(plan.packageJson)} into ${plan.cacheDir} (${Object.keys(deps).join(", ")})`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const run = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev", "--install-links"], {
    cwd: plan.cacheDir,
    encoding: "utf8",
    shell: process.platform === "win32",
  });
  if (run.error || run.status !== 0) {
    const out = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`npm install failed in ${plan.cacheDir}${run.error ? `: ${run.error.message}` : ` (exit ${run.status})`}\n${out}`);
  }
  fs.writeFileSync(path.join(plan.cacheDir, STAMP), stampOf(plan.packageJson) + "\n");
}

/** Before `serve` / `test`: install when src/package.json changed since the last install (or never was). */
export function ensureNpmPackages(dir: string, log: (line: string) => void): void {
  const plan = npmPlan(dir);
  if (!plan || plan.upToDate) return;
  npmInstall(plan, (line) => log(`${line} (first run, or src/package.json changed; \`smartapp install\` does this ahead of time)`));
}
