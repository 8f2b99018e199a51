// YooKassa API v3 shapes (docs/yookassa.md). Only the fields the runtime writes or reads are typed;
// answers keep every other field as it came (YooKassa adds fields over time).

/** A sum of money as YooKassa's API writes it: a decimal string and a currency. */
export interface Amount {
  value: string; // decimal string with 2 places, e.g. "900.00"
  currency: string; // ISO 4217, e.g. "RUB"
}

/** A YooKassa payment's status; `succeeded` and `canceled` are final. */
export type PaymentStatus = "pending" | "waiting_for_capture" | "succeeded" | "canceled";
/** A YooKassa refund's status. */
export type RefundStatus = "pending" | "succeeded" | "canceled";
/** The events YooKassa notifies a shop of (the ones this runtime subscribes to). */
export type NotificationEvent = "payment.waiting_for_capture" | "payment.succeeded" | "payment.canceled" | "refund.succeeded";

/** A receipt item's `payment_mode` values (54-FZ), as YooKassa accepts them. */
export const PAYMENT_MODES = ["full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment", "credit", "credit_payment"] as const;
/** A receipt item's `payment_subject` values (54-FZ), as YooKassa accepts them. */
export const PAYMENT_SUBJECTS = [
  "commodity", "excise", "job", "service", "payment", "gambling_bet", "gambling_prize", "lottery", "lottery_prize",
  "intellectual_activity", "agent_commission", "composite", "property_right", "non_operating_gain", "insurance_premium",
  "sales_tax", "resort_fee", "another", "marked", "non_marked", "marked_excise", "non_marked_excise", "fine", "tax", "lien",
  "cost", "casino", "pension_insurance_without_payouts", "pension_insurance_with_payouts", "health_insurance_without_payouts",
  "health_insurance_with_payouts", "health_insurance",
] as const;
/** One of PAYMENT_MODES. */
export type PaymentMode = (typeof PAYMENT_MODES)[number];
/** One of PAYMENT_SUBJECTS. */
export type PaymentSubject = (typeof PAYMENT_SUBJECTS)[number];

/** Who the receipt is for: a name or INN, and an email or phone to send it to. */
export interface ReceiptCustomer {
  full_name?: string;
  inn?: string;
  email?: string;
  phone?: string; // digits without "+", e.g. 79000000000
}

/** One line of a receipt: what was sold, how many, at what price and VAT code. */
export interface ReceiptItem {
  description: string;
  quantity: number | string;
  amount: Amount; // price per unit
  vat_code: number; // 1–10
  payment_mode?: PaymentMode;
  payment_subject?: PaymentSubject;
  measure?: string;
}

/** A fiscal receipt sent with a payment, capture or refund (54-FZ). */
export interface Receipt {
  customer?: ReceiptCustomer;
  items: ReceiptItem[];
  tax_system_code?: number; // 1–6
}

/** Pay on YooKassa's page: the payer is redirected there and back to `return_url`. */
export interface RedirectConfirmationRequest {
  type: "redirect";
  return_url: string;
  locale?: string;
}

/** The body of POST /payments. */
export interface CreatePaymentRequest {
  amount: Amount;
  capture?: boolean; // send it always: absent means two-stage
  confirmation?: RedirectConfirmationRequest;
  description?: string;
  metadata?: Record<string, string>;
  receipt?: Receipt;
  save_payment_method?: boolean;
  payment_method_id?: string;
  payment_method_data?: { type: string };
  client_ip?: string;
  merchant_customer_id?: string;
}

/** The body of POST /payments/{id}/capture: the amount to take (default all) and its receipt. */
export interface CaptureRequest {
  amount?: Amount;
  receipt?: Receipt;
}

/** The body of POST /refunds. */
export interface CreateRefundRequest {
  payment_id: string;
  amount: Amount;
  description?: string;
  receipt?: Receipt;
  metadata?: Record<string, string>;
}

/** Why a payment was canceled and by whom. */
export interface CancellationDetails {
  party: string; // merchant | yoo_money | payment_network
  reason: string;
}

/** How the payer paid (card, wallet…), and whether the method was saved for later payments. */
export interface PaymentMethod {
  type: string;
  id: string;
  saved: boolean;
  title?: string;
  card?: { first6?: string; last4: string; expiry_month: string; expiry_year: string; card_type: string };
  [field: string]: unknown;
}

/** A payment object as YooKassa returns it. */
export interface Payment {
  id: string;
  status: PaymentStatus;
  paid: boolean;
  amount: Amount;
  income_amount?: Amount;
  description?: string;
  recipient?: { account_id: string; gateway_id: string };
  payment_method?: PaymentMethod;
  created_at: string;
  captured_at?: string;
  expires_at?: string;
  confirmation?: { type: string; confirmation_url?: string; return_url?: string };
  test: boolean;
  refunded_amount?: Amount;
  refundable: boolean;
  receipt_registration?: "pending" | "succeeded" | "canceled";
  metadata?: Record<string, string>;
  cancellation_details?: CancellationDetails;
  merchant_customer_id?: string;
  [field: string]: unknown;
}

/** A refund object as YooKassa returns it. */
export interface Refund {
  id: string;
  payment_id: string;
  status: RefundStatus;
  amount: Amount;
  created_at: string;
  description?: string;
  receipt_registration?: "pending" | "succeeded" | "canceled";
  cancellation_details?: CancellationDetails;
  metadata?: Record<string, string>;
  [field: string]: unknown;
}

/** One page of a YooKassa list; `next_cursor` asks for the next one. */
export interface List<T> {
  type: "list";
  items: T[];
  next_cursor?: string;
}

/** The query of GET /payments. */
export interface PaymentListFilter {
  "created_at.gte"?: string;
  "created_at.gt"?: string;
  "created_at.lte"?: string;
  "created_at.lt"?: string;
  status?: PaymentStatus;
  limit?: number; // 1–100, default 10
  cursor?: string;
}

/** The query of GET /refunds. */
export interface RefundListFilter {
  payment_id?: string;
  "created_at.gte"?: string;
  "created_at.lt"?: string;
  status?: RefundStatus;
  limit?: number;
  cursor?: string;
}

/** The body of a notification YooKassa POSTs to the shop. */
export interface Notification {
  type: "notification";
  event: NotificationEvent;
  object: Payment | Refund;
}

/** The documented `code` values of an error body, plus what the client reports when no body came. */
export type YooKassaErrorCode =
  | "invalid_request"
  | "not_supported"
  | "invalid_credentials"
  | "forbidden"
  | "not_found"
  | "too_many_requests"
  | "internal_server_error"
  | "processing" // 202 "still processing" that outlived the retries
  | "timeout" // no answer in time: outcome unknown
  | "network" // connection failed: outcome unknown
  | "malformed_response"
  | "unexpected_status"; // 405, 415 and anything undocumented: a bug on our side

/** YooKassa's error answer. */
export interface ErrorBody {
  type: "error";
  id?: string;
  code: string;
  description?: string;
  parameter?: string;
}
