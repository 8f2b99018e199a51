// bind() handlers (spec dsl.md §4.9): which ones apply to a state, in registration order.
import type { BoundHandler, ScriptHost } from "../sandbox/types.js";
import { isWithin, normaliseContextPath } from "./paths.js";

export type HandlerType = "preMatch" | "selectNLUResult" | "preProcess" | "postProcess" | "onScriptError" | "onAnyError" | "onDialogError";

/** Handlers of `type` whose `path` (default `/`) contains `statePath`. */
export function handlersFor(host: ScriptHost, type: HandlerType, statePath: string): BoundHandler[] {
  return host.handlers.filter((h) => h.type === type && isWithin(statePath, normaliseContextPath(h.path || "/")));
}
