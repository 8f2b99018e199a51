import { describe, expect, it } from "vitest";
import { isTrivialExpr, isTrivialTemplate, moduleToFunctionBody, usesAwait } from "./source.js";

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

  it("turns an ES module into a function body returning its exports", () => {
    const run = (code: string) => new Function(moduleToFunctionBody(code))();
    expect(run("export default function (x) { return x + 1; }")(1)).toBe(2);
    const ns = run("export const a = 1, b = 2;\nexport function f() { return a + b; }\nconst c = 5;\nexport { c as see };");
    expect([ns.a, ns.b, ns.f(), ns.see]).toEqual([1, 2, 3, 5]);
  });
});
