// Java-string idioms of ES5 scripts: the compile-time rewrite and the realm's Java String methods.
import { describe, expect, it } from "vitest";
import { rewriteJavaExpression, rewriteJavaIdioms, rewriteJavaTemplate } from "./java-idioms.js";
import { ScriptError } from "./types.js";
import { hostWith, pos } from "./testkit.js";

describe("rewriteJavaIdioms", () => {
  it("rewrites X.length() and X.replaceAll(a, b) calls, nested ones too", () => {
    expect(rewriteJavaIdioms("var n = phone.length() - 11;")).toBe('var n = __java_length(phone, "phone.length") - 11;');
    expect(rewriteJavaIdioms("a.b(c).length()")).toBe('__java_length(a.b(c), "a.b(c).length")');
    expect(rewriteJavaIdioms("s.substring(1).length().toString().length()")).toBe(
      '__java_length(__java_length(s.substring(1), "s.substring(1).length").toString(), "s.substring(1).length().toString().length")',
    );
    expect(rewriteJavaIdioms('h = h.replaceAll("\\\\s+", x.length());')).toBe('h = __java_replaceAll(h, "h.replaceAll", "\\\\s+", __java_length(x, "x.length"));');
  });

  it("leaves everything else alone: properties, arguments, strings, comments, bad syntax", () => {
    for (const code of [
      "var n = s.length;",
      "s.length(1)",
      "s['length']()",
      "s?.length()",
      "s.replaceAll('a')",
      "var t = 'x.length()'; // y.length()\n/* z.replaceAll(a, b) */",
      "function length() {} length();",
      "var x = ;s.length()",
    ]) {
      expect(rewriteJavaIdioms(code)).toBe(code);
    }
  });

  it("keeps every line where it was", () => {
    const code = "var a = s\n  .length();\nvar b = t.replaceAll(\n  'x',\n  'y'\n);\nthrow new Error('line 7');";
    const out = rewriteJavaIdioms(code);
    expect(out.split("\n").length).toBe(code.split("\n").length);
    expect(out.split("\n")[6]).toBe("throw new Error('line 7');");
  });

  it("rewrites expressions and the expressions of templates", () => {
    expect(rewriteJavaExpression("$session.p.length() == 11")).toBe('__java_length($session.p, "$session.p.length") == 11');
    expect(rewriteJavaExpression("{a: 'x'}.a.length() > 0")).toBe('{a: \'x\'}.a.length() > 0'.replace("{a: 'x'}.a.length()", '__java_length({a: \'x\'}.a, "{a: \'x\'}.a.length")'));
    expect(rewriteJavaTemplate("Len {{ $session.p.length() }} of {{x}}; s.length() stays")).toBe('Len {{ __java_length($session.p, "$session.p.length") }} of {{x}}; s.length() stays');
    expect(rewriteJavaTemplate("{{ broken( }} and {{ t.length() }}")).toBe('{{ broken( }} and {{ __java_length(t, "t.length") }}');
  });
});

describe("Java strings in the realm", () => {
  it("runs s.length() and s.replaceAll(regex) as Java in scripts, if: conditions, templates and converters", () => {
    const { host, run } = hostWith([
      { kind: "script", es6: false, code: "function fix(p) { var s = p.substring(Math.max(0, p.length() - 11)); return s.length() == 11 ? '7' + s.substring(1) : s; }\nfunction conv(pt) { return pt.text.length(); }", pos: pos(1, "fix.js") },
    ]);
    run("$session.p = fix('+89001234567'); $session.h = 'a  b\\tc'.replaceAll('\\\\s+', '_'); $session.g = 'x-y'.replaceAll('(\\\\w)-(\\\\w)', '$2-$1');");
    expect(host.test("$session.p.length() == 11", pos(2))).toBe(true);
    expect(host.render("{{ $session.p }} has {{ $session.p.length() }}", pos(3))).toBe("79001234567 has 11");
    expect(host.runConverter("conv", { tag: "root", text: "four", words: [] } as never)).toBe(4);
    const snap = host.endTurn();
    expect(snap.session).toEqual({ p: "79001234567", h: "a_b_c", g: "y-x" });
  });

  it("keeps the call for anything that is not a string, with V8's message when it cannot be called", () => {
    const { host, run } = hostWith();
    run("var o = {length: function () { return 42; }, replaceAll: function (a, b) { return a + b; }}; $session.a = o.length(); $session.b = o.replaceAll(1, 2); $session.c = 'a.b'.replaceAll(/\\./g, '-'); $session.d = 'a.b'.replaceAll('.', function () { return '!'; });");
    expect(host.endTurn().session).toEqual({ a: 42, b: 3, c: "a-b", d: "a!b" });
    const second = hostWith();
    try {
      second.run("var list = [1, 2];\nvar n = list.length();");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScriptError);
      expect((e as ScriptError).message).toContain("list.length is not a function");
      expect((e as ScriptError).pos?.line).toBe(101);
    }
  });

  it("has the java.lang.String methods JavaScript lacks, not enumerable", () => {
    const { host, run } = hostWith();
    run(`$session.r = [
      'ab'.equals('ab'), 'ab'.equals(1), 'Ab'.equalsIgnoreCase('aB'), ''.isEmpty(), 'x'.isEmpty(),
      'hello'.contains('ell'), '12345'.matches('\\\\d+'), '12a'.matches('\\\\d+'), 'ABC'.matches('(?i)abc'),
      'a1b2'.replaceFirst('\\\\d', '#'), 'a'.compareTo('b'), 'b'.compareToIgnoreCase('B'), 'hello'.hashCode()
    ];
    var keys = []; for (var k in 'ab') keys.push(k); $session.keys = keys;`);
    expect(host.endTurn().session).toEqual({
      r: [true, false, true, true, false, true, true, false, true, "a#b2", -1, 0, 99162322],
      keys: ["0", "1"],
    });
  });

  it("leaves scriptEs6 code as ES2021 wrote it", () => {
    const { host, run } = hostWith();
    run("$session.a = 'a.b'.replaceAll('.', '-');", true);
    expect(host.endTurn().session).toEqual({ a: "a-b" });
  });
});
