// The SQLite ledger under `serve --processes`: the dispatcher's claim every 500 ms never waits in
// SQLite's busy handler on the main thread (docs/payments.md, "Stores").
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SQLITE_BUSY_TIMEOUT_MS } from "../../util/sqlite.js";
import { PaymentStore } from "./store.js";

const T0 = "2026-01-01T10:00:00.000Z";

describe("PaymentStore.claimDueEvents beside another process's write", () => {
  const dirs: string[] = [];
  const closing: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const setup = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ledger-busy-"));
    dirs.push(dir);
    const file = path.join(dir, "payments.sqlite");
    const store = new PaymentStore(file);
    // "Another process": a second connection to the file, its own write transaction open.
    const other = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    closing.push(store, other);
    return { store, other };
  };

  it("claims nothing at once while the file is locked, and the event at a later round", async () => {
    const { store, other } = setup();
    const n = { id: randomUUID(), attemptId: randomUUID(), userKey: "u", provider: "smartpay" as const, account: "27", orderId: randomUUID(), amount: { minor: 100, currency: "RUB" }, description: "x" };
    const { invoice, attempt } = await store.beginInvoice(n, T0);
    await store.applyPlan(invoice, attempt, { ledger: [], events: [{ key: `${invoice.id}:e`, name: "payment.succeeded", payload: {} }] }, T0);
    const now = Date.parse(T0);
    other.exec("BEGIN IMMEDIATE");
    // Without the change this waited 5 s in the busy handler on this thread, then threw SQLITE_BUSY.
    expect(await store.claimDueEvents(now, 60_000)).toEqual([]);
    other.exec("COMMIT");
    expect((await store.claimDueEvents(now, 60_000)).map((e) => e.name)).toEqual(["payment.succeeded"]);
    // The store's other writes wait for locks as before.
    expect(store["db"].pragma("busy_timeout", { simple: true })).toBe(SQLITE_BUSY_TIMEOUT_MS);
  }, 30_000);

  it("takes no write lock when nothing is due", async () => {
    const { store, other } = setup();
    other.exec("BEGIN IMMEDIATE");
    expect(await store.claimDueEvents(Date.parse(T0), 60_000)).toEqual([]);
    other.exec("COMMIT");
  }, 30_000);
});
