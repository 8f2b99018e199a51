// PostgreSQL ledger specifics: a start whose schema could not be created (the database was not
// there yet) does not leave the store failed for the life of the process.
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresLedgerStore } from "./store-postgres.js";
import { requirePostgres } from "./testing/ledger-env.js";

const url = await requirePostgres("PostgreSQL ledger store");

describe.skipIf(!url)("PostgresLedgerStore", () => {
  const dbName = `smartapp_late_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  it("creates its schema on the next call when the database appears after the start", async () => {
    const late = new URL(url!);
    late.pathname = `/${dbName}`;
    const store = new PostgresLedgerStore({ url: late.toString() });
    try {
      const begin = () =>
        store.beginInvoice(
          { id: randomUUID(), attemptId: randomUUID(), userKey: "u", provider: "smartpay", account: "27", orderId: randomUUID(), amount: { minor: 100, currency: "RUB" }, description: "Слон" },
          new Date().toISOString(),
        );
      await expect(begin()).rejects.toThrow(/does not exist/);
      await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
      const { invoice } = await begin();
      expect(invoice.status).toBeDefined();
    } finally {
      await store.close();
    }
  }, 30_000);
});
