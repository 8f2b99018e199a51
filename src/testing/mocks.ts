// <mockData> matching (spec dsl.md §7.3) and the mock `services.http` a test case runs with.
import type { HttpRequest, HttpResponse } from "../engine/types.js";
import { deepEqual, getPath, parsePath } from "./match.js";
import type { MockDef } from "./model.js";

const DEFAULT_PORTS: Record<string, string> = { http: "80", https: "443" };

/** Decode then re-encode one URL component, so `%D0%B0`, `а`, `%20` and ` ` compare equal. */
function canonical(component: string, plusIsSpace: boolean): string {
  const s = plusIsSpace ? component.replace(/\+/g, " ") : component;
  try {
    return encodeURIComponent(decodeURIComponent(s));
  } catch {
    return s; // a stray `%`: compare as written
  }
}

/**
 * Canonical form of a URL for mock matching: lower-case scheme and host, no default port, no
 * fragment, every path segment and query key/value decoded and re-encoded, `+` in the query read as
 * a space, and query parameters sorted by key (stable, so repeated keys keep their order).
 */
export function normaliseUrl(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url.trim());
  let origin = "";
  let path: string;
  let query: string | undefined;
  if (m) {
    const scheme = m[1]!.toLowerCase();
    let host = m[2]!.toLowerCase();
    const port = /:(\d+)$/.exec(host);
    if (port && DEFAULT_PORTS[scheme] === port[1]) host = host.slice(0, -port[0].length);
    origin = `${scheme}://${host}`;
    path = m[3] || "/";
    query = m[4];
  } else {
    const rest = url.trim().split("#")[0]!;
    const q = rest.indexOf("?");
    path = q < 0 ? rest : rest.slice(0, q);
    query = q < 0 ? undefined : rest.slice(q + 1);
  }
  const canonPath = path.split("/").map((seg) => canonical(seg, false)).join("/");
  const params = (query ?? "")
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? { key: canonical(p, true), text: canonical(p, true) } : { key: canonical(p.slice(0, eq), true), text: `${canonical(p.slice(0, eq), true)}=${canonical(p.slice(eq + 1), true)}` };
    });
  params.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return origin + canonPath + (params.length ? "?" + params.map((p) => p.text).join("&") : "");
}

/** The request body as data: JSON, else a form body as an object of strings, else the text. */
export function parseRequestBody(body: string | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    /* not JSON */
  }
  if (/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(body.trim())) {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body.trim())) out[k] = v;
    return out;
  }
  return body;
}

function bodyMatches(spec: NonNullable<MockDef["body"]>, body: string | undefined): boolean {
  let actual = parseRequestBody(body);
  if (spec.field) {
    const path = parsePath(spec.field);
    if (!path) return false;
    const got = getPath(actual, path);
    if (!got.found) return false;
    actual = got.value;
  }
  const expected = spec.expected;
  if (spec.strict) return deepEqual(expected, actual);
  // Non-strict: each listed field equals the request's field; other request fields are ignored.
  if (expected && typeof expected === "object" && !Array.isArray(expected)) {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => deepEqual(v, (actual as Record<string, unknown>)[k]));
  }
  return deepEqual(expected, actual);
}

/** Whether a `<mockData>` answers the request: same method and URL (compared canonically), and its body when it lists one. */
export function mockMatches(mock: MockDef, req: HttpRequest, normalisedUrl = normaliseUrl(req.url)): boolean {
  if (mock.method !== req.method.toUpperCase()) return false;
  if (normaliseUrl(mock.url) !== normalisedUrl) return false;
  return mock.body ? bodyMatches(mock.body, req.body) : true;
}

/** Among the candidates (file-level first, then the case's in document order) the last match wins. */
export function findMock(mocks: readonly MockDef[], req: HttpRequest): MockDef | undefined {
  const url = normaliseUrl(req.url);
  for (let i = mocks.length - 1; i >= 0; i--) if (mockMatches(mocks[i]!, req, url)) return mocks[i];
  return undefined;
}

const CONTENT_TYPES = { json: "application/json", xml: "application/xml", text: "text/plain" } as const;

/** The HTTP response a matching mock gives, with the content type of its `type`. */
export function mockResponse(mock: MockDef): HttpResponse {
  return { status: mock.response.status, headers: { "content-type": `${CONTENT_TYPES[mock.response.type]}; charset=utf-8` }, body: mock.response.body };
}

/** `services.http` for one test case: answers from mocks and remembers what it could not answer. */
export class MockHttp {
  private readonly mocks: MockDef[];
  /** Calls without a mock since the last `takeUnmocked()`: each fails the current step. */
  private unmocked: string[] = [];

  constructor(fileMocks: readonly MockDef[]) {
    this.mocks = [...fileMocks];
  }

  add(mock: MockDef): void {
    this.mocks.push(mock);
  }

  readonly http = (req: HttpRequest): HttpResponse => {
    const mock = findMock(this.mocks, req);
    if (mock) return mockResponse(mock);
    const error = `No mock for ${req.method.toUpperCase()} ${req.url}`;
    this.unmocked.push(error);
    return { status: -1, headers: {}, body: "", error };
  };

  takeUnmocked(): string[] {
    const out = this.unmocked;
    this.unmocked = [];
    return out;
  }
}
