// isolated-vm on Node 20+ needs `--no-node-snapshot`: V8's shared read-only heap crashes the process
// when isolates of one process start from different snapshots (Node's own and a fresh isolate's),
// and the flag is refused in NODE_OPTIONS (docs/sandbox.md, "Why isolated-vm"). So the command
// starts itself again with the flag when it was run without it: the first import of index.ts, and
// its top-level await keeps the rest of the program from running in this (parent) process. The
// restart also brings the young-generation size of src/cli/launch-flags.ts; a process started with
// --no-node-snapshot already is taken to have the flags its starter chose.
import { spawn } from "node:child_process";
import { launchFlags, NO_SNAPSHOT } from "./launch-flags.js";

const FLAG = NO_SNAPSHOT;
const LAUNCHER = "SMARTAPP_LAUNCHER_PID";

if (!process.execArgv.includes(FLAG)) {
  const child = spawn(process.execPath, [...launchFlags(process.execArgv, process.env.NODE_OPTIONS), ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit", env: { ...process.env, [LAUNCHER]: String(process.pid) } });
  // The child gets the terminal's signals itself (same process group); these are for a parent
  // process that signals only us (a supervisor, a test harness).
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  const code = await new Promise<number>((resolve) => {
    child.on("exit", (status, signal) => resolve(signal ? 128 + (signalNumber(signal) ?? 1) : (status ?? 1)));
    child.on("error", (err) => {
      process.stderr.write(`smartapp: cannot start ${process.execPath} ${FLAG}: ${err.message}\n`);
      resolve(1);
    });
  });
  process.exit(code);
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal];
}

// The started copy: if the launcher dies without passing a signal on (SIGKILL), stop too, as the
// command it replaced would have.
if (process.execArgv.includes(FLAG) && process.env[LAUNCHER] !== undefined && process.env[LAUNCHER] === String(process.ppid)) {
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}
