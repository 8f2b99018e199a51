// XML test file → typed model (spec dsl.md §7.1–§7.3). Every element keeps its line and column.
// Malformed XML makes the file's `error`; a bad element (invalid JSON, bad date…) becomes an error of
// its test case only; unknown elements and attributes are warnings.
import { DOMParser, XMLSerializer, type Element, type Node } from "@xmldom/xmldom";
import type { BotRequest } from "../engine/types.js";
import type { AssertItem, CaseItem, MockDef, Position, Problem, SetupItem, StepItem, TestCase, TestFile } from "./model.js";
import { parseJsonish } from "../project/jsonish.js";
import { PAYER_ACTIONS, type PayerAction } from "./yookassa-case.js";

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

// Attributes each element understands; anything else is reported once per file.
const KNOWN_ATTRS: Record<string, string[]> = {
  test: ["integration"],
  "test-case": ["id", "integration"],
  q: ["state"], // one real project writes <q state="…">; it means nothing
  a: ["state", "class", "contains"],
  event: [],
  request: [],
  timeout: [],
  yookassa: ["action", "orderId"],
  state: [],
  context: ["var"],
  dateTime: [],
  random: [],
  requestData: [],
  rawRequest: [],
  mockData: [],
  query: ["method"],
  parameters: [],
  body: ["strictMatch", "field"],
  response: ["type", "status"],
  responseData: ["field"],
  timeoutReply: ["interval", "targetState"],
  newSession: ["message"],
  mail: ["recipient", "subject", "body"],
};

// BotRequest fields a <request> may set; the rest is dropped (§7.2).
const REQUEST_FIELDS = new Set([
  "query", "event", "targetState", "timeout", "data", "intent", "channelType", "channelUserId",
  "botId", "questionId", "language", "rawRequest", "userFrom",
]);

/** An element-level problem: the case that contains it fails with this message. */
class ElementError extends Error {
  constructor(
    message: string,
    readonly pos: Position,
  ) {
    super(message);
  }
}

interface Ctx {
  warnings: Problem[];
  warnedAttrs: Set<string>;
}

const posOf = (node: Node): Position => ({ line: node.lineNumber ?? 0, col: node.columnNumber ?? 0 });

function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  return out;
}

/** Text directly inside `el` (not inside child elements). */
function ownText(el: Element): string {
  let s = "";
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_NODE) s += n.nodeValue ?? "";
  return s;
}

function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? "") : undefined;
}

function checkAttrs(el: Element, ctx: Ctx): void {
  const known = KNOWN_ATTRS[el.tagName] ?? [];
  for (let i = 0; i < el.attributes.length; i++) {
    const name = el.attributes.item(i)!.name;
    if (known.includes(name) || name.startsWith("xmlns")) continue;
    const key = `${el.tagName}@${name}`;
    if (ctx.warnedAttrs.has(key)) continue; // projects put their own attributes on every case
    ctx.warnedAttrs.add(key);
    ctx.warnings.push({ ...posOf(el), message: `unknown attribute ${name}="…" on <${el.tagName}> ignored` });
  }
}

const isTrue = (v: string | undefined): boolean => v !== undefined && v.trim().toLowerCase() === "true";

/** `<q>hello</q>` — a short, single-line rendering for reports. */
function render(el: Element): string {
  let attrs = "";
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    attrs += ` ${a.name}="${a.value}"`;
  }
  let text = (el.textContent ?? "").replace(/\s+/g, " ").trim();
  if (text.length > 60) text = text.slice(0, 57) + "...";
  return text ? `<${el.tagName}${attrs}>${text}</${el.tagName}>` : `<${el.tagName}${attrs}/>`;
}

/** JSON, or a JS object literal (`{type:"query", query:'1'}`) as real tests write it. */
function parseJson(text: string, el: Element, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    try {
      return parseJsonish(text);
    } catch {
      throw new ElementError(`invalid JSON in ${what}: ${(e as Error).message}`, posOf(el));
    }
  }
}

function parseJsonObject(text: string, el: Element, what: string): Record<string, unknown> {
  const v = parseJson(text.trim() || "{}", el, what);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ElementError(`${what} must be a JSON object`, posOf(el));
  return v as Record<string, unknown>;
}

/** `yyyy-MM-dd HH:mm:ss` read as UTC (the platform's zone is undocumented; UTC is our choice). */
export function parseDateTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h = "0", mi = "0", s = "0"] = m.slice(1);
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s);
  const back = new Date(ms);
  // Reject 2024-02-31 and friends instead of silently rolling over.
  if (back.getUTCMonth() !== +mo! - 1 || back.getUTCDate() !== +d! || +h > 23 || +mi > 59 || +s > 59) return undefined;
  return ms;
}

/** Replaces `${name}` with the <parameters> value; unknown names stay as written. */
export function substitute(template: string, params: Record<string, string>): string {
  return template.replace(/\$\{\s*([^}\s]+)\s*\}/g, (whole, name: string) => (name in params ? params[name]! : whole));
}

/** Reads one `<mockData>` element (file-level or in a case); throws an ElementError at the element at fault. */
export function parseMock(el: Element, ctx: Ctx): MockDef {
  let query: Element | undefined;
  let response: Element | undefined;
  let body: Element | undefined;
  const params: Record<string, string> = {};
  for (const child of elementChildren(el)) {
    checkAttrs(child, ctx);
    switch (child.tagName) {
      case "query":
        query = child;
        break;
      case "response":
        response = child;
        break;
      case "body":
        body = child;
        break;
      case "parameters":
        for (const p of elementChildren(child)) params[p.tagName] = (p.textContent ?? "").trim();
        break;
      default:
        ctx.warnings.push({ ...posOf(child), message: `unknown element <${child.tagName}> in <mockData> ignored` });
    }
  }
  if (!query) throw new ElementError("<mockData> needs a <query> element", posOf(el));
  if (!response) throw new ElementError("<mockData> needs a <response> element", posOf(el));
  const url = substitute((query.textContent ?? "").trim(), params);
  for (const m of url.matchAll(/\$\{([^}]*)\}/g)) {
    ctx.warnings.push({ ...posOf(query), message: `placeholder \${${m[1]}} has no value in <parameters>` });
  }
  const type = (attr(response, "type") ?? "json").trim().toLowerCase();
  if (type !== "json" && type !== "xml" && type !== "text") throw new ElementError(`<response type="${type}">: expected json, xml or text`, posOf(response));
  const statusText = attr(response, "status");
  const status = statusText === undefined || statusText.trim() === "" ? 200 : Number(statusText);
  if (!Number.isInteger(status)) throw new ElementError(`<response status="${statusText}">: not a number`, posOf(response));
  let responseBody: string;
  if (type === "text") {
    responseBody = response.textContent ?? ""; // verbatim, whitespace included
  } else if (type === "xml" && elementChildren(response).length > 0) {
    // XML bodies are usually written inline as elements rather than escaped text.
    const ser = new XMLSerializer();
    responseBody = "";
    for (let n = response.firstChild; n; n = n.nextSibling) responseBody += ser.serializeToString(n);
    responseBody = responseBody.trim();
  } else {
    responseBody = (response.textContent ?? "").trim();
    if (type === "json" && responseBody !== "") parseJson(responseBody, response, "<response>");
  }
  const mock: MockDef = {
    ...posOf(el),
    method: (attr(query, "method") || "GET").trim().toUpperCase(),
    url,
    response: { type, status, body: responseBody },
  };
  if (body) {
    const field = attr(body, "field")?.trim();
    mock.body = {
      expected: parseJson((body.textContent ?? "").trim(), body, "<body>"),
      strict: isTrue(attr(body, "strictMatch")),
      ...(field ? { field } : {}),
    };
  }
  return mock;
}

function parseStep(el: Element, base: { tag: string; source: string } & Position, pendingData: Element[]): StepItem | undefined {
  switch (el.tagName) {
    case "q":
      return { ...base, kind: "q", text: (el.textContent ?? "").trim() };
    case "timeout":
      return { ...base, kind: "timeout" };
    case "yookassa": {
      // <yookassa action="pay|decline|abandon" orderId="…"/>: the payer on the last (or the order's) link.
      const action = (attr(el, "action") ?? "pay").trim();
      if (!(PAYER_ACTIONS as readonly string[]).includes(action)) throw new ElementError(`<yookassa action="${action}">: the action is one of ${PAYER_ACTIONS.join(", ")}`, posOf(el));
      const orderId = attr(el, "orderId")?.trim();
      return { ...base, kind: "yookassa", action: action as PayerAction, ...(orderId ? { orderId } : {}) };
    }
    case "request": {
      const raw = parseJsonObject(el.textContent ?? "", el, "<request>");
      const request: BotRequest = {};
      for (const [k, v] of Object.entries(raw)) if (REQUEST_FIELDS.has(k)) (request as Record<string, unknown>)[k] = v;
      return { ...base, kind: "request", request };
    }
    case "event": {
      // <event>name</event>; payload via <eventData>{json}</eventData> (→ $request.data.eventData) or
      // <data>{json}</data> (merged into $request.data).
      const name = (ownText(el) || (attr(el, "name") ?? "")).trim();
      if (!name) throw new ElementError("<event> needs an event name", posOf(el));
      let data: Record<string, unknown> | undefined;
      for (const child of elementChildren(el)) {
        if (child.tagName === "data") data = { ...data, ...parseJsonObject(child.textContent ?? "", child, "<event><data>") };
        else if (child.tagName === "eventData") data = { ...data, eventData: parseJson((child.textContent ?? "").trim(), child, "<eventData>") };
        else pendingData.push(child);
      }
      return { ...base, kind: "event", name, ...(data ? { data } : {}) };
    }
  }
  return undefined;
}

function parseSetup(el: Element, base: { tag: string; source: string } & Position, ctx: Ctx): SetupItem | undefined {
  const text = el.textContent ?? "";
  switch (el.tagName) {
    case "state": {
      const p = text.trim();
      if (!p) throw new ElementError("<state> needs a state path", posOf(el));
      return { ...base, kind: "state", path: p.startsWith("/") ? p : "/" + p };
    }
    case "context": {
      const v = (attr(el, "var") ?? "session").trim();
      if (v !== "session" && v !== "client") throw new ElementError(`<context var="${v}">: expected session or client`, posOf(el));
      return { ...base, kind: "context", target: v, value: parseJsonObject(text, el, "<context>") };
    }
    case "dateTime": {
      const ms = parseDateTime(text);
      if (ms === undefined) throw new ElementError(`<dateTime>${text.trim()}</dateTime>: expected yyyy-MM-dd HH:mm:ss`, posOf(el));
      return { ...base, kind: "dateTime", ms };
    }
    case "random": {
      const parts = text.split(/[\s,;]+/).filter(Boolean);
      const values = parts.map(Number);
      if (values.some((n) => !Number.isInteger(n) || n < 0)) throw new ElementError(`<random>${text.trim()}</random>: expected non-negative integers`, posOf(el));
      return { ...base, kind: "random", values };
    }
    case "requestData":
      return { ...base, kind: "requestData", data: parseJsonObject(text, el, "<requestData>") };
    case "rawRequest":
      return { ...base, kind: "rawRequest", raw: parseJson(text.trim() || "{}", el, "<rawRequest>") };
    case "mockData":
      return { ...base, kind: "mockData", mock: parseMock(el, ctx) };
  }
  return undefined;
}

function optNumber(el: Element, name: string): number | undefined {
  const v = attr(el, name);
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ElementError(`<${el.tagName} ${name}="${v}">: not a number`, posOf(el));
  return n;
}

function optString(el: Element, name: string): string | undefined {
  const v = attr(el, name);
  return v === undefined ? undefined : v;
}

function parseAssert(el: Element, base: { tag: string; source: string } & Position, ctx: Ctx): AssertItem | undefined {
  switch (el.tagName) {
    case "a": {
      const text = el.textContent ?? "";
      const item: AssertItem = { ...base, kind: "a" };
      if (text.trim() !== "") item.text = text;
      const contains = optString(el, "contains");
      const state = optString(el, "state")?.trim();
      const cls = optString(el, "class")?.trim();
      if (contains !== undefined) item.contains = contains;
      if (state) item.state = state;
      if (cls) item.cls = cls;
      return item;
    }
    case "responseData": {
      const field = optString(el, "field")?.trim();
      const text = (el.textContent ?? "").trim();
      let expected: unknown;
      try {
        expected = parseJsonish(text);
      } catch {
        expected = text; // `<responseData field="replies[0].text">Hello</responseData>`
      }
      return { ...base, kind: "responseData", expected, ...(field ? { field } : {}) };
    }
    case "timeoutReply": {
      const interval = optNumber(el, "interval");
      const targetState = optString(el, "targetState")?.trim();
      return { ...base, kind: "timeoutReply", ...(interval !== undefined ? { interval } : {}), ...(targetState ? { targetState } : {}) };
    }
    case "newSession": {
      const item: AssertItem = { ...base, kind: "newSession", hasData: false };
      const message = optString(el, "message");
      if (message !== undefined) item.message = message;
      for (const child of elementChildren(el)) {
        if (child.tagName === "data") {
          item.hasData = true;
          item.data = parseJson((child.textContent ?? "").trim(), child, "<newSession><data>");
        } else ctx.warnings.push({ ...posOf(child), message: `unknown element <${child.tagName}> in <newSession> ignored` });
      }
      return item;
    }
    case "mail": {
      const item: AssertItem = { ...base, kind: "mail" };
      for (const k of ["recipient", "subject", "body"] as const) {
        const v = optString(el, k);
        if (v !== undefined) item[k] = v;
      }
      const text = (el.textContent ?? "").trim();
      if (item.body === undefined && text) item.body = text;
      return item;
    }
  }
  return undefined;
}

function parseCase(el: Element, index: number, fileIntegration: boolean, ctx: Ctx): TestCase {
  checkAttrs(el, ctx);
  const integrationAttr = attr(el, "integration");
  const tc: TestCase = {
    ...posOf(el),
    id: attr(el, "id")?.trim() || `case ${index + 1}`,
    integration: integrationAttr === undefined ? fileIntegration : isTrue(integrationAttr),
    steps: [],
    errors: [],
  };
  for (const child of elementChildren(el)) {
    const item = parseItem(child, ctx, tc);
    if (item) tc.steps.push(item);
  }
  return tc;
}

function parseItem(el: Element, ctx: Ctx, tc: TestCase): CaseItem | undefined {
  if (!(el.tagName in KNOWN_ATTRS) || ["test", "test-case", "query", "parameters", "body", "response"].includes(el.tagName)) {
    ctx.warnings.push({ ...posOf(el), message: `unknown element <${el.tagName}> ignored` });
    return undefined;
  }
  checkAttrs(el, ctx);
  const base = { ...posOf(el), tag: el.tagName, source: render(el) };
  try {
    const extra: Element[] = [];
    const item = parseStep(el, base, extra) ?? parseSetup(el, base, ctx) ?? parseAssert(el, base, ctx);
    for (const x of extra) ctx.warnings.push({ ...posOf(x), message: `unknown element <${x.tagName}> in <${el.tagName}> ignored` });
    return item;
  } catch (e) {
    if (!(e instanceof ElementError)) throw e;
    tc.errors.push({ ...e.pos, message: e.message });
    return undefined;
  }
}

/** Parses one test file's text. `file` is only used in messages and results. */
export function parseTestFile(file: string, source: string): TestFile {
  const result: TestFile = { file, integration: false, mocks: [], cases: [], warnings: [] };
  const ctx: Ctx = { warnings: result.warnings, warnedAttrs: new Set() };
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level === "warning") return; // e.g. a missing XML declaration; not worth reporting
        throw new Error(message);
      },
    }).parseFromString(source, "text/xml");
    root = doc.documentElement;
  } catch (e) {
    const err = e as { message: string; cause?: { message?: string }; locator?: { lineNumber?: number; columnNumber?: number } };
    // xmldom wraps our handler's error: "Reporting fatalError "…" caused Error: <the message>".
    const raw = err.cause?.message ?? err.message;
    const message = /caused Error: (.*)$/s.exec(raw)?.[1] ?? raw;
    result.error = { line: err.locator?.lineNumber ?? 1, col: err.locator?.columnNumber ?? 1, message: `malformed XML: ${message.split("\n")[0]}` };
    return result;
  }
  if (!root || root.tagName !== "test") {
    result.error = { ...(root ? posOf(root) : { line: 1, col: 1 }), message: `the root element must be <test>, found ${root ? `<${root.tagName}>` : "nothing"}` };
    return result;
  }
  checkAttrs(root, ctx);
  result.integration = isTrue(attr(root, "integration"));
  for (const child of elementChildren(root)) {
    if (child.tagName === "test-case") {
      result.cases.push(parseCase(child, result.cases.length, result.integration, ctx));
    } else if (child.tagName === "mockData") {
      try {
        result.mocks.push(parseMock(child, ctx));
      } catch (e) {
        if (!(e instanceof ElementError)) throw e;
        result.error = { ...e.pos, message: e.message }; // every case would depend on it
        return result;
      }
    } else {
      ctx.warnings.push({ ...posOf(child), message: `unknown element <${child.tagName}> in <test> ignored` });
    }
  }
  return result;
}
