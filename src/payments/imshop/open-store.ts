// Where webhook acquiring keeps its orders and pending captures (docs/payments.md, "Webhook acquiring
// for shop apps"): beside the ledger, as the outboxes are. A SQLite ledger keeps them in a SQLite
// file of the same host; a PostgreSQL or Redis ledger in the same database, so every process
// serving the shop sees every order.
import type { LedgerStoreConfig } from "../core/open-store.js";
import { ImshopStore, type ImshopOrders } from "./store.js";
import { PostgresImshopStore } from "./store-postgres.js";
import { RedisImshopStore } from "./store-redis.js";

/** `file` is the SQLite store's file, used when the ledger is SQLite (or not given). */
export function openImshopOrders(ledger: LedgerStoreConfig | undefined, file: string): ImshopOrders {
  switch (ledger?.kind) {
    case "postgres":
      return new PostgresImshopStore({ url: ledger.url, schema: ledger.schema });
    case "redis":
      return new RedisImshopStore({ url: ledger.url, prefix: ledger.prefix });
    default:
      return new ImshopStore(file);
  }
}
