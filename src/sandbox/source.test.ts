import { describe, expect, it } from "vitest";
import { isTrivialExpr, isTrivialTemplate, usesAwait } from "./source.js";

describe("source checks", () => {
  it("recognises loop-free, call-free expressions", () => {
    expect(isTrivialExpr("$session.a == 1 || $parseTree._Name")).toBe(true);
    expect(isTrivialExpr("$session.zd += 40;")).toBe(true);
    expect(isTrivialExpr("f()")).toBe(false);
    expect(isTrivialExpr("`${x}`")).toBe(false);
    expect(isTrivialExpr("/a+/.test(x)")).toBe(false);
    expect(isTrivialTemplate("Hi {{ $session.name }} and {{$client.x}}")).toBe(true);
    expect(isTrivialTemplate("Hi {{ toPrettyString($session) }}")).toBe(false);
  });

  it("detects await", () => {
    expect(usesAwait("const a = await f();")).toBe(true);
    expect(usesAwait("x.await; awaiting()")).toBe(false);
  });
});
