import { describe, expect, it } from "vitest";
import { isTrivialExpr, isTrivialTemplate, isTurnDataExpr, isTurnDataScript, TurnDataRules, usesAwait } from "./source.js";

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

  it("turn data never starts a property chain at a literal, nor reads a name that leads to a shared builtin", () => {
    for (const code of [
      "1..constructor.prototype.__proto__.isAdmin = true",
      "1.5.constructor.prototype.x = 1",
      "0xff.constructor.constructor.prototype.x = 1",
      "1e3.toFixed.x = $client.secret",
      "[0].map.x = $client.secret",
      "'x'.big.x = 1",
      "(1 || 0).toFixed.x = 1",
      "$session.toString.x = $client.secret",
      "$session.a = $session.hasOwnProperty",
      "$session.a = $session.b || $session.hasOwnProperty",
      "$session.a = ($session.b, $session.toString)",
      "$session.a = [$session.filter]",
      "$session.a = $session.b ? $session.c : $session.valueOf",
      "$session.filter.x = 1",
      "$session.constructor == 1",
      "$session.list.push.x = 1",
      "$session?.['a']",
      "$context.injector.url",
      "$session.x = 1 <!-- $session.toString.y = 2",
      "[$session.a] = $session.b",
      "foo = 1",
    ]) {
      expect(isTurnDataExpr(code), code).toBe(false);
    }
    for (const code of ["$session.filter == 'price'", "typeof $session.keys", "$session.sort = 'asc'", "$session.search++", "$session.a = $session.b || $client.c", "$session.a = [1, $client.b]", "delete $session.a", "$session.n++", "$session?.a.b", "$context.currentState", "$session.a-- > 0"]) {
      expect(isTurnDataExpr(code), code).toBe(true);
    }
    expect(isTurnDataScript("$session.count = ($session.count || 0) + 1;\n$temp.seen = true;")).toBe(true);
    expect(isTurnDataScript("$session.count = 1;\nreturn;")).toBe(false);
  });

  it("takes the names a project's contexts add to builtin prototypes (jsapi/java.js, the project's own)", () => {
    const rules = new TurnDataRules(["equals", "last"]);
    expect(isTurnDataExpr("$session.name.equals.x = 1")).toBe(true); // this realm has no String#equals
    expect(rules.expr("$session.name.equals.x = 1")).toBe(false);
    expect(rules.script("$session.list.last.x = $client.secret;")).toBe(false);
    expect(rules.template("{{ $session.list.length }}")).toBe(true);
  });
});
