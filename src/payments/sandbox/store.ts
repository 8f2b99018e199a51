// SQLite persistence for sandbox invoices (a file survives restarts; ":memory:" for tests).
import type Database from "better-sqlite3";
import { addMissingColumns, openSqlite } from "../../util/sqlite.js";
import type { CreateInvoiceRequest, InvoiceStatus } from "../smartpay/types.js";
import type { InvoiceContext } from "./machine.js";

/** A refund the sandbox recorded. */
export interface RefundRecord {
  amount: number;
  at: string;
  items?: { item_code: string; quantity: number }[];
}

/** A sandbox invoice as stored: ids, status, money, the request it was made from and its refunds. */
export interface InvoiceRecord {
  id: string;
  serviceId: string;
  orderId: string;
  status: InvoiceStatus;
  context: InvoiceContext;
  invoiceDate: string; // ISO
  expiresAt: number; // Unix ms
  autocompleteAt?: number;
  userId?: string; // who bought it (SmartStore key)
  request: CreateInvoiceRequest;
  paymentInfo?: Record<string, unknown>;
  refunds: RefundRecord[];
}

interface Row {
  id: number;
  service_id: string;
  order_id: string;
  status: string;
  context: string;
  invoice_date: string;
  expires_at: number;
  autocomplete_at: number | null;
  user_id: string | null;
  request: string;
  payment_info: string | null;
  refunds: string;
}

const fromRow = (r: Row): InvoiceRecord => ({
  id: String(r.id),
  serviceId: r.service_id,
  orderId: r.order_id,
  status: r.status as InvoiceStatus,
  context: JSON.parse(r.context) as InvoiceContext,
  invoiceDate: r.invoice_date,
  expiresAt: r.expires_at,
  autocompleteAt: r.autocomplete_at ?? undefined,
  userId: r.user_id ?? undefined,
  request: JSON.parse(r.request) as CreateInvoiceRequest,
  paymentInfo: r.payment_info ? (JSON.parse(r.payment_info) as Record<string, unknown>) : undefined,
  refunds: JSON.parse(r.refunds) as RefundRecord[],
});

/** The sandbox's invoices in SQLite. */
export class InvoiceStore {
  private readonly db: Database.Database;

  constructor(path = ":memory:") {
    // A sandbox's records are test data: NORMAL is durable enough, and a second process may race the setup.
    this.db = openSqlite(path, { synchronous: "NORMAL", setup: createTables });
  }

  insert(rec: Omit<InvoiceRecord, "id" | "refunds">): InvoiceRecord {
    const info = this.db
      .prepare(
        `INSERT INTO invoices (service_id, order_id, status, context, invoice_date, expires_at, autocomplete_at, user_id, request)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(rec.serviceId, rec.orderId, rec.status, JSON.stringify(rec.context), rec.invoiceDate, rec.expiresAt, rec.autocompleteAt ?? null, rec.userId ?? null, JSON.stringify(rec.request));
    return this.get(String(info.lastInsertRowid))!;
  }

  get(id: string): InvoiceRecord | undefined {
    if (!/^\d+$/.test(id)) return undefined;
    const row = this.db.prepare("SELECT * FROM invoices WHERE id = ?").get(Number(id)) as Row | undefined;
    return row && fromRow(row);
  }

  findByOrder(serviceId: string, orderId: string): InvoiceRecord | undefined {
    const row = this.db.prepare("SELECT * FROM invoices WHERE service_id = ? AND order_id = ?").get(serviceId, orderId) as Row | undefined;
    return row && fromRow(row);
  }

  setOwner(id: string, owner: string): void {
    this.db.prepare("UPDATE invoices SET owner = COALESCE(owner, ?) WHERE id = ?").run(owner, Number(id));
  }

  ownerOf(id: string): string | undefined {
    if (!/^\d+$/.test(id)) return undefined;
    const row = this.db.prepare("SELECT owner FROM invoices WHERE id = ?").get(Number(id)) as { owner: string | null } | undefined;
    return row?.owner ?? undefined;
  }

  update(rec: InvoiceRecord): void {
    this.db
      .prepare("UPDATE invoices SET status = ?, context = ?, user_id = ?, payment_info = ?, refunds = ? WHERE id = ?")
      .run(rec.status, JSON.stringify(rec.context), rec.userId ?? null, rec.paymentInfo ? JSON.stringify(rec.paymentInfo) : null, JSON.stringify(rec.refunds), Number(rec.id));
  }

  list(filter: { status?: string; userId?: string; serviceId?: string } = {}): InvoiceRecord[] {
    const columns = { status: filter.status, user_id: filter.userId, service_id: filter.serviceId };
    const used = Object.entries(columns).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "");
    const where = used.map(([col]) => `${col} = ?`);
    const args = used.map(([, v]) => v);
    const sql = `SELECT * FROM invoices${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  /** Ids of invoices whose timers may have fired: created past expiry, or holds past autocompletion. */
  due(now: number, executedTimeoutMs = Infinity): string[] {
    const rows = this.db
      .prepare(
        "SELECT id FROM invoices WHERE (status = 'created' AND expires_at <= ?) OR (status = 'paid' AND autocomplete_at IS NOT NULL AND autocomplete_at <= ?) OR (status = 'executed' AND expires_at <= ?)",
      )
      .all(now, now, now - (Number.isFinite(executedTimeoutMs) ? executedTimeoutMs : now)) as { id: number }[];
    return rows.map((r) => String(r.id));
  }

  clear(): void {
    this.db.exec("DELETE FROM invoices");
  }

  close(): void {
    this.db.close();
  }
}

/** The invoices table, and the changes made to it after the first release. */
function createTables(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    context TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    autocomplete_at INTEGER,
    user_id TEXT,
    request TEXT NOT NULL,
    payment_info TEXT,
    refunds TEXT NOT NULL DEFAULT '[]',
    UNIQUE (service_id, order_id)
  )`);
  // Which token made the invoice (a hash, never the token), for a sandbox scoped by token.
  addMissingColumns(db, "invoices", { owner: "TEXT" });
  // Invoice ids look like SmartPay's (docs examples use 3000-ish numbers).
  const seeded = db.prepare("SELECT 1 FROM sqlite_sequence WHERE name = 'invoices'").get();
  if (!seeded) db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('invoices', 2999)").run();
}
