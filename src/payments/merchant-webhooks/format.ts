// The bot-platform payment notification sent to a merchant's URL (docs/yookassa.md, "Outgoing
// notifications to the merchant"): the seed-000 fields, plus extension fields old receivers ignore.
/** A payment's state as the merchant's notification names it. */
export type MerchantState = "pending" | "waiting_for_capture" | "succeeded" | "canceled";
/** The states after which no more notifications of a payment come. */
export const FINAL_STATES: ReadonlySet<MerchantState> = new Set(["succeeded", "canceled"]);

/** The body of a notification to the merchant. */
export interface MerchantNotification {
  id: number; // our payment number: the same for every state of one payment
  provider: string; // "yandex_kassa" for YooKassa, as the seed names it
  provider_id: string; // the provider's payment id
  currency: string;
  amount: number; // minor units
  state: MerchantState;
  created_at: number; // unix seconds of this state
  payload: unknown; // the provider's notification; null for pending (YooKassa has no such event)
  order: { name: string; description: string; amount: number }[]; // amount in major units, as the seed has it
  contact: { id: number | string; name?: string; messenger?: string; phone?: string };
  // extensions
  event_id: string; // one per (payment, state): the receiver's dedup key
  payment_uuid: string;
  state_changed_at: string; // ISO time
}
