// Start a worker thread on a module of this package. From dist/ that is a plain .js file; under
// vitest the sources are TypeScript, so the worker first registers tsx (a dev dependency) to load them.
import { Worker, type WorkerOptions } from "node:worker_threads";

export function spawnWorker(moduleUrl: URL, options: WorkerOptions): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl, options);
  const bootstrap = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The URL of a sibling module, as .ts under the sources and .js once built. */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}

/**
 * Asks a worker to free its isolates and exit by itself (`ask` posts its close message), and
 * terminates it only when it has not exited after `graceMs`: terminate() tearing down a thread with
 * live isolated-vm isolates can abort the whole process (docs/sandbox.md, "Why isolated-vm").
 */
export async function closeWorker(worker: Worker, graceMs: number, ask?: () => void): Promise<void> {
  if (worker.threadId < 0) return; // ended already: its "exit" event has passed
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<void>((resolve) => {
    worker.once("exit", () => resolve());
    // Also when it exited before we listened: terminate() of an ended worker resolves at once.
    timer = setTimeout(() => void worker.terminate().then(() => resolve(), () => resolve()), graceMs);
  });
  ask?.();
  await exited;
  clearTimeout(timer);
}
