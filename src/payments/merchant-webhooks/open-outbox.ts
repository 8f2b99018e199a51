// Where an outbox of signed POSTs lives (docs/yookassa.md, "Where the outbox lives"): beside the
// ledger. A SQLite ledger keeps it in a SQLite file of the same host; a PostgreSQL or Redis ledger
// keeps it in the same database, so every process serving the project shares one outbox, and a
// row queued by a process that dies is delivered by another.
import type { LedgerStoreConfig } from "../core/open-store.js";
import { MerchantOutbox } from "./outbox.js";
import { PostgresMerchantOutbox } from "./outbox-postgres.js";
import { RedisMerchantOutbox } from "./outbox-redis.js";
import type { MerchantOutboxStore } from "./outbox-types.js";

/**
 * The streams that share the outbox's code, each kept apart in its own table (PostgreSQL), key
 * namespace (Redis) or file (SQLite): they have their own dispatcher, URL and secret, so a stream
 * can never claim, count or redeliver the other's rows (docs/payments.md, "Where the orders and
 * sync statuses live").
 */
export const OUTBOX_STREAMS = {
  /** YooKassa payments' states to the merchant's URL (docs/yookassa.md). */
  merchant: { table: "merchant_webhooks", namespace: "merchant:" },
  /** Webhook acquiring's statuses of `pending` captures to the app platform's sync URL (docs/payments.md). */
  imshopSync: { table: "imshop_sync", namespace: "imshop-sync:" },
} as const;

/** One of OUTBOX_STREAMS. */
export type OutboxStream = keyof typeof OUTBOX_STREAMS;

/** `file` is the SQLite outbox's file, used when the ledger is SQLite (or not given). */
export function openMerchantOutbox(ledger: LedgerStoreConfig | undefined, file: string, stream: OutboxStream = "merchant"): MerchantOutboxStore {
  const { table, namespace } = OUTBOX_STREAMS[stream];
  switch (ledger?.kind) {
    case "postgres":
      return new PostgresMerchantOutbox({ url: ledger.url, schema: ledger.schema, table });
    case "redis":
      return new RedisMerchantOutbox({ url: ledger.url, prefix: ledger.prefix, namespace });
    default:
      return new MerchantOutbox(file);
  }
}
