import { describe, expect, it } from "vitest";
import type { HttpRequest } from "../engine/types.js";
import { findMock, MockHttp, normaliseUrl, parseRequestBody } from "./mocks.js";
import type { MockDef } from "./model.js";

const req = (method: string, url: string, body?: string): HttpRequest => ({ method, url, headers: {}, timeoutMs: 1000, ...(body !== undefined ? { body } : {}) });
const mock = (over: Partial<MockDef> & { tag?: string }): MockDef => ({
  line: 1,
  col: 1,
  method: "GET",
  url: "http://api.test/x",
  response: { type: "json", status: 200, body: `{"tag": "${over.tag ?? "m"}"}` },
  ...over,
});

describe("normaliseUrl", () => {
  it("treats encoded and raw forms alike", () => {
    expect(normaliseUrl("http://h/%D0%BF%D1%83%D1%82%D1%8C?q=%D0%B0%20b")).toBe(normaliseUrl("http://h/путь?q=а b"));
    expect(normaliseUrl("http://h/?q=a+b")).toBe(normaliseUrl("http://h/?q=a%20b"));
  });

  it("ignores query parameter order, scheme/host case, default ports and fragments", () => {
    expect(normaliseUrl("HTTP://Example.COM:80/p?b=2&a=1#frag")).toBe("http://example.com/p?a=1&b=2");
    expect(normaliseUrl("https://h:443")).toBe("https://h/");
  });

  it("keeps the order of repeated keys and keeps non-default ports and paths", () => {
    expect(normaliseUrl("http://h/?a=2&a=1")).not.toBe(normaliseUrl("http://h/?a=1&a=2"));
    expect(normaliseUrl("http://h:8080/x")).not.toBe(normaliseUrl("http://h/x"));
    expect(normaliseUrl("http://h/x")).not.toBe(normaliseUrl("http://h/y"));
  });

  it("survives malformed percent escapes", () => {
    expect(normaliseUrl("http://h/a%zz?x=%")).toBe("http://h/a%zz?x=%");
  });
});

describe("findMock", () => {
  it("matches method case-insensitively and URL after normalisation", () => {
    const m = mock({ url: "http://api.test/x?b=2&a=привет" });
    expect(findMock([m], req("get", "http://api.test/x?a=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82&b=2"))).toBe(m);
    expect(findMock([m], req("POST", "http://api.test/x?a=привет&b=2"))).toBeUndefined();
    expect(findMock([m], req("GET", "http://api.test/x?a=привет"))).toBeUndefined();
  });

  it("lets the last matching mock win", () => {
    const a = mock({ tag: "a" });
    const b = mock({ tag: "b" });
    const other = mock({ url: "http://other/" });
    expect(findMock([a, b, other], req("GET", "http://api.test/x"))).toBe(b);
  });

  it("non-strict body: listed fields equal, others ignored", () => {
    const m = mock({ method: "POST", body: { expected: { k: 1, o: { z: [1] } }, strict: false } });
    expect(findMock([m], req("POST", "http://api.test/x", JSON.stringify({ k: 1, o: { z: [1] }, extra: true })))).toBe(m);
    expect(findMock([m], req("POST", "http://api.test/x", JSON.stringify({ k: 2, o: { z: [1] } })))).toBeUndefined();
    // Listed fields compare whole: a nested extra field is a difference.
    expect(findMock([m], req("POST", "http://api.test/x", JSON.stringify({ k: 1, o: { z: [1], y: 0 } })))).toBeUndefined();
  });

  it("strict body: exact field set", () => {
    const m = mock({ method: "POST", body: { expected: { k: 1 }, strict: true } });
    expect(findMock([m], req("POST", "http://api.test/x", '{"k":1}'))).toBe(m);
    expect(findMock([m], req("POST", "http://api.test/x", '{"k":1,"extra":2}'))).toBeUndefined();
  });

  it("body field selects part of the request body by JSONPath", () => {
    const m = mock({ method: "POST", body: { expected: { id: 7 }, strict: true, field: "order.items[0]" } });
    expect(findMock([m], req("POST", "http://api.test/x", JSON.stringify({ order: { items: [{ id: 7 }] }, other: 1 })))).toBe(m);
    expect(findMock([m], req("POST", "http://api.test/x", JSON.stringify({ order: { items: [] } })))).toBeUndefined();
  });

  it("matches form bodies by field", () => {
    const m = mock({ method: "POST", body: { expected: { a: "1" }, strict: false } });
    expect(parseRequestBody("a=1&b=x%20y")).toEqual({ a: "1", b: "x y" });
    expect(findMock([m], req("POST", "http://api.test/x", "a=1&b=2"))).toBe(m);
  });
});

describe("MockHttp", () => {
  it("answers with the mock's status, body and content type", () => {
    const http = new MockHttp([mock({ response: { type: "text", status: 404, body: " raw " } })]);
    expect(http.http(req("GET", "http://api.test/x"))).toEqual({ status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: " raw " });
    expect(http.takeUnmocked()).toEqual([]);
  });

  it("prefers case mocks added later over file mocks, and reports unmocked calls once", () => {
    const http = new MockHttp([mock({ tag: "file" })]);
    http.add(mock({ tag: "case" }));
    expect(http.http(req("GET", "http://api.test/x")).body).toContain("case");
    const miss = http.http(req("get", "http://nowhere/y"));
    expect(miss).toEqual({ status: -1, headers: {}, body: "", error: "No mock for GET http://nowhere/y" });
    expect(http.takeUnmocked()).toEqual(["No mock for GET http://nowhere/y"]);
    expect(http.takeUnmocked()).toEqual([]);
  });
});
