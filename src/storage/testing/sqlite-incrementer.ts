// Child process for the cross-process tests of a shared SqliteStore (serve --processes):
// `inc <path> <user> <count>`: `count` concurrent increments of the user's session.counter, then
// prints `done <count>` (it first prints `ready` and waits for a line on stdin, so that several
// children start their increments together); `hold <path> <user>`: starts a turn, prints `in turn` and never ends it
// (the parent kills the process with SIGKILL, its lease held).
import { setTimeout as sleep } from "node:timers/promises";
import { SqliteStore } from "../sqlite.js";

const [mode, path, userKey, countArg] = process.argv.slice(2);
if (!path || !userKey || (mode !== "inc" && mode !== "hold")) throw new Error("usage: sqlite-incrementer.ts inc|hold <path> <userKey> [count]");
const store = new SqliteStore({ path, shared: process.env.SHARED !== "0", lockWaitMs: 60_000, ...(process.env.LEASE_MS ? { lockTtlMs: Number(process.env.LEASE_MS) } : {}) });

if (mode === "hold") {
  await store.transact(userKey, async () => {
    process.stdout.write("in turn\n");
    await new Promise(() => undefined); // until killed
    return { commit: undefined, result: undefined };
  });
} else {
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdin.pause();
  let conflicts = 0;
  await Promise.all(
    Array.from({ length: Number(countArg) }, () =>
      store
        .transact(userKey, async (current) => {
          const counter = ((current?.session.counter as number | undefined) ?? 0) + 1;
          await sleep(1); // widen the read-modify-write window: without the lease, increments collide
          return { commit: { state: { session: { counter }, client: {}, contextPath: "/" } }, result: counter };
        })
        .catch((err: Error) => {
          if (err.name !== "SessionConflictError") throw err;
          conflicts++;
        }),
    ),
  );
  await store.close();
  process.stdout.write(conflicts ? `conflicts ${conflicts}\n` : `done ${countArg}\n`);
}
