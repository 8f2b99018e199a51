// SmartPay wire types (spec smartapp-api.md §5). Money is integer kopecks; ids are strings once parsed.

/** A SmartPay invoice's status, in the order a payment usually goes through them. */
export type InvoiceStatus = "created" | "executed" | "paid" | "confirmed" | "cancelled" | "reversed" | "refunded";

/** Every InvoiceStatus, to check a status SmartPay answered. */
export const INVOICE_STATUSES: readonly InvoiceStatus[] = ["created", "executed", "paid", "confirmed", "cancelled", "reversed", "refunded"];

/** A named parameter of an invoice or an item (SmartPay's key/value pairs). */
export interface KeyValue {
  key: string;
  value: string;
}

/** One item of an order's bundle: what is sold, how many, at what price and tax. */
export interface OrderBundleItem {
  position_id: number;
  name: string;
  item_params?: KeyValue[];
  quantity: { value: number; measure: string };
  item_amount: number;
  currency: string;
  item_code: string;
  item_price: number;
  discount_type?: string;
  discount_value?: number;
  interest_type?: string;
  interest_value?: number;
  tax_type: number;
  tax_sum?: number;
  image?: unknown;
}

/** The order an invoice is for: ids, amount in kopecks, currency, purpose and its items. */
export interface Order {
  order_id: string;
  order_number?: string | number;
  order_date?: string;
  service_id: string;
  amount: number;
  currency: string;
  purpose: string;
  description: string;
  language: string;
  expiration_date?: string;
  autocompletion_date?: string;
  tax_system: number;
  order_bundle?: OrderBundleItem[];
}

/** A SmartPay invoice: the order and who pays it. */
export interface Invoice {
  purchaser?: { email?: string; phone?: string; contact?: string };
  delivery_info?: { address: { country: string; city: string; address: string }; delivery_type: string; description?: string };
  invoice_params?: KeyValue[];
  order: Order;
}

/** The body of POST /invoices. */
export interface CreateInvoiceRequest {
  ptype?: 0 | 1;
  user_id?: Record<string, string>;
  invoice: Invoice;
}

/** The `error` block every answer carries; `error_code` is "0" on success. */
export interface ErrorBlock {
  error_code: string;
  user_message?: string;
  error_description?: string;
  /** The original array when SmartPay sent `error_description` as JSON-schema errors (§5.3 quirk). */
  details?: unknown[];
}

/** SmartPay's answer to POST /invoices. */
export interface CreateInvoiceResponse {
  invoice_id: string;
  error: ErrorBlock;
  [field: string]: unknown;
}

/** GET /invoices (the shape is [Inf]: invoices as GET /invoices/{id} gives them, with paging). */
export interface InvoiceListResponse {
  invoices: InvoiceStatusResponse[];
  page: number;
  size: number;
  total: number;
  error: ErrorBlock;
  [field: string]: unknown;
}

/** SmartPay's answer to GET /invoices/{id}: the status and the invoice as it stands. */
export interface InvoiceStatusResponse {
  invoice_id: string;
  invoice_date?: string;
  invoice_status: InvoiceStatus | string;
  invoice?: Invoice;
  payment_info?: Record<string, unknown>;
  form_url?: string;
  error: ErrorBlock;
  [field: string]: unknown;
}

/** The body of the call that starts paying an invoice. */
export interface StartPaymentRequest {
  user_id?: Record<string, string>;
  operations?: { operation: string; code: string; value?: string }[];
  device_info?: Record<string, string>;
  return_url?: string;
  fail_url?: string;
}

/** SmartPay's answer when a payment starts: the form the payer pays on, if any. */
export interface StartPaymentResponse {
  invoice_id: string;
  form_url?: string;
  error: ErrorBlock;
  [field: string]: unknown;
}

/** PUT body: a partial confirmation names the captured amount (and optionally the bundle). */
export interface ConfirmRequest {
  invoice: { order: { amount: number; currency: string; order_bundle?: Partial<OrderBundleItem>[] } };
}

/** PATCH body (§5.7). */
export interface RefundRequest {
  invoice: { order: { current_amount: number; refund_amount: number; currency: string; order_bundle: Partial<OrderBundleItem>[] } }; // the docs require the bundle
}

/** An answer that carries only SmartPay's error block (confirm, reverse, refund). */
export interface ErrorOnlyResponse {
  error: ErrorBlock;
  [field: string]: unknown;
}

/** An item of the SmartStore catalogue. */
export interface SmartStoreItem {
  item_code: string;
  name?: string;
  quantities: { quantity_value: number; measure?: string };
  [field: string]: unknown;
}

/** SmartStore's answer to a list of items, one page at a time. */
export interface SmartStoreListResponse {
  success: boolean;
  message: string;
  items: SmartStoreItem[];
  page?: number;
  size?: number;
  total?: number;
  [field: string]: unknown;
}

/** SmartStore's answer for one item. */
export interface SmartStoreItemResponse extends SmartStoreItem {
  success: boolean;
  message: string;
}

/** Identifies the buyer and pages the SmartStore list. The query names are [Inf] (§5.10). */
export interface UserItemsParams {
  userId: string;
  serviceId?: string;
  page?: number | string;
  size?: number | string;
  sort?: "ASC" | "DESC" | string;
  sortField?: string;
}
