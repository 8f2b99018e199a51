// YooKassa API v3 shapes (docs/yookassa.md). Only the fields the runtime writes or reads are typed;
// answers keep every other field as it came (YooKassa adds fields over time).

export interface Amount {
  value: string; // decimal string with 2 places, e.g. "900.00"
  currency: string; // ISO 4217, e.g. "RUB"
}

export type PaymentStatus = "pending" | "waiting_for_capture" | "succeeded" | "canceled";
export type RefundStatus = "pending" | "succeeded" | "canceled";
export type NotificationEvent = "payment.waiting_for_capture" | "payment.succeeded" | "payment.canceled" | "refund.succeeded";

export const PAYMENT_MODES = ["full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment", "credit", "credit_payment"] as const;
export const PAYMENT_SUBJECTS = [
  "commodity", "excise", "job", "service", "payment", "gambling_bet", "gambling_prize", "lottery", "lottery_prize",
  "intellectual_activity", "agent_commission", "composite", "property_right", "non_operating_gain", "insurance_premium",
  "sales_tax", "resort_fee", "another", "marked", "non_marked", "marked_excise", "non_marked_excise", "fine", "tax", "lien",
  "cost", "casino", "pension_insurance_without_payouts", "pension_insurance_with_payouts", "health_insurance_without_payouts",
  "health_insurance_with_payouts", "health_insurance",
] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];
export type PaymentSubject = (typeof PAYMENT_SUBJECTS)[number];

export interface ReceiptCustomer {
  full_name?: string;
  inn?: string;
  email?: string;
  phone?: string; // digits without "+", e.g. 79000000000
}

export interface ReceiptItem {
  description: string;
  quantity: number | string;
  amount: Amount; // price per unit
  vat_code: number; // 1–10
  payment_mode?: PaymentMode;
  payment_subject?: PaymentSubject;
  measure?: string;
}

export interface Receipt {
  customer?: ReceiptCustomer;
  items: ReceiptItem[];
  tax_system_code?: number; // 1–6
}

export interface RedirectConfirmationRequest {
  type: "redirect";
  return_url: string;
  locale?: string;
}

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

export interface CaptureRequest {
  amount?: Amount;
  receipt?: Receipt;
}

export interface CreateRefundRequest {
  payment_id: string;
  amount: Amount;
  description?: string;
  receipt?: Receipt;
  metadata?: Record<string, string>;
}

export interface CancellationDetails {
  party: string; // merchant | yoo_money | payment_network
  reason: string;
}

export interface PaymentMethod {
  type: string;
  id: string;
  saved: boolean;
  title?: string;
  card?: { first6?: string; last4: string; expiry_month: string; expiry_year: string; card_type: string };
  [field: string]: unknown;
}

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

export interface List<T> {
  type: "list";
  items: T[];
  next_cursor?: string;
}

export interface PaymentListFilter {
  "created_at.gte"?: string;
  "created_at.gt"?: string;
  "created_at.lte"?: string;
  "created_at.lt"?: string;
  status?: PaymentStatus;
  limit?: number; // 1–100, default 10
  cursor?: string;
}

export interface RefundListFilter {
  payment_id?: string;
  "created_at.gte"?: string;
  "created_at.lt"?: string;
  status?: RefundStatus;
  limit?: number;
  cursor?: string;
}

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

export interface ErrorBody {
  type: "error";
  id?: string;
  code: string;
  description?: string;
  parameter?: string;
}
