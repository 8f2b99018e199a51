// Child process for the racing-open test: waits for a shared start time, then opens every SQLite
// file a served project opens (sessions, ledger, merchant outbox, webhook acquiring, sandbox) in
// one folder, and prints "ok" or the error that a start would have died of.
import path from "node:path";
import { PaymentStore } from "../../payments/core/store.js";
import { ImshopStore } from "../../payments/imshop/store.js";
import { MerchantOutbox } from "../../payments/merchant-webhooks/outbox.js";
import { InvoiceStore } from "../../payments/sandbox/store.js";
import { SqliteStore } from "../../storage/sqlite.js";

const [dir, startAt] = process.argv.slice(2);
if (!dir || !startAt) throw new Error("usage: sqlite-opener.ts <folder> <start time, ms>");
while (Date.now() < Number(startAt)) {
  // everyone starts at once, however long each took to load
}
try {
  new SqliteStore({ path: path.join(dir, "sessions.db") });
  new PaymentStore(path.join(dir, "payments.db"));
  new MerchantOutbox(path.join(dir, "merchant-notifications.db"));
  new ImshopStore(path.join(dir, "imshop.db"));
  new InvoiceStore(path.join(dir, "sandbox.db"));
  process.stdout.write("ok\n");
} catch (err) {
  process.stdout.write(`${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}\n`);
}
