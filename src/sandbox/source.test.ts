import { describe, expect, it } from "vitest";
import { isTrivialExpr, isTrivialTemplate, isTurnDataExpr, isTurnDataScript, isTurnDataTemplate, TurnDataRules, usesAwait } from "./source.js";

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
    expect(isTurnDataScript("$session.count = 1;\nreturn;")).toBe(true);
  });

  it("a script may keep locals, branches and object literals of turn data to itself (a function body of its own)", () => {
    for (const code of [
      "var c = $session.count || 0;\n$session.count = c + 1;",
      "let total = $session.total || 0;\nconst add = $parseTree._Number;\ntotal += add;\n$session.total = total / 100;",
      "if ($session.step == 'ask') {\n    $session.step = 'done';\n} else if (!$session.step) {\n    var first = true;\n    $session.first = first;\n} else $session.step = null;",
      "// start over\n$session.cart = {items: [], total: 0, 'last item': $parseTree._Item};\n/* and remember it */ $temp.started = true;",
      "if (!$session.name) return;\n$session.greeted = true;",
      "var o = {a: 1}; o.b = $session.x; $session.o = o; var a = [o]; a.length = 0;",
      "'use strict'; var n = $session.n; n++; $session.n = n;",
    ]) {
      expect(isTurnDataScript(code), code).toBe(true);
    }
    for (const code of [
      "c = 1;", // no declaration: a global of the context
      "if ($session.a) { let c = 1; } c = 2;", // `c` outside the block is a global
      "if ($session.a) { const c = 1; }",
      "var f = $session.list.push;\nf.planted = 1;",
      "var s = $session.name;\ns.big.planted = 1;",
      "var o = {__proto__: $session};",
      "var o = {'__proto__': $session};",
      "var o = {['a']: 1};",
      "var o = {get a() { return 1; }};",
      "var o = {m() {}};",
      "var o = {...$session};",
      "var o = {f: $session.toString};",
      "var arguments; arguments.callee.planted = 1;",
      "var {a} = $session;",
      "this.planted = 1;",
      "var i = 0; while (i < 10) i++;",
      "for (var i = 0; i < 3; i++) $session.i = i;",
      "label: $session.a = 1;",
      "var $session = 1;",
      "$session.re = /a+/;",
      "$session.a = 1; <!-- $session.toString.x = 2",
    ]) {
      expect(isTurnDataScript(code), code).toBe(false);
    }
    // A condition is a statement list evaluated as such: a declaration there would be a global.
    expect(isTurnDataExpr("var c = 1")).toBe(false);
    expect(isTurnDataExpr("$session.a = {}")).toBe(false);
  });

  it("takes the names a project's contexts add to builtin prototypes (jsapi/java.js, the project's own)", () => {
    const rules = new TurnDataRules({ shared: ["equals", "last"] });
    expect(isTurnDataExpr("$session.name.equals.x = 1")).toBe(true); // this realm has no String#equals
    expect(rules.expr("$session.name.equals.x = 1")).toBe(false);
    expect(rules.script("$session.list.last.x = $client.secret;")).toBe(false);
    expect(rules.template("{{ $session.list.length }}")).toBe(true);
  });

  it("turn-data code builds no string over 16 times its largest input: a doubled value read again is user code", () => {
    const doubling = (n: number) => "var s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n" + "s = s + s;\n".repeat(n) + "$session.b = s < $session.q;";
    expect(isTurnDataScript(doubling(4))).toBe(true); // 16 times
    expect(isTurnDataScript(doubling(5))).toBe(false);
    expect(isTurnDataScript("$temp.s = $session.s;\n" + "$temp.s += $temp.s;\n".repeat(5))).toBe(false);
    expect(isTurnDataExpr("$temp.s = $temp.s + $temp.s + $temp.s + $temp.s + $temp.s, $temp.s = $temp.s + $temp.s + $temp.s + $temp.s")).toBe(false);
    expect(isTurnDataScript("var a = [$session.s, $session.s, $session.s, $session.s, $session.s];\n$temp.t = a + a + a + a;")).toBe(false);
    // Messages built from many inputs, counters and ternaries stay turn data.
    expect(isTurnDataScript("$session.count = ($session.count || 0) + 1;\n$temp.text = 'Hello, ' + $session.name + '! You have ' + $session.count + ' items' + ($session.vip ? ' (VIP)' : '') + '.';")).toBe(true);
    expect(isTurnDataTemplate("{{ $session.a + ' ' + $session.b }} and {{ $session.c + $session.d }}")).toBe(true);
  });

  it("turn-data code writes no array index or length over 10000: a huge sparse array is user code", () => {
    expect(isTurnDataScript("$session.a = ['x'];\n$session.a.length = 30000000;")).toBe(false);
    expect(isTurnDataScript("$session.a.length += 30000000;")).toBe(false);
    expect(isTurnDataScript("$session.a.length++;")).toBe(false);
    expect(isTurnDataScript("$session.a.length = $request.n;")).toBe(false);
    expect(isTurnDataScript("$session.a[30000000] = 1;")).toBe(false);
    expect(isTurnDataExpr("$session.a['10000'] = 1")).toBe(false);
    // Clearing a list, and small indices, stay turn data.
    expect(isTurnDataScript("$session.cart.length = 0;\n$session.cart[0] = $session.item;\n$session.n = $session.cart.length + 1;")).toBe(true);
    expect(isTurnDataScript("$session.o = {30000000: 1};\n$session.o['1.5'] = 2;")).toBe(true);
  });

  it("a name load code put on a builtin prototype is refused wherever it is read or set; a changed conversion refuses everything", () => {
    // An accessor (or an object load code made) runs load code when merely read, compared or set.
    const rules = new TurnDataRules({ loaded: ["top", "card"] });
    expect(isTurnDataExpr("$session.list.top == 1")).toBe(true);
    expect(rules.expr("$session.list.top == 1")).toBe(false);
    expect(rules.script("$session.card = $client.secret;")).toBe(false);
    expect(rules.template("{{ $session['top'] }}")).toBe(false);
    expect(rules.script("$session.cards = [$session.list];")).toBe(true);
    // A replaced Array.prototype.toString runs wherever an array is converted: nothing is turn data.
    const converting = new TurnDataRules({ conversions: "load code changed a conversion" });
    expect(converting.expr("$session.list == 'a'")).toBe(false);
    expect(converting.script("$session.n = 1;")).toBe(false);
    expect(converting.template("{{ $session.n }}")).toBe(false);
  });
});
