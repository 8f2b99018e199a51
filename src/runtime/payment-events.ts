// How a payment event from the ledger's outbox reaches the user's dialog: one event turn per event,
// run through the executor like any turn (docs/payments.md, "Typed events into the dialog").
import type { TurnResult } from "../engine/types.js";
import type { PaymentEvent } from "../payments/core/model.js";
import type { RuntimeExecutor } from "./executor.js";
import { TurnRefusedError } from "../channels/types.js";
import { DeliveryDeferred } from "../payments/core/core.js";

/** When an event turn the server refused for being full is tried again. */
const DEFER_MS = 1000;

/**
 * A payment event as a typed event turn in the user's dialog (`event!: payment.succeeded`). The
 * event's key is the turn's messageId, committed with the state as a cached answer and in the state's
 * once-ids: an event whose delivery was cut short after the commit is not run twice when it is
 * retried, also after the cached answer expired (a restart longer than its TTL). Its replies reach
 * nobody (SmartApp has no push), so an error the turn reported goes to `log`: else a failing handler
 * would leave no trace. The event counts as delivered all the same: its turn ran and committed.
 */
export async function deliverPaymentEvent(executor: RuntimeExecutor | undefined, event: PaymentEvent, log?: (level: "warn", message: string) => void): Promise<TurnResult | undefined> {
  if (!executor) throw new Error("the runtime is starting");
  // The key (invoice uuid and status), not the ledger's row id: ids start again in a new ledger file.
  const messageId = `payment-event-${event.key}`;
  let outcome;
  try {
    outcome = await executor.run(event.userKey, { event: event.name, data: { eventData: event.payload }, channelUserId: event.userKey, questionId: messageId }, { messageId, once: true, render: () => "delivered" });
  } catch (err) {
    // Full for now (the pool's queue, the server's held turns, this user's waiting turns): nothing
    // ran; a failed delivery's growing pause (up to an hour) would outlast a flood by far.
    if (err instanceof TurnRefusedError) throw new DeliveryDeferred(`the event turn was refused for now: ${err.message}`, DEFER_MS);
    throw err;
  }
  if (outcome.cached) return undefined; // a repeat of a delivered event ran nothing
  const error = outcome.result.error;
  if (error && log) {
    const at = error.pos ? ` at ${error.pos.file}:${error.pos.line}:${error.pos.col}` : "";
    log("warn", `payment event ${event.name} of invoice ${event.invoiceId} (user ${event.userKey}): the scenario failed (${error.kind} error)${at}: ${error.message}`);
  }
  return outcome.result;
}
