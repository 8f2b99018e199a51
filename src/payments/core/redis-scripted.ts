// One way for the payment side's Redis stores (the ledger, the outboxes, webhook acquiring's orders)
// to connect: the same connection settings, and their Lua steps defined as commands. Every step takes
// its keys from ARGV (numberOfKeys 0): a step builds its keys from the store's prefix.
import { Redis } from "ioredis";

/** A connection to `url` with each of `scripts` (command name → Lua) defined as a command. */
export function scriptedRedis<T extends Redis>(url: string, scripts: Record<string, string>): T {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  return redis as T;
}
