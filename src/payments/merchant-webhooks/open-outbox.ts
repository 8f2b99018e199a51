// Where the merchant outbox lives (docs/yookassa.md, "Where the outbox lives"): beside the ledger.
// A SQLite ledger keeps it in a SQLite file of the same host; a PostgreSQL or Redis ledger keeps it
// in the same database, so every process serving the project shares one outbox.
import type { LedgerStoreConfig } from "../core/open-store.js";
import { MerchantOutbox } from "./outbox.js";
import { PostgresMerchantOutbox } from "./outbox-postgres.js";
import { RedisMerchantOutbox } from "./outbox-redis.js";
import type { MerchantOutboxStore } from "./outbox-types.js";

/** `file` is the SQLite outbox's file, used when the ledger is SQLite (or not given). */
export function openMerchantOutbox(ledger: LedgerStoreConfig | undefined, file: string): MerchantOutboxStore {
  switch (ledger?.kind) {
    case "postgres":
      return new PostgresMerchantOutbox({ url: ledger.url, schema: ledger.schema });
    case "redis":
      return new RedisMerchantOutbox({ url: ledger.url, prefix: ledger.prefix });
    default:
      return new MerchantOutbox(file);
  }
}
