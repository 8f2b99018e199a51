import { describe, expect, it } from "vitest";
import { parseParamList, splitParams, typed, unquote, ValueError } from "./params.js";

describe("params", () => {
  it("types booleans and numbers, keeps quoted values as strings", () => {
    expect(parseParamList(` noContext = true, modal = false, n = 42, f = -1.5, s = "true", p = /A/B`)).toEqual({
      noContext: true,
      modal: false,
      n: 42,
      f: -1.5,
      s: "true",
      p: "/A/B",
    });
  });

  it("reads quoted values with commas and \\\" escapes", () => {
    expect(parseParamList(`toState = "/theme 1, part", x = "say \\"hi\\""`)).toEqual({ toState: "/theme 1, part", x: 'say "hi"' });
  });

  it("ends a quoted value only at a quote followed by `, name =` or the end (unescaped inner quotes)", () => {
    expect(parseParamList(`tts = "<speaker audio="forest.opus"> text", ttsEnabled = true`)).toEqual({
      tts: '<speaker audio="forest.opus"> text',
      ttsEnabled: true,
    });
  });

  it("reports an unterminated quoted value at its opening quote", () => {
    const text = `a = 1, tts = "never closed, x`;
    try {
      parseParamList(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValueError);
      expect((e as ValueError).offset).toBe(text.indexOf('"'));
      expect((e as Error).message).toContain("unterminated");
    }
  });

  it("splits only at a `||` followed by `name =`", () => {
    expect(splitParams("a || b").params).toBeNull();
    const s = splitParams("hi there || toState = /X");
    expect(s.head).toBe("hi there");
    expect(parseParamList(s.params!)).toEqual({ toState: "/X" });
  });

  it("unquotes only values wholly inside one pair of quotes", () => {
    expect(unquote(`"Hello, {{$session.name}}!"`)).toBe("Hello, {{$session.name}}!");
    expect(unquote(`"a \\"b\\""`)).toBe('a "b"');
    expect(unquote(`"a" and "b"`)).toBe(`"a" and "b"`);
    expect(unquote(`plain`)).toBe("plain");
    expect(typed("1.0.2")).toBe("1.0.2");
  });
});
