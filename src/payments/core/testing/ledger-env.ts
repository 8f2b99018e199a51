// The ledger stores for tests: SQLite in a temp folder, Redis under a key prefix and PostgreSQL in a
// schema no other test run shares. In CI an unreachable Redis or PostgreSQL is an error, never a
// skip (as src/storage/testing/redis-env.ts); locally the suite says what it skips.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { deleteKeys, isCI, requireRedis } from "../../../storage/testing/redis-env.js";
import type { LedgerStoreConfig } from "../open-store.js";

/** The PostgreSQL the ledger tests use: PAYMENTS_TEST_DATABASE_URL, else the local default. */
export const testPostgresUrl = (): string => process.env.PAYMENTS_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

/**
 * The test database's URL when it answers; else undefined and a warning, or an error in CI where these tests
 * must run.
 */
export async function requirePostgres(suite: string): Promise<string | undefined> {
  const url = testPostgresUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return url;
  } catch (err) {
    const why = `PostgreSQL at ${url} is unreachable (${(err as Error).message})`;
    if (isCI()) throw new Error(`${suite}: ${why}; PostgreSQL tests must run in CI`);
    console.warn(`\n  SKIPPING ${suite}: ${why}. Start PostgreSQL or set PAYMENTS_TEST_DATABASE_URL to run them.\n`);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unique = (): string => `${process.pid}_${randomBytes(4).toString("hex")}`;

/** One place for a test's ledger: `config()` opens the same data every time (a restart, a second process); `drop()` removes it. */
export interface LedgerPlace {
  kind: LedgerStoreConfig["kind"];
  config(): LedgerStoreConfig;
  drop(): Promise<void>;
}

/** The ledger stores a suite runs against: SQLite always, Redis and PostgreSQL when they answer. */
export async function ledgerPlaces(suite: string): Promise<{ kind: LedgerStoreConfig["kind"]; make?: () => LedgerPlace }[]> {
  const redisUrl = await requireRedis(`${suite} (redis)`);
  const pgUrl = await requirePostgres(`${suite} (postgres)`);
  return [
    {
      kind: "sqlite",
      make: () => {
        const dir = mkdtempSync(path.join(tmpdir(), "ledger-"));
        return { kind: "sqlite", config: () => ({ kind: "sqlite", file: path.join(dir, "payments.db") }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      kind: "redis",
      make: redisUrl
        ? () => {
            const prefix = `smartapp-test:ledger:${unique()}:`;
            return { kind: "redis", config: () => ({ kind: "redis", url: redisUrl, prefix }), drop: () => deleteKeys(redisUrl, prefix) };
          }
        : undefined,
    },
    {
      kind: "postgres",
      make: pgUrl
        ? () => {
            const schema = `ledger_test_${unique()}`;
            return {
              kind: "postgres",
              config: () => ({ kind: "postgres", url: pgUrl, schema }),
              drop: async () => {
                const c = new pg.Client({ connectionString: pgUrl });
                await c.connect();
                await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
                await c.end();
              },
            };
          }
        : undefined,
    },
  ];
}
