// The dictionary morphology and the morph.* host operations scripts reach through $nlp / $caila.
import { describe, expect, it } from "vitest";
import { hasGrammeme, inflect, lemma, lemmas, parseWord } from "./index.js";
import { conformToNumber, inflectText, withMorphologyOps } from "./ops.js";
import type { HostServices, HttpRequest, HttpResponse } from "../engine/types.js";

describe("dictionary morphology", () => {
  it("gives lemmas, also for stem alternations and suppletive forms", () => {
    expect(lemma("дня")).toBe("день");
    expect(lemma("пришёл")).toBe("прийти");
    expect(lemmas("стали")).toEqual(expect.arrayContaining(["стать", "сталь"]));
    expect(lemma("hello")).toBe("hello");
  });

  it("keeps the part a predictor split off an unknown word in its lemma, as pymorphy2 does", () => {
    // "юротдел" is not in the dictionary: its end is parsed as "отдел" / "дел", the prefix stays
    expect(lemma("юротдела")).toBe("юротдел");
    expect(lemmas("юротдела")).not.toEqual(expect.arrayContaining(["отдел"]));
    expect(lemmas("юротдел")).not.toEqual(expect.arrayContaining(["деть"])); // "день" has the lemma "деть" too
    expect(lemma("кого-то")).toBe("кто-то");
    expect(inflect("юротдел", ["plur", "gent"])).toBe("юротделов");
  });

  it("knows proper names in lower case", () => {
    expect(hasGrammeme("казани", "Geox")).toBe(true);
    expect(hasGrammeme("иван", "Name")).toBe(true);
    expect(hasGrammeme("дом", "Geox")).toBe(false);
    expect(parseWord("москве")[0]!.lemma).toBe("москва");
  });

  it("inflects and agrees with numbers", () => {
    expect(inflect("город", ["plur", "gent"])).toBe("городов");
    expect(inflectText("Новый дом", ["loct"])).toBe("Новом доме");
    expect([1, 2, 5, 11, 21, 104].map((n) => conformToNumber("рубль", n))).toEqual(["рубль", "рубля", "рублей", "рублей", "рубль", "рубля"]);
  });
});

class CountingHost implements HostServices {
  calls: string[] = [];
  logs = 0;
  http(_req: HttpRequest): HttpResponse {
    return { status: 200, headers: {}, body: "" };
  }
  call(op: string): unknown {
    this.calls.push(op);
    return "from host";
  }
  now(): number {
    return 1;
  }
  random(): number {
    return 0;
  }
  seed(): number[] {
    return [1, 2, 3, 4];
  }
  log(): void {
    this.logs++;
  }
  env(): string | undefined {
    return undefined;
  }
  secret(): string | undefined {
    return undefined;
  }
}

describe("morph.* host operations", () => {
  it("answers morph.* itself and passes the rest to the host, methods bound to it", () => {
    const host = new CountingHost();
    const wrapped = withMorphologyOps(host);
    expect(wrapped.call("morph.inflect", { text: "город", grammemes: ["plur", "gent"] })).toBe("городов");
    expect(wrapped.call("morph.parse", { text: "стали" })).toMatchObject({ normalForm: "стать", pos: "VERB" });
    expect(wrapped.call("smartpay.createInvoice", {})).toBe("from host");
    wrapped.log("info", "x");
    expect(host.logs).toBe(1);
    expect(host.calls).toEqual(["smartpay.createInvoice"]);
  });
});
