// Shared test data: a valid one-stage invoice request.
import type { CreateInvoiceRequest, OrderBundleItem } from "./smartpay/types.js";

let seq = 0;

/** An order item for tests, with fields overridden. */
export function item(over: Partial<OrderBundleItem> = {}): OrderBundleItem {
  return {
    position_id: 1,
    name: "Транзистор",
    quantity: { value: 1, measure: "шт." },
    item_amount: 79900,
    currency: "RUB",
    item_code: "sku-1",
    item_price: 79900,
    tax_type: 6,
    ...over,
  };
}

/** A create-invoice request for tests, one item by default. */
export function invoiceRequest(over: { orderId?: string; serviceId?: string; items?: OrderBundleItem[]; ptype?: 0 | 1; userId?: string; expiration?: string } = {}): CreateInvoiceRequest {
  const items = over.items ?? [item()];
  return {
    ptype: over.ptype ?? 0,
    ...(over.userId ? { user_id: { partner_client_id: over.userId } } : {}),
    invoice: {
      order: {
        order_id: over.orderId ?? `order-${process.pid}-${++seq}`,
        order_date: "2021-04-07T08:24:37.729Z",
        service_id: over.serviceId ?? "13",
        amount: items.reduce((s, i) => s + i.item_amount, 0),
        currency: "RUB",
        purpose: "ООО Ромашка",
        description: "Заказ № 1952",
        language: "ru-RU",
        tax_system: 0,
        ...(over.expiration ? { expiration_date: over.expiration } : {}),
        order_bundle: items,
      },
    },
  };
}
