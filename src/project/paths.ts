// State path resolution (spec §4.6, `$jsapi.resolvePath`): shared by the loader and the engine.

/** `/` or `/A/B`: no empty, `.` or `..` segment (no segment starts with a dot), no trailing `/`, no space at the end. */
const NORMAL_ABSOLUTE = /^\/(?:[^/.][^/]*(?:\/[^/.][^/]*)*)?(?<!\s)$/;

/**
 * Resolves `rel` against the state `base`: `/A/B` absolute; `X` and `./X` child of base; `.` base itself;
 * `..` parent; `../X` sibling. Trailing `/` is ignored; the parent of `/` is `/`. Case-sensitive.
 */
export function resolvePath(base: string, rel: string): string {
  // Most paths a turn resolves are already absolute and normal (the state paths the loader stored):
  // they resolve to themselves, without splitting them into segments.
  if (NORMAL_ABSOLUTE.test(rel)) return rel;
  const target = rel.trim();
  const segs = target.startsWith("/") ? [] : base.split("/").filter(Boolean);
  for (const seg of target.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segs.pop();
    else segs.push(seg);
  }
  return "/" + segs.join("/");
}

/** Parent path of an absolute state path; null for the root. */
export function parentPath(p: string): string | null {
  if (p === "/") return null;
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** Child path of `parent` named `name`. */
export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}
