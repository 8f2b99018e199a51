// parseBody: the JSON.parse fast path must give exactly what the lossless parse gives.
import { describe, expect, it, vi } from "vitest";
import { parseBody } from "./parse.js";
import { WebhookRequestError } from "./errors.js";

// Every body is parsed by JSON.parse: lossless-json, a JavaScript parser, spent up to half a second of
// the main thread on 1 MB (seventh red-team round). Any use of it fails these tests.
vi.mock("lossless-json", () => {
  const used = (): never => {
    throw new Error("lossless-json was used");
  };
  return { parse: used, isLosslessNumber: used, LosslessNumber: used };
});

const rejects = (text: string) => {
  try {
    parseBody(text);
  } catch (e) {
    return e as WebhookRequestError;
  }
  throw new Error(`accepted ${text}`);
};

describe("parseBody", () => {
  it("keeps a safe integer messageId as its token and shows the schema a stand-in", () => {
    expect(parseBody(`{"messageId":42,"a":{"b":[1,2.5]}}`)).toEqual({ body: { messageId: 0, a: { b: [1, 2.5] } }, messageId: "42" });
    expect(parseBody(`{"messageId":-0}`).messageId).toBe("0");
    expect(parseBody(`{"messageId":1.0}`).messageId).toBe("1");
    expect(parseBody(`{"messageId":1e3}`).messageId).toBe("1000");
  });

  it("keeps ids beyond 2^53 exact and flags fractional ones", () => {
    expect(parseBody(`{"messageId":12345678901234567890}`)).toEqual({ body: { messageId: 0 }, messageId: "12345678901234567890" });
    expect(parseBody(`{"messageId":9007199254740993}`).messageId).toBe("9007199254740993");
    expect(parseBody(`{"messageId":1.5}`)).toEqual({ body: { messageId: 0.5 } });
    expect(parseBody(`{"messageId":"7"}`)).toEqual({ body: { messageId: "7" } });
  });

  it("refuses a key given twice anywhere, with equal values too (seventh red-team round)", () => {
    expect(rejects(`{"messageId":1,"a":{"x":1,"x":2}}`).status).toBe(400);
    expect(rejects(`{"a":1,"a":2}`).message).toBe("body is not valid JSON: an object has the same key twice");
    expect(rejects(`{"messageId":1,"a":{"x":1,"x":1}}`).status).toBe(400);
    expect(rejects(`{"messageId":12345678901234567890,"a":[{"x":1,"\\u0078":1}]}`).status).toBe(400);
  });

  it("reads a big or fractional messageId off the text: spelt with escapes, spaces, exponents, beside nested ones", () => {
    expect(parseBody(`{"a":{"messageId":1},"message\\u0049d" : 12345678901234567890 ,"b":"messageId"}`)).toEqual({
      body: { a: { messageId: 1 }, messageId: 0, b: "messageId" },
      messageId: "12345678901234567890",
    });
    expect(parseBody(`{"s":"\\"messageId\\":1","messageId":-98765432109876543210}`).messageId).toBe("-98765432109876543210");
    expect(parseBody(`{"messageId":1e400}`)).toEqual({ body: { messageId: 0.5 } });
    expect(parseBody(`{"messageId":9007199254740993.5}`)).toEqual({ body: { messageId: 0.5 } });
    expect(parseBody(`{"messageId":1E+2}`).messageId).toBe("100");
  });

  it("counts only colons outside strings", () => {
    expect(parseBody(`{"messageId":3,"t":"a:b\\":c","k:\\\\":{"u":":"}}`).body).toEqual({ messageId: 0, t: 'a:b":c', "k:\\": { u: ":" } });
  });

  it("keeps __proto__ as data", () => {
    const { body } = parseBody(`{"__proto__":{"polluted":1},"messageId":1}`);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body)).toEqual(["__proto__", "messageId"]);
  });

  it("reports invalid JSON and non-objects as before", () => {
    expect(rejects(`{"a":}`).message).toMatch(/^body is not valid JSON: /);
    expect(rejects(`{"messageId":12345678901234567890,"a":[{},{}]`).message).toMatch(/^body is not valid JSON: /);
    expect(rejects(`[1]`).message).toBe("body must be a JSON object (a SmartApp API message)");
    expect(rejects(`  `).message).toMatch(/^empty body/);
  });
});

describe("parseBody nesting limit", () => {
  const nested = (depth: number, open = "[", close = "]") => `{"messageId":1,"a":${open.repeat(depth)}${close.repeat(depth)}}`;

  it("refuses bodies nested deeper than the limit with a 400 that says so, before parsing", () => {
    for (const text of [nested(4000), nested(4000, '{"x":', "}"), nested(100_000)]) {
      const e = rejects(text);
      expect(e.status).toBe(400);
      expect(e.reason).toBe("body nests objects/arrays deeper than 64 levels");
    }
  });

  it("accepts nesting up to the limit, counts brackets inside strings as text, and takes a configured limit", () => {
    expect(parseBody(nested(63)).messageId).toBe("1"); // 63 + the top-level object = 64
    expect(rejects(nested(64)).status).toBe(400);
    expect(parseBody(`{"messageId":1,"s":"${"[".repeat(1000)}\\"${"{".repeat(1000)}"}`).messageId).toBe("1");
    expect(() => parseBody(nested(4), { maxDepth: 4 })).toThrow("deeper than 4 levels");
    expect(parseBody(nested(3), { maxDepth: 4 }).messageId).toBe("1");
  });
});
