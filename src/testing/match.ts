// Comparison helpers shared by assertions and mocks: text normalisation, a small JSONPath, and
// exact / partial structural equality.

/** Trim and collapse every run of whitespace to one space (spec §7.2: spaces and line breaks are ignored). */
export function normaliseText(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** A state path as tests write it: a missing leading `/` is allowed. */
export function normalisePath(p: string): string {
  const t = p.trim();
  return t.startsWith("/") ? t : "/" + t;
}

/** One step of a parsed JSONPath: a property name or an array index. */
export type PathSegment = string | number;

/**
 * Parses the JSONPath subset tests use: `a.b[0]`, `replies[1].buttons`, `$.a['b c']`, `["x"]`.
 * Returns undefined for syntax it does not understand.
 */
export function parsePath(path: string): PathSegment[] | undefined {
  const segs: PathSegment[] = [];
  let s = path.trim();
  if (s === "$" || s === "") return segs;
  if (s.startsWith("$")) s = s.slice(1);
  const re = /^(?:\.?([^.[\]'"]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return undefined;
    if (m[1] !== undefined) segs.push(m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else segs.push((m[3] ?? m[4])!);
    s = s.slice(m[0].length);
  }
  return segs;
}

/** `{found: false}` when a segment is missing, so `null` values and absent fields differ. */
export function getPath(value: unknown, path: PathSegment[]): { found: boolean; value?: unknown } {
  let cur: unknown = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return { found: false };
    if (typeof seg === "number") {
      if (!Array.isArray(cur) || seg >= cur.length) return { found: false };
      cur = cur[seg];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false };
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: cur };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Structural equality of JSON values; a property that is undefined counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Partial match for <responseData>: every field listed in `expected` must match in `actual`,
 * recursively; extra actual fields are ignored. Arrays must have the same length and match element
 * by element. Returns the path of the first mismatch, or undefined when it matches.
 */
export function partialMismatch(expected: unknown, actual: unknown, at = "$"): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return at;
    if (expected.length !== actual.length) return `${at} (length ${actual.length}, expected ${expected.length})`;
    for (let i = 0; i < expected.length; i++) {
      const m = partialMismatch(expected[i], actual[i], `${at}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return at;
    for (const [k, v] of Object.entries(expected)) {
      const m = partialMismatch(v, actual[k], `${at}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return expected === actual ? undefined : at;
}
