// State paths (spec dsl.md §4.6 "Path resolution"): absolute, relative to a base state, and the
// ancestor arithmetic locality needs.
import type { Project, State } from "../project/model.js";
import { resolvePath } from "../project/paths.js";
import { DialogError } from "./errors.js";

/** `$jsapi.resolvePath` rules, shared with the loader. */
export const resolveStatePath = resolvePath;

/** `<state>Symptoms</state>` style values without the leading slash are absolute too. */
export function normaliseContextPath(path: string | undefined): string {
  if (!path) return "/";
  return resolveStatePath("/", path);
}

/** True when `path` is `base` or lies inside it. */
export function isWithin(path: string, base: string): boolean {
  return base === "/" || path === base || path.startsWith(base + "/");
}

export function depth(path: string): number {
  return path === "/" ? 0 : path.split("/").length - 1;
}

/** Resolve and check that the state exists; unknown → DialogError `State not found for path …`. */
export function requireState(project: Project, base: string, rel: string): State {
  const path = resolveStatePath(base, rel);
  const state = project.states.get(path);
  if (!state) throw new DialogError(`State not found for path ${rel.trim() === path ? path : `${rel.trim()} (${path})`}`);
  return state;
}
