// Redis for tests: REDIS_URL or the local default. In CI an unreachable Redis is an error, never a
// skip; locally the caller skips with a visible message.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const testRedisUrl = (): string => process.env.REDIS_URL || "redis://127.0.0.1:6379";

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/** The URL if Redis answers PING; undefined (with a warning) when it does not and we are not in CI. */
export async function requireRedis(suite: string): Promise<string | undefined> {
  const url = testRedisUrl();
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | undefined; // the socket error says more than connect()'s "Connection is closed"
  client.on("error", (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (err) {
    const why = `Redis at ${url} is unreachable (${(cause ?? (err as Error)).message})`;
    if (isCI()) throw new Error(`${suite}: ${why}; Redis tests must run in CI`);
    console.warn(`\n  SKIPPING ${suite}: ${why}. Start Redis or set REDIS_URL to run them.\n`);
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run shares. */
export const uniquePrefix = (label: string): string => `smartapp-test:${label}:${process.pid}:${randomBytes(4).toString("hex")}:`;

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await client.quit();
  }
}
