// An IMSHOP order's receipt (54-FZ, in YooKassa's shape, as `$imshop.registerOrder` takes it) as
// SmartPay's `order_bundle` and `tax_system` (docs/payments.md, "SmartPay as the acquirer"). SmartPay
// requires both; an order without a receipt, or with a VAT rate SmartPay has no code for, is refused
// with the reason rather than sent with guessed taxes.
import type { OrderBundleItem } from "../smartpay/types.js";

// YooKassa vat_code → SmartPay tax_type (the seeds' tables): 1 none→0, 2 0%→1, 3 10%→2, 4 20%→6,
// 5 10/110→4, 6 20/120→7. YooKassa's 7–10 (5%, 7%, 5/105, 7/107) have no SmartPay code.
const TAX_TYPE: Record<number, number> = { 1: 0, 2: 1, 3: 2, 4: 6, 5: 4, 6: 7 };

/** The order's items and tax system as SmartPay takes them, or why the receipt cannot become them. */
export type BundleResult = { ok: true; bundle: OrderBundleItem[]; taxSystem: number } | { ok: false; error: string };

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * An order's 54-FZ receipt as SmartPay's order_bundle and tax_system; refused with the reason rather than
 * sent with guessed taxes.
 */
export function bundleFromReceipt(receipt: unknown, amountMinor: number, currency: string): BundleResult {
  const r = obj(receipt);
  if (!r) return { ok: false, error: "SmartPay needs the order's items with their taxes: register the order with a receipt {tax_system_code, items: [{description, quantity, amount: {value, currency}, vat_code}]}" };
  if (currency !== "RUB") return { ok: false, error: `SmartPay takes RUB only, the order is in ${currency}` };
  const code = r.tax_system_code;
  if (typeof code !== "number" || !Number.isInteger(code) || code < 1 || code > 6) return { ok: false, error: "receipt.tax_system_code (1–6) is required for SmartPay (its tax_system is the code less one)" };
  const items = Array.isArray(r.items) ? r.items : [];
  if (items.length === 0) return { ok: false, error: "receipt.items: at least one item is required for SmartPay" };
  const bundle: OrderBundleItem[] = [];
  for (const [i, raw] of items.entries()) {
    const at = `receipt.items[${i}]`;
    const it = obj(raw);
    const amount = obj(it?.amount);
    const quantity = Number(it?.quantity);
    const price = Math.round(Number(amount?.value) * 100);
    if (!it || typeof it.description !== "string" || it.description === "") return { ok: false, error: `${at}.description is required` };
    if (!(quantity > 0)) return { ok: false, error: `${at}.quantity must be a positive number` };
    if (!Number.isInteger(price) || price < 0) return { ok: false, error: `${at}.amount.value must be a price in rubles, e.g. "100.00"` };
    if (amount?.currency !== undefined && amount.currency !== "RUB") return { ok: false, error: `${at}.amount.currency: SmartPay takes RUB only` };
    const taxType = TAX_TYPE[Number(it.vat_code)];
    if (taxType === undefined) return { ok: false, error: `${at}.vat_code ${String(it.vat_code)} has no SmartPay tax_type (1–6 have one: none, 0%, 10%, 20%, 10/110, 20/120)` };
    bundle.push({
      position_id: i + 1,
      name: it.description,
      quantity: { value: quantity, measure: typeof it.measure === "string" && it.measure !== "" ? it.measure : "шт" },
      item_amount: Math.round(price * quantity),
      currency: "RUB",
      item_code: String(i + 1),
      item_price: price,
      tax_type: taxType,
    });
  }
  const sum = bundle.reduce((n, b) => n + b.item_amount, 0);
  if (sum !== amountMinor) return { ok: false, error: `receipt items sum to ${sum} kopecks, the order is ${amountMinor}: SmartPay requires them equal` };
  return { ok: true, bundle, taxSystem: code - 1 };
}
