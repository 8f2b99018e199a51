import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { secretMasker } from "../../util/secrets.js";
import { createLogger, redactExplanation, redactSecrets } from "./logging.js";

function capture() {
  let text = "";
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { destination, text: () => text };
}

describe("logger masking", () => {
  it("masks secret values in fields, nested errors and the message itself", () => {
    const out = capture();
    const log = createLogger({ destination: out.destination, mask: secretMasker(["tok-SECRET-1", "sec-SECRET-2"]) });
    log.warn({ kind: "script", message: "boom tok-SECRET-1", nested: { list: ["x sec-SECRET-2"] } }, "turn reported an error");
    log.error({ err: redactSecrets(new Error("failed with sec-SECRET-2")) }, "turn failed");
    log.info("plain message with tok-SECRET-1");
    const text = out.text();
    expect(text).not.toMatch(/tok-SECRET-1|sec-SECRET-2/);
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(5); // message, list item, error message, its stack, the plain message
  });

  it("still masks by key name without any configured secret", () => {
    expect(redactSecrets({ headers: { authorization: "Bearer abc" }, pay_api_key: "k", text: "Bearer xyz" })).toEqual({
      headers: { authorization: "[REDACTED]" },
      pay_api_key: "[REDACTED]",
      text: "Bearer [REDACTED]",
    });
  });
});

describe("an explained turn in the log", () => {
  it("masks session and client changes under secret-looking names", () => {
    const e = redactExplanation({
      input: { kind: "text", query: "x" },
      context: { before: "/", after: "/" },
      decidedBy: "text",
      candidates: [],
      why: [],
      executed: [],
      transitions: [],
      replies: [],
      logs: [],
      errors: [],
      session: [
        { path: "auth.accessToken", op: "changed", before: "a", after: "b" },
        { path: "cart", op: "added", after: { n: 1 } },
      ],
      client: [{ path: '["api-key"]', op: "removed", before: "k" }],
    });
    expect(e.session).toEqual([
      { path: "auth.accessToken", op: "changed", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "cart", op: "added", after: { n: 1 } },
    ]);
    expect(e.client).toEqual([{ path: '["api-key"]', op: "removed", before: "[REDACTED]" }]);
  });
});
