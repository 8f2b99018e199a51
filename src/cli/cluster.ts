// `smartapp serve --processes <n>`: a primary process forks n workers (node:cluster), each a whole
// `serve` on the same port, for the cores one process leaves idle (its main thread is the limit).
// The primary serves nothing itself: it prints the workers' start once, starts a worker again when
// one dies (with a growing pause, so a worker that dies at once does not loop), and on SIGTERM or
// SIGINT lets every worker finish its turns in flight. Sessions are shared through the store: Redis,
// or the SQLite file with a lease per user (docs/storage.md, "Several processes serving one file").
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { SmartappConfig } from "./config.js";
import type { ClusterWorkerHooks, ServeOptions } from "./serve.js";

/** A worker that lived this long before it died is started again at once; sooner, after a pause that doubles. */
const STABLE_MS = 10_000;
const FIRST_RESTART_PAUSE_MS = 500;
const MAX_RESTART_PAUSE_MS = 30_000;
/** A worker still draining after this long is killed (its turns then are as after a crash). */
const DRAIN_GRACE_MS = 60_000;

interface ListeningMessage {
  smartapp: "listening";
  banner: string;
}

/** `--processes` or SMARTAPP_PROCESSES: "auto" is one per core (os.availableParallelism()). */
export function processesWanted(value: number | "auto" | undefined, cores = availableParallelism()): number {
  if (value === undefined) return 1;
  return value === "auto" ? Math.max(1, cores) : value;
}

/**
 * Why these options cannot run as several processes, or undefined. Whatever keeps state in one
 * process that the others would need is refused at start rather than half working.
 */
export function clusterRefusal(opts: Pick<ServeOptions, "store" | "sandbox" | "watch" | "console" | "paymentsDb">, config: Pick<SmartappConfig, "payments">): string | undefined {
  const why = (what: string) => `--processes: ${what}`;
  if (opts.store === "memory") return why("--store memory keeps each process's sessions to itself; use sqlite (the default) or redis");
  if (opts.paymentsDb === ":memory:") return why("--payments-db :memory: keeps a payment ledger per process; give a file, or --payments-store redis or postgres");
  if (opts.sandbox && !config.payments.url) {
    return why("the local SmartPay sandbox (and its YooKassa emulator) keeps invoices in the process that started it; give --no-sandbox or SMARTPAY_URL, or run `smartapp sandbox` apart");
  }
  if (opts.watch) return why("--watch reloads each process on its own; run one process while editing");
  if (opts.console === true) return why("the web console keeps its explained turns in one process; run it with one process");
  return undefined;
}

/** In a worker: `serve` reports to the primary instead of printing (ServeOptions.clusterWorker). */
export function workerHooks(): ClusterWorkerHooks {
  return {
    listening: (banner) => process.send?.({ smartapp: "listening", banner } satisfies ListeningMessage),
    stopped: () => cluster.worker?.disconnect(),
  };
}

/** The pause before a dead worker's successor starts, after `quickDeaths` deaths in a row of workers that died young. */
export function restartPause(quickDeaths: number): number {
  return quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_PAUSE_MS, FIRST_RESTART_PAUSE_MS * 2 ** (quickDeaths - 1));
}

interface Slot {
  worker?: Worker;
  startedAt: number;
  listening: boolean;
  quickDeaths: number;
  timer?: NodeJS.Timeout;
}

/**
 * The primary: forks `n` workers, prints the first start once, replaces dead workers and drains all
 * on SIGTERM/SIGINT. Resolves with the exit code once every worker has ended.
 */
export function runPrimary(n: number, out: (line: string) => void = (line) => process.stdout.write(line), err: (line: string) => void = (line) => process.stderr.write(line)): Promise<number> {
  // Round-robin in the primary, unless NODE_CLUSTER_SCHED_POLICY chose: with the kernel's choice
  // (SCHED_NONE) it served fewer requests (docs/architecture.md, "Several processes").
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_RR;
  const slots: Slot[] = Array.from({ length: n }, () => ({ startedAt: 0, listening: false, quickDeaths: 0 }));
  let started = false;
  let stopping = false;
  let exitCode = 0;
  return new Promise((resolve) => {
    const live = () => slots.filter((s) => s.worker !== undefined).length;
    const finishIfDone = () => {
      if (stopping && live() === 0) resolve(exitCode);
    };
    const stopAll = (code: number) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      for (const slot of slots) clearTimeout(slot.timer);
      for (const slot of slots) slot.worker?.process.kill("SIGTERM");
      setTimeout(() => {
        for (const slot of slots) slot.worker?.process.kill("SIGKILL");
      }, DRAIN_GRACE_MS).unref();
      finishIfDone();
    };
    const fork = (index: number) => {
      const slot = slots[index]!;
      slot.timer = undefined;
      if (stopping) return;
      const worker = cluster.fork();
      slot.worker = worker;
      slot.startedAt = Date.now();
      slot.listening = false;
      worker.on("message", (msg: unknown) => {
        if ((msg as Partial<ListeningMessage> | null)?.smartapp !== "listening") return;
        slot.listening = true;
        if (!started && slots.every((s) => s.listening)) {
          started = true;
          out(`${(msg as ListeningMessage).banner}smartapp: ${n} processes share the port (pids ${slots.map((s) => s.worker?.process.pid).join(", ")}); limits and /metrics are per process\n`);
        } else if (started) {
          out(`smartapp: process ${worker.process.pid} serving again\n`);
        }
      });
      worker.on("exit", (code, signal) => {
        if (slot.worker === worker) slot.worker = undefined;
        if (stopping) return finishIfDone();
        if (!started) {
          // A worker that cannot start (the project does not load, the port is taken) would fail
          // again: stop them all with its reason, already on stderr.
          err(`smartapp: process ${worker.process.pid} ended before it listened (${signal ?? `exit code ${code}`}); stopping\n`);
          return stopAll(1);
        }
        slot.quickDeaths = slot.listening && Date.now() - slot.startedAt >= STABLE_MS ? 0 : slot.quickDeaths + 1;
        const pause = restartPause(slot.quickDeaths);
        err(`smartapp: process ${worker.process.pid} ended (${signal ?? `exit code ${code}`}); starting another${pause ? ` in ${pause / 1000} s` : ""}\n`);
        slot.timer = setTimeout(() => fork(index), pause);
      });
    };
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.on(sig, () => {
        if (!stopping) out("smartapp: shutting down, finishing turns in flight\n");
        stopAll(0);
      });
    }
    for (let i = 0; i < n; i++) fork(i);
  });
}
