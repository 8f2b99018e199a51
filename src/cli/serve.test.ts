import { describe, expect, it } from "vitest";
import { secretMasker } from "./serve.js";

describe("secretMasker", () => {
  it("masks the SmartPay token and project secrets wherever they appear", () => {
    const mask = secretMasker({ SMARTPAY_TOKEN: "tok-12345", SMARTAPP_SECRET_pay_api_key: "s3cr3t-value", HOME: "/root" });
    expect(mask("Bearer tok-12345 and s3cr3t-value twice: s3cr3t-value")).toBe("Bearer [REDACTED] and [REDACTED] twice: [REDACTED]");
    expect(mask("/root stays")).toBe("/root stays");
  });
});
