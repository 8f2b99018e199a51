import { describe, expect, it } from "vitest";
import { parseDateTime, parseTestFile, substitute } from "./xml.js";

const FILE = `<?xml version="1.0" encoding="UTF-8"?>
<test>
  <mockData>
    <query method="post">http://api.test/\${path}?p=\${p}&amp;x=1</query>
    <parameters><path>items</path><p>a b</p></parameters>
    <body strictMatch="true" field="order">{"id": 1}</body>
    <response type="text" status="201">  raw
 text </response>
  </mockData>
  <test-case id="all" user="42">
    <state>Menu</state>
    <context var="client">{"name": "Ann"}</context>
    <dateTime>2024-03-01 10:20:30</dateTime>
    <random>1, 2,3</random>
    <requestData>{"k": 1}</requestData>
    <rawRequest>{"payload": {}}</rawRequest>
    <q>hello   there</q>
    <a state="/Hi" class="/Start">Hi &amp; welcome</a>
    <a contains="x"/>
    <a/>
    <event>fileEvent<eventData>{"url": "u"}</eventData></event>
    <event>other<data>{"extra": true}</data></event>
    <request>{"query": "q", "channelType": "telegram", "bogus": 1}</request>
    <timeout/>
    <responseData field="replies[1].buttons">[{"text": "A"}]</responseData>
    <responseData field="replies[0].text">plain</responseData>
    <timeoutReply interval="2" targetState="/X"/>
    <newSession message="hi"><data>{"a": 1}</data></newSession>
    <mail recipient="r@x" subject="S" body="B"/>
    <mockData><query>http://x/</query><response>{"ok": true}</response></mockData>
  </test-case>
  <test-case integration="true"><q>x</q></test-case>
</test>`;

describe("parseTestFile", () => {
  const tf = parseTestFile("test/a.xml", FILE);

  it("reads file-level mocks with parameters, body and a verbatim text response", () => {
    expect(tf.error).toBeUndefined();
    expect(tf.mocks).toHaveLength(1);
    expect(tf.mocks[0]).toMatchObject({
      line: 3,
      method: "POST",
      url: "http://api.test/items?p=a b&x=1",
      body: { expected: { id: 1 }, strict: true, field: "order" },
      response: { type: "text", status: 201, body: "  raw\n text " },
    });
  });

  it("keeps every element in document order with its line", () => {
    const c = tf.cases[0]!;
    expect(c.id).toBe("all");
    expect(c.line).toBe(10);
    expect(c.errors).toEqual([]);
    expect(c.steps.map((s) => `${s.kind}@${s.line}`)).toEqual([
      "state@11", "context@12", "dateTime@13", "random@14", "requestData@15", "rawRequest@16", "q@17", "a@18", "a@19", "a@20",
      "event@21", "event@22", "request@23", "timeout@24", "responseData@25", "responseData@26", "timeoutReply@27", "newSession@28", "mail@29", "mockData@30",
    ]);
  });

  it("decodes element values", () => {
    const [state, context, dateTime, random, requestData, rawRequest, q, a1, a2, a3, ev1, ev2, request, , rd1, rd2, tr, ns, mail, mock] = tf.cases[0]!.steps;
    expect(state).toMatchObject({ path: "/Menu" });
    expect(context).toMatchObject({ target: "client", value: { name: "Ann" } });
    expect(dateTime).toMatchObject({ ms: Date.UTC(2024, 2, 1, 10, 20, 30) });
    expect(random).toMatchObject({ values: [1, 2, 3] });
    expect(requestData).toMatchObject({ data: { k: 1 } });
    expect(rawRequest).toMatchObject({ raw: { payload: {} } });
    expect(q).toMatchObject({ text: "hello   there", source: "<q>hello there</q>" });
    expect(a1).toMatchObject({ text: "Hi & welcome", state: "/Hi", cls: "/Start" });
    expect(a2).toMatchObject({ contains: "x" });
    expect(a2).not.toHaveProperty("text");
    expect(a3).toEqual(expect.objectContaining({ kind: "a" }));
    expect(ev1).toMatchObject({ name: "fileEvent", data: { eventData: { url: "u" } } });
    expect(ev2).toMatchObject({ name: "other", data: { extra: true } });
    expect(request).toMatchObject({ request: { query: "q", channelType: "telegram" } });
    expect(request).not.toHaveProperty("request.bogus");
    expect(rd1).toMatchObject({ field: "replies[1].buttons", expected: [{ text: "A" }] });
    expect(rd2).toMatchObject({ expected: "plain" });
    expect(tr).toMatchObject({ interval: 2, targetState: "/X" });
    expect(ns).toMatchObject({ message: "hi", data: { a: 1 }, hasData: true });
    expect(mail).toMatchObject({ recipient: "r@x", subject: "S", body: "B" });
    expect(mock).toMatchObject({ mock: { method: "GET", url: "http://x/", response: { type: "json", status: 200, body: '{"ok": true}' } } });
  });

  it("inherits or overrides integration per case and names unnamed cases", () => {
    expect(tf.cases[0]!.integration).toBe(false);
    expect(tf.cases[1]).toMatchObject({ id: "case 2", integration: true });
  });

  it("warns once about an unknown attribute and about unknown elements", () => {
    const t = parseTestFile("t.xml", `<test>
<test-case id="1" user="a"><q>x</q><foo/></test-case>
<test-case id="2" user="b"><q>x</q></test-case>
</test>`);
    expect(t.warnings).toEqual([
      { line: 2, col: 1, message: 'unknown attribute user="…" on <test-case> ignored' },
      { line: 2, col: 36, message: "unknown element <foo> ignored" },
    ]);
    expect(t.cases).toHaveLength(2);
  });

  it("reports malformed XML with its line and no cases", () => {
    const t = parseTestFile("test/bad.xml", "<test>\n<test-case>\n<q>hi</q>\n<a>x</q>\n</test-case>\n</test>");
    expect(t.cases).toEqual([]);
    expect(t.error).toMatchObject({ line: 4 });
    expect(t.error!.message).toMatch(/malformed XML: .*mismatch/);
  });

  it("rejects a root that is not <test>", () => {
    expect(parseTestFile("t.xml", "<tests/>").error?.message).toMatch(/root element must be <test>/);
  });

  it("turns a bad element into an error of its case only", () => {
    const t = parseTestFile("t.xml", `<test>
<test-case id="bad"><context var="session">{oops}</context><q>x</q></test-case>
<test-case id="good"><q>x</q></test-case>
</test>`);
    expect(t.error).toBeUndefined();
    expect(t.cases[0]!.errors).toEqual([{ line: 2, col: 21, message: expect.stringMatching(/invalid JSON in <context>/) }]);
    expect(t.cases[1]!.errors).toEqual([]);
  });

  it("rejects bad dates, random values and mocks without a response", () => {
    const t = parseTestFile("t.xml", `<test><test-case>
<dateTime>2024-02-31 00:00:00</dateTime>
<random>1, x</random>
<mockData><query>http://x</query></mockData>
<context var="temp">{}</context>
</test-case></test>`);
    expect(t.cases[0]!.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
  });
});

describe("helpers", () => {
  it("parseDateTime reads UTC and rejects impossible dates", () => {
    expect(parseDateTime("2020-01-02 03:04:05")).toBe(Date.UTC(2020, 0, 2, 3, 4, 5));
    expect(parseDateTime("2020-01-02")).toBe(Date.UTC(2020, 0, 2));
    expect(parseDateTime("2020-13-02 00:00:00")).toBeUndefined();
    expect(parseDateTime("02.01.2020")).toBeUndefined();
  });

  it("substitute fills known placeholders and leaves unknown ones", () => {
    expect(substitute("http://h/${a}/${ b }?q=${c}", { a: "1", b: "2" })).toBe("http://h/1/2?q=${c}");
  });
});
