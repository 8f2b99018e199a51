// The payments schema in PostgreSQL (docs/payments.md, "Stores"), shared by every store kept there:
// the ledger (./store-postgres.ts), the merchant outbox and webhook acquiring's orders live in one
// schema and create their tables in it on start. They must agree on the schema's name and on the one
// lock that keeps starting processes from racing on CREATE SCHEMA / TABLE, so both live here.
import pg from "pg";

/** The PostgreSQL schema of the payment stores when none is configured. */
export const DEFAULT_PAYMENTS_SCHEMA = "smartapp_payments";

/** Where a payments store lives in PostgreSQL: the same for the ledger and every store beside it. */
export interface PaymentsPostgresOptions {
  /** postgres://user@host:port/db — the ledger's database. */
  url: string;
  /** The schema holding the tables (PAYMENTS_DATABASE_SCHEMA), default "smartapp_payments"; created when missing. */
  schema?: string;
  /** Connections in the pool; each store has its own default. */
  poolSize?: number;
}

/** The schema name, checked: it is spliced into SQL, so only a plain lower-case identifier passes. */
export function paymentsSchema(schema: string = DEFAULT_PAYMENTS_SCHEMA): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`payments schema "${schema}": use lower-case letters, digits and _`);
  return schema;
}

/** A pool that survives a dropped idle connection: the next query opens another. */
export function paymentsPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => undefined);
  return pool;
}

/**
 * Creates the schema when missing, then runs `ddl` (idempotent CREATE … IF NOT EXISTS) inside the
 * caller's transaction `c`, holding the schema's advisory lock: two processes starting at once must
 * not race on CREATE SCHEMA / TABLE, and every store of the schema takes the same lock, since each
 * of them may be the first to create it.
 */
export async function createInSchema(c: Pick<pg.PoolClient, "query">, schema: string, ddl: string): Promise<void> {
  await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`smartapp-payments:${schema}`]);
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema};\n${ddl}`);
}

/** `createInSchema` in a transaction of its own, for the stores that have no transaction helper. */
export async function migrateSchema(pool: pg.Pool, schema: string, ddl: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await createInSchema(c, schema, ddl);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * A store's schema creation: started with the store, awaited by every query. One that failed (the
 * database was down or missing at start) is run again by the next query, never kept failed for the
 * life of the process.
 */
export class SchemaSetup {
  private done: Promise<void>;

  constructor(private readonly run: () => Promise<void>) {
    this.done = run();
    this.done.catch(() => undefined); // awaited by the first query; not an unhandled rejection meanwhile
  }

  /** Resolves once the schema exists, trying again after a failed run. */
  ready(): Promise<void> {
    return this.done.catch(() => (this.done = this.run()));
  }

  /** Waits out a run in flight (closing must not end the pool under it); its failure is not closing's. */
  settled(): Promise<void> {
    return this.done.catch(() => undefined);
  }
}
