// The invoice lifecycle of spec §5.5 as an xstate machine. The sandbox keeps only (status, context)
// in SQLite and replays one event at a time through the pure `transition` function.
import { assign, setup, transition } from "xstate";
import type { InvoiceStatus } from "../smartpay/types.js";

/** An invoice's money as the sandbox's state machine tracks it, in kopecks. */
export interface InvoiceContext {
  ptype: 0 | 1;
  amount: number; // the order amount, kopecks
  captured: number; // what the payer finally paid (0 until confirmed)
  refunded: number; // total refunded so far
}

/** What can happen to a sandbox invoice: the payer's, the bank's, the merchant's and the clock's moves. */
export type InvoiceEvent =
  | { type: "PAY_START" } // POST /invoices/{id}: the payer chose an instrument
  | { type: "SUCCESS" } // the bank approved: confirmed (one-stage) or paid (two-stage hold)
  | { type: "DECLINE" } // the bank declined or the payer abandoned the form
  | { type: "CANCEL" } // the payer cancelled before paying
  | { type: "EXPIRE" } // expiration_date passed while nobody paid
  | { type: "CONFIRM"; amount?: number } // PUT: capture a hold, maybe partly
  | { type: "AUTOCOMPLETE" } // autocompletion_date reached on a hold
  | { type: "REVERSE" } // DELETE: release a hold
  | { type: "REFUND"; amount: number }; // PATCH: partial or full refund

/** Every InvoiceEvent type, to check an event the admin hook is given. */
export const EVENT_TYPES: readonly InvoiceEvent["type"][] = ["PAY_START", "SUCCESS", "DECLINE", "CANCEL", "EXPIRE", "CONFIRM", "AUTOCOMPLETE", "REVERSE", "REFUND"];

const isPositiveInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;

/**
 * The SmartPay invoice lifecycle as an XState machine: which event is legal in which status, and what it does
 * to the money.
 */
export const invoiceMachine = setup({
  types: { context: {} as InvoiceContext, events: {} as InvoiceEvent, input: {} as { ptype: 0 | 1; amount: number } },
  guards: {
    oneStage: ({ context }) => context.ptype === 0,
    validCapture: ({ context, event }) => event.type === "CONFIRM" && (event.amount === undefined || (isPositiveInt(event.amount) && event.amount <= context.amount)),
    partialRefund: ({ context, event }) => event.type === "REFUND" && isPositiveInt(event.amount) && context.refunded + event.amount < context.captured,
    fullRefund: ({ context, event }) => event.type === "REFUND" && isPositiveInt(event.amount) && context.refunded + event.amount === context.captured,
  },
  actions: {
    captureAll: assign({ captured: ({ context }) => context.amount }),
    capture: assign({ captured: ({ context, event }) => (event.type === "CONFIRM" && event.amount !== undefined ? event.amount : context.amount) }),
    addRefund: assign({ refunded: ({ context, event }) => context.refunded + (event.type === "REFUND" ? event.amount : 0) }),
  },
}).createMachine({
  id: "invoice",
  initial: "created",
  context: ({ input }) => ({ ptype: input.ptype, amount: input.amount, captured: 0, refunded: 0 }),
  states: {
    created: {
      on: { PAY_START: "executed", CANCEL: "cancelled", EXPIRE: "cancelled" },
    },
    executed: {
      on: {
        SUCCESS: [{ guard: "oneStage", target: "confirmed", actions: "captureAll" }, { target: "paid" }],
        DECLINE: "cancelled",
        CANCEL: "cancelled",
      },
    },
    paid: {
      on: {
        CONFIRM: { guard: "validCapture", target: "confirmed", actions: "capture" },
        AUTOCOMPLETE: { target: "confirmed", actions: "captureAll" },
        REVERSE: "reversed",
      },
    },
    confirmed: {
      on: {
        REFUND: [
          { guard: "fullRefund", target: "refunded", actions: "addRefund" },
          { guard: "partialRefund", target: "confirmed", actions: "addRefund" },
        ],
      },
    },
    cancelled: { type: "final" },
    reversed: { type: "final" },
    refunded: { type: "final" },
  },
});

/** An invoice's status with its money. */
export interface InvoiceState {
  status: InvoiceStatus;
  context: InvoiceContext;
}

/** A new invoice: created, nothing paid. */
export function initialInvoiceState(ptype: 0 | 1, amount: number): InvoiceState {
  return { status: "created", context: { ptype, amount, captured: 0, refunded: 0 } };
}

/** The next state, or undefined when the event is not legal in this state. */
export function nextInvoiceState(state: InvoiceState, event: InvoiceEvent): InvoiceState | undefined {
  const snapshot = invoiceMachine.resolveState({ value: state.status, context: state.context });
  if (!snapshot.can(event)) return undefined;
  const [next] = transition(invoiceMachine, snapshot, event);
  return { status: next.value as InvoiceStatus, context: { ...next.context } };
}

/** Status ids of spec §5.5 (4 is unused by every source). */
export const STATUS_IDS: Record<InvoiceStatus, number> = { confirmed: 0, created: 1, executed: 2, paid: 3, cancelled: 5, reversed: 6, refunded: 7 };

/**
 * The events that lead from `from` to `to` (breadth first), for the admin hook that presets a status.
 * Refunds on the way are full refunds.
 */
export function pathTo(from: InvoiceState, to: InvoiceStatus): InvoiceEvent[] | undefined {
  const queue: { state: InvoiceState; path: InvoiceEvent[] }[] = [{ state: from, path: [] }];
  const seen = new Set<string>([from.status]);
  while (queue.length > 0) {
    const { state, path } = queue.shift()!;
    if (state.status === to) return path;
    for (const type of EVENT_TYPES) {
      const event = (type === "REFUND" ? { type, amount: state.context.captured - state.context.refunded } : { type }) as InvoiceEvent;
      const next = nextInvoiceState(state, event);
      if (!next || seen.has(next.status)) continue;
      seen.add(next.status);
      queue.push({ state: next, path: [...path, event] });
    }
  }
  return undefined;
}
