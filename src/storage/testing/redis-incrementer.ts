// Child process for the cross-process test: `count` concurrent increments of one user's
// session.counter through RedisStore, then prints `done <count>`.
import { setTimeout as sleep } from "node:timers/promises";
import { RedisStore } from "../redis.js";

const [url, prefix, userKey, countArg] = process.argv.slice(2);
if (!url || !prefix || !userKey) throw new Error("usage: redis-incrementer.ts <url> <prefix> <userKey> <count>");
const store = new RedisStore({ url, prefix });

await Promise.all(
  Array.from({ length: Number(countArg) }, () =>
    store.transact(userKey, async (current) => {
      const counter = ((current?.session.counter as number | undefined) ?? 0) + 1;
      await sleep(1); // widen the read-modify-write window: without the lock, increments would be lost
      return { commit: { state: { session: { counter }, client: {}, contextPath: "/" } }, result: counter };
    }),
  ),
);
await store.close();
process.stdout.write(`done ${countArg}\n`);
