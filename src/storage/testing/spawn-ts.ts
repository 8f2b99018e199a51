// Runs a TypeScript script (of this folder, or any URL) in a child Node process through tsx, for cross-process tests.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export function spawnTs(script: string | URL, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const file = fileURLToPath(typeof script === "string" ? new URL(script, import.meta.url) : script);
  return spawn(process.execPath, ["--import", tsxLoader, file, ...args], { env: { ...process.env, ...env }, stdio: "pipe" });
}

/** Calls `onLine` for every complete stdout line; a partial last line (killed mid-write) is dropped. */
export function onStdoutLines(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): void {
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  });
}

/** Resolves with how the child ended; collects stderr for failure messages. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}
