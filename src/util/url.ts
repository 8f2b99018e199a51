// Query strings for the payment clients' GET requests.

/** Query parameters; undefined and empty values are left out. */
export type Query = Record<string, string | number | undefined>;

/** `url` with the non-empty `query` parameters appended (`url` itself when there are none). */
export function withQuery(url: string, query?: Query): string {
  if (!query) return url;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${url}?${s}` : url;
}
