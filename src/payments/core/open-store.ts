// Which ledger store a deployment uses (docs/payments.md, "Stores"): chosen once by the CLI's config
// (`--payments-store`, PAYMENTS_DATABASE_URL) and passed down here.
import { PaymentStore } from "./store.js";
import { PostgresLedgerStore } from "./store-postgres.js";
import { RedisLedgerStore } from "./store-redis.js";
import type { LedgerStore } from "./store-types.js";

/** Which ledger store to open and where. */
export type LedgerStoreConfig =
  | { kind: "sqlite"; file: string }
  | { kind: "redis"; url: string; prefix?: string }
  | { kind: "postgres"; url: string; schema?: string };

/** Opens the ledger store the configuration names. */
export function openLedgerStore(config: LedgerStoreConfig): LedgerStore {
  switch (config.kind) {
    case "sqlite":
      return new PaymentStore(config.file);
    case "redis":
      return new RedisLedgerStore({ url: config.url, prefix: config.prefix });
    case "postgres":
      return new PostgresLedgerStore({ url: config.url, schema: config.schema });
  }
}
