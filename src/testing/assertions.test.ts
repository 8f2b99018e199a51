import { describe, expect, it } from "vitest";
import { emptyUserState, type Reply, type TurnResult } from "../engine/types.js";
import { checkAssertion, unconsumedTexts, type StepOutcome } from "./assertions.js";
import { getPath, normaliseText, parsePath, partialMismatch } from "./match.js";
import type { AssertItem } from "./model.js";

const base = { line: 5, col: 1, tag: "x", source: "<x/>" };
const outcome = (replies: Reply[], extra: Partial<TurnResult> = {}): StepOutcome => ({
  cursor: 0,
  result: { replies, response: { replies, smartRandom: [1] }, state: emptyUserState(), endSession: false, mails: [], classifiedState: "/Start", ...extra },
});
const a = (fields: Partial<Extract<AssertItem, { kind: "a" }>>): AssertItem => ({ ...base, kind: "a", ...fields });

describe("match helpers", () => {
  it("normaliseText trims and collapses whitespace", () => {
    expect(normaliseText("  a \n\t b  ")).toBe("a b");
  });

  it("parsePath reads the JSONPath subset", () => {
    expect(parsePath("replies[1].buttons")).toEqual(["replies", 1, "buttons"]);
    expect(parsePath("$.a.b[0]")).toEqual(["a", "b", 0]);
    expect(parsePath("a['b c']")).toEqual(["a", "b c"]);
    expect(parsePath("a[x]")).toBeUndefined();
    expect(getPath({ a: [{ b: null }] }, ["a", 0, "b"])).toEqual({ found: true, value: null });
    expect(getPath({ a: [] }, ["a", 0])).toEqual({ found: false });
  });

  it("partialMismatch ignores extra fields but not array length", () => {
    expect(partialMismatch({ a: 1 }, { a: 1, b: 2 })).toBeUndefined();
    expect(partialMismatch({ a: { b: 2 } }, { a: { b: 3 } })).toBe("$.a.b");
    expect(partialMismatch([{ t: "A" }], [{ t: "A" }, { t: "B" }])).toMatch(/length/);
    expect(partialMismatch("1", 1)).toBe("$");
  });
});

describe("<a>", () => {
  const replies: Reply[] = [
    { type: "audio", audioUrl: "u", state: "/Start" },
    { type: "text", text: "Hello,\n   world", state: "/Start" },
    { type: "buttons", buttons: [{ text: "A" }], state: "/Start" },
    { type: "text", text: "Second", state: "/Next" },
  ];

  it("consumes text replies in order, skipping other replies", () => {
    const o = outcome(replies);
    expect(checkAssertion(a({ text: " Hello, world " }), o)).toBeUndefined();
    expect(o.cursor).toBe(2);
    expect(unconsumedTexts(o)).toHaveLength(1);
    expect(checkAssertion(a({ text: "Second", state: "/Next" }), o)).toBeUndefined();
    expect(unconsumedTexts(o)).toEqual([]);
    expect(checkAssertion(a({}), o)?.message).toMatch(/no more replies/);
  });

  it("a text-less <a> is met by a buttons reply when no text reply is left (a state that only shows buttons)", () => {
    const o = outcome([
      { type: "text", text: "Hi", state: "/Start" },
      { type: "buttons", buttons: [{ text: "Menu" }], state: "/Home" },
    ]);
    expect(checkAssertion(a({ state: "/Start" }), o)).toBeUndefined();
    expect(checkAssertion(a({ state: "/Home" }), o)).toBeUndefined();
    expect(o.cursor).toBe(2);
    expect(checkAssertion(a({}), o)?.message).toBe("expected a reply, but there are no more replies");
    // the state is still checked against the reply it meets
    const wrong = outcome([{ type: "buttons", buttons: [{ text: "Menu" }], state: "/Home" }]);
    expect(checkAssertion(a({ state: "/Other" }), wrong)).toMatchObject({ expected: { state: "/Other" }, actual: { type: "buttons", state: "/Home" } });
  });

  it("an <a> with text or contains= never takes a non-text reply, and a timeout is no reply", () => {
    const buttons: Reply[] = [{ type: "buttons", buttons: [{ text: "Menu" }], state: "/Home" }];
    expect(checkAssertion(a({ text: "Menu" }), outcome(buttons))?.message).toMatch(/no more text replies/);
    expect(checkAssertion(a({ contains: "Menu" }), outcome(buttons))?.message).toMatch(/no more text replies/);
    expect(checkAssertion(a({ state: "/X" }), outcome([{ type: "timeout", interval: 2, targetState: "/X", state: "/X" }]))?.message).toMatch(/no more replies/);
  });

  it("fails on a wrong text with expected and actual", () => {
    expect(checkAssertion(a({ text: "Bye" }), outcome(replies))).toEqual({
      message: 'expected text "Bye" but got "Hello, world"',
      expected: { text: "Bye" },
      actual: { text: "Hello, world" },
    });
  });

  it("checks state (leading slash optional) and class", () => {
    expect(checkAssertion(a({ state: "Start" }), outcome(replies))).toBeUndefined();
    expect(checkAssertion(a({ state: "/Other" }), outcome(replies))).toMatchObject({ expected: { state: "/Other" }, actual: { state: "/Start" } });
    expect(checkAssertion(a({ cls: "/Start" }), outcome(replies))).toBeUndefined();
    expect(checkAssertion(a({ cls: "/Menu" }), outcome(replies))?.message).toMatch(/classified into \/Menu but it went to \/Start/);
  });

  it("contains= matches a substring", () => {
    expect(checkAssertion(a({ contains: "world" }), outcome(replies))).toBeUndefined();
    expect(checkAssertion(a({ contains: "moon" }), outcome(replies))?.message).toMatch(/containing "moon"/);
  });
});

describe("other assertions", () => {
  const replies: Reply[] = [
    { type: "text", text: "x", state: "/A" },
    { type: "buttons", buttons: [{ text: "A" }, { text: "B", transition: "/B" }], state: "/A" },
  ];
  const rd = (expected: unknown, field?: string): AssertItem => ({ ...base, kind: "responseData", expected, ...(field ? { field } : {}) });

  it("responseData compares the listed fields", () => {
    expect(checkAssertion(rd([{ text: "A" }, { text: "B", transition: "/B" }], "replies[1].buttons"), outcome(replies))).toBeUndefined();
    expect(checkAssertion(rd({ smartRandom: [1] }), outcome(replies))).toBeUndefined();
    expect(checkAssertion(rd("B", "replies[1].buttons[1].text"), outcome(replies))).toBeUndefined();
    const f = checkAssertion(rd([{ text: "A" }, { text: "C" }], "replies[1].buttons"), outcome(replies));
    expect(f?.message).toBe("$response data differs at replies[1].buttons[1].text");
    expect(checkAssertion(rd(1, "replies[5]"), outcome(replies))?.message).toMatch(/no field replies\[5\]/);
  });

  it("responseData sees answer, the texts of the text replies joined by a blank line, unless a script set one", () => {
    const texts: Reply[] = [
      { type: "text", text: "Your cart:", state: "/Cart" },
      { type: "buttons", buttons: [{ text: "Remove" }], state: "/Cart" },
      { type: "text", text: "1. Tea\nPrice: 2", state: "/Cart" },
    ];
    expect(checkAssertion(rd("Your cart:\n\n1. Tea\nPrice: 2", "answer"), outcome(texts))).toBeUndefined();
    expect(checkAssertion(rd("Your cart:", "answer"), outcome(texts))?.message).toBe("$response data differs at answer");
    expect(checkAssertion(rd("", "answer"), outcome([]))).toBeUndefined();
    const own = outcome(texts, { response: { replies: texts, answer: "set by a script" } });
    expect(checkAssertion(rd("set by a script", "answer"), own)).toBeUndefined();
  });

  it("timeoutReply checks interval and target when given", () => {
    const o = outcome([{ type: "timeout", interval: 2, targetState: "/X" }], { timeout: { interval: 2, targetState: "/X" } });
    expect(checkAssertion({ ...base, kind: "timeoutReply", interval: 2, targetState: "X" }, o)).toBeUndefined();
    expect(checkAssertion({ ...base, kind: "timeoutReply" }, o)).toBeUndefined();
    expect(checkAssertion({ ...base, kind: "timeoutReply", interval: 3 }, o)?.message).toMatch(/3 s but got 2 s/);
    expect(checkAssertion({ ...base, kind: "timeoutReply" }, outcome([]))?.message).toMatch(/none was/);
  });

  it("newSession checks message and partial data", () => {
    const o = outcome([], { newSession: { message: "hi", data: { a: 1, b: 2 } } });
    expect(checkAssertion({ ...base, kind: "newSession", message: "hi", data: { a: 1 }, hasData: true }, o)).toBeUndefined();
    expect(checkAssertion({ ...base, kind: "newSession", message: "bye", hasData: false }, o)?.message).toMatch(/message "bye"/);
    expect(checkAssertion({ ...base, kind: "newSession", data: { a: 2 }, hasData: true }, o)?.message).toMatch(/data differs/);
    expect(checkAssertion({ ...base, kind: "newSession", hasData: false }, outcome([]))?.message).toMatch(/was not/);
  });

  it("mail matches one $mail call, accepting the engine's field names", () => {
    const o = outcome([], { mails: [{ to: ["a@x"], subject: "S", content: "Body  text" }] });
    expect(checkAssertion({ ...base, kind: "mail", recipient: "a@x", subject: "S", body: "Body text" }, o)).toBeUndefined();
    expect(checkAssertion({ ...base, kind: "mail", subject: "T" }, o)).toMatchObject({ message: "no $mail call has these values", actual: { mails: [{ recipient: "a@x", subject: "S", body: "Body  text" }] } });
    expect(checkAssertion({ ...base, kind: "mail" }, outcome([]))?.message).toMatch(/none/);
  });
});
