// Id lengths (docs/security.md, "Limits"): every id that is echoed, cached and logged is bounded, the
// messageId's digits too (seventh red-team round), and an over-long one is never echoed.
import { describe, expect, it } from "vitest";
import { WebhookRequestError } from "./errors.js";
import { parseBody } from "./parse.js";
import { checkIdLengths, validateMessage } from "./validate.js";

const body = (id: string, messageName = "MESSAGE_TO_SKILL") =>
  `{"messageId":${id},"sessionId":"s","messageName":"${messageName}","uuid":{"userId":"u","userChannel":"B2C"},"payload":{"message":{"original_text":"hi"}}}`;

const refusal = (text: string): WebhookRequestError => {
  try {
    checkIdLengths(validateMessage(parseBody(text)));
  } catch (e) {
    return e as WebhookRequestError;
  }
  throw new Error("accepted");
};

describe("checkIdLengths: messageId", () => {
  it("refuses a messageId of more than 256 digits and does not echo it", () => {
    const e = refusal(body("9".repeat(257)));
    expect([e.status, e.reason, e.ids]).toEqual([400, "messageId is longer than 256 characters", {}]);
  });

  it("takes 256 digits and a real 20-digit id", () => {
    for (const id of ["9".repeat(256), "18446744073709551615"]) {
      const msg = validateMessage(parseBody(body(id)));
      expect(() => checkIdLengths(msg)).not.toThrow();
      expect(msg.messageId).toBe(id);
    }
  });

  it("does not echo an over-long messageId in the refusal of an invalid message either", () => {
    const long = "9".repeat(300);
    let e: WebhookRequestError | undefined;
    try {
      validateMessage(parseBody(body(long, "NOPE")));
    } catch (err) {
      e = err as WebhookRequestError;
    }
    expect(e?.status).toBe(400);
    expect(e?.ids?.messageId).toBeUndefined();
    expect(e?.ids?.sessionId).toBe("s");
  });
});
