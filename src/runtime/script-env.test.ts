import { describe, expect, it } from "vitest";
import { declaredVariables, scriptEnvironment } from "./script-env.js";

describe("scriptEnvironment", () => {
  const environment = { API_URL: "https://api", SMARTPAY_TOKEN: "tok-1", SMARTAPP_SECRET_x: "sec-2", REDIS_URL: "redis://h", COPY: "sec-2", HOME: "/root" };

  it("answers declared names only", () => {
    expect(scriptEnvironment(["API_URL", "MISSING"], environment).values).toEqual({ API_URL: "https://api" });
  });

  it("never gives the runtime's secrets, even declared, and says why", () => {
    const env = scriptEnvironment(["SMARTPAY_TOKEN", "SMARTAPP_SECRET_x", "REDIS_URL", "SMARTAPP_SANDBOX_ADMIN_TOKEN", "COPY"], environment, { x: "sec-2" });
    expect(env.values).toEqual({});
    expect(env.warnings).toHaveLength(5);
    expect(env.warnings[4]).toMatch(/COPY holds the value of a secret/);
  });

  it("takes NAME=value outright (--env)", () => {
    expect(scriptEnvironment(["MODE=dev", "EMPTY="], environment).values).toEqual({ MODE: "dev", EMPTY: "" });
  });

  it("reads chatbot.yaml injector.variables, ignoring anything that is not a list of names", () => {
    expect(declaredVariables({ variables: ["A", 1, "", "B"] })).toEqual(["A", "B"]);
    expect(declaredVariables({ variables: "A" })).toEqual([]);
    expect(declaredVariables(undefined)).toEqual([]);
  });
});
