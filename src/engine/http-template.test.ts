import { describe, expect, it } from "vitest";
import { splitTemplate } from "./http-template.js";

describe("splitTemplate", () => {
  it("splits literal text and placeholders", () => {
    expect(splitTemplate("a/{{$session.x}}?q={{ y }}")).toEqual([{ lit: "a/" }, { expr: "{{$session.x}}" }, { lit: "?q=" }, { expr: "{{ y }}" }]);
  });

  it("ends a placeholder at the first }} that balances its braces", () => {
    expect(splitTemplate('{{ JSON.stringify({a: {b: 1}}) }}!')).toEqual([{ expr: "{{ JSON.stringify({a: {b: 1}}) }}" }, { lit: "!" }]);
  });

  it("keeps an unclosed {{ as text", () => {
    expect(splitTemplate("x {{ y")).toEqual([{ lit: "x {{ y" }]);
  });
});
