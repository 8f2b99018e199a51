// Every (status, event) pair of the invoice machine: the legal ones land where §5.5 says, the rest are refused.
import { describe, expect, it } from "vitest";
import { EVENT_TYPES, nextInvoiceState, pathTo, type InvoiceEvent, type InvoiceState } from "./machine.js";
import { INVOICE_STATUSES, type InvoiceStatus } from "../smartpay/types.js";

const AMOUNT = 1000;

function state(status: InvoiceStatus, ptype: 0 | 1 = 0, refunded = 0): InvoiceState {
  const captured = ["confirmed", "refunded"].includes(status) ? AMOUNT : 0;
  return { status, context: { ptype, amount: AMOUNT, captured, refunded } };
}

const ev = (type: InvoiceEvent["type"], amount?: number) => ({ type, amount }) as InvoiceEvent;

// [from, event, ptype, expected status or null]
const legal: [InvoiceStatus, InvoiceEvent, 0 | 1, InvoiceStatus][] = [
  ["created", ev("PAY_START"), 0, "executed"],
  ["created", ev("CANCEL"), 0, "cancelled"],
  ["created", ev("EXPIRE"), 0, "cancelled"],
  ["executed", ev("SUCCESS"), 0, "confirmed"],
  ["executed", ev("SUCCESS"), 1, "paid"],
  ["executed", ev("DECLINE"), 0, "cancelled"],
  ["executed", ev("CANCEL"), 0, "cancelled"],
  ["paid", ev("CONFIRM"), 1, "confirmed"],
  ["paid", ev("CONFIRM", 400), 1, "confirmed"],
  ["paid", ev("AUTOCOMPLETE"), 1, "confirmed"],
  ["paid", ev("REVERSE"), 1, "reversed"],
  ["confirmed", ev("REFUND", 300), 0, "confirmed"],
  ["confirmed", ev("REFUND", AMOUNT), 0, "refunded"],
];

describe("invoice machine", () => {
  it.each(legal)("%s --%o--> (ptype %s) %s", (from, event, ptype, to) => {
    expect(nextInvoiceState(state(from, ptype), event)?.status).toBe(to);
  });

  const legalKeys = new Set(legal.map(([from, event]) => `${from}:${event.type}`));
  const illegal = INVOICE_STATUSES.flatMap((from) => EVENT_TYPES.filter((t) => !legalKeys.has(`${from}:${t}`)).map((t) => [from, t] as const));

  it.each(illegal)("refuses %s on %s", (from, type) => {
    const amount = type === "REFUND" || type === "CONFIRM" ? 100 : undefined;
    for (const ptype of [0, 1] as const) expect(nextInvoiceState(state(from, ptype), ev(type, amount))).toBeUndefined();
  });

  it("final statuses accept nothing", () => {
    for (const from of ["cancelled", "reversed", "refunded"] as const) {
      for (const t of EVENT_TYPES) expect(nextInvoiceState(state(from), ev(t, 1))).toBeUndefined();
    }
  });

  it("tracks partial refunds and refuses one beyond what was paid", () => {
    let s = nextInvoiceState(state("confirmed"), ev("REFUND", 300))!;
    expect(s.context.refunded).toBe(300);
    expect(nextInvoiceState(s, ev("REFUND", 701))).toBeUndefined();
    s = nextInvoiceState(s, ev("REFUND", 200))!;
    expect(s).toMatchObject({ status: "confirmed", context: { refunded: 500 } });
    s = nextInvoiceState(s, ev("REFUND", 500))!;
    expect(s).toMatchObject({ status: "refunded", context: { refunded: 1000 } });
  });

  it("refuses refunds that are not positive integer kopecks", () => {
    for (const amount of [0, -5, 1.5]) expect(nextInvoiceState(state("confirmed"), ev("REFUND", amount))).toBeUndefined();
  });

  it("a partial capture limits later refunds to the captured amount", () => {
    const s = nextInvoiceState(state("paid", 1), ev("CONFIRM", 400))!;
    expect(s.context.captured).toBe(400);
    expect(nextInvoiceState(s, ev("REFUND", 400))?.status).toBe("refunded");
    expect(nextInvoiceState(state("paid", 1), ev("CONFIRM", AMOUNT + 1))).toBeUndefined();
  });

  it("finds the event path to a preset status", () => {
    expect(pathTo(state("created"), "confirmed")?.map((e) => e.type)).toEqual(["PAY_START", "SUCCESS"]);
    expect(pathTo(state("created", 1), "confirmed")?.map((e) => e.type)).toEqual(["PAY_START", "SUCCESS", "CONFIRM"]);
    expect(pathTo(state("created"), "paid")).toBeUndefined(); // one-stage never holds
    expect(pathTo(state("cancelled"), "created")).toBeUndefined();
  });
});
