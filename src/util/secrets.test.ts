import { describe, expect, it } from "vitest";
import { projectSecret, secretMasker } from "./secrets.js";

describe("secretMasker", () => {
  it("masks every secret value wherever it appears, longest first", () => {
    const mask = secretMasker(["tok-12345", "s3cr3t-value", "s3cr3t-value-longer"]);
    expect(mask("Bearer tok-12345 and s3cr3t-value twice: s3cr3t-value")).toBe("Bearer [REDACTED] and [REDACTED] twice: [REDACTED]");
    expect(mask("x s3cr3t-value-longer y")).toBe("x [REDACTED] y");
    expect(mask("/root stays")).toBe("/root stays");
  });

  it("masks the URL-encoded and base64 forms too", () => {
    const mask = secretMasker(["p@ss/wörd+1"]);
    expect(mask(`https://x/?k=${encodeURIComponent("p@ss/wörd+1")}`)).toBe("https://x/?k=[REDACTED]");
    expect(mask(`Authorization: Basic ${Buffer.from("p@ss/wörd+1").toString("base64")}`)).not.toContain(Buffer.from("p@ss/wörd+1").toString("base64").replace(/=+$/, ""));
  });

  it("treats secrets as text, not as regular expressions, and skips values too short to mask", () => {
    const mask = secretMasker(["a.b*c(d)", "ab", ""]);
    expect(mask("a.b*c(d) axbbc ab")).toBe("[REDACTED] axbbc ab");
    expect(secretMasker([])("anything")).toBe("anything");
  });
});

describe("projectSecret", () => {
  it("reads the given secrets only, never the process environment", () => {
    process.env.SMARTAPP_SECRET_unit_probe = "from-env";
    try {
      expect(projectSecret("unit_probe", {})).toBeUndefined();
      expect(projectSecret("unit_probe", { unit_probe: "given" })).toBe("given");
      expect(projectSecret("toString", {})).toBeUndefined();
      expect(projectSecret("unit_probe", undefined, { SMARTAPP_SECRET_unit_probe: "passed env" })).toBe("passed env");
    } finally {
      delete process.env.SMARTAPP_SECRET_unit_probe;
    }
  });
});
