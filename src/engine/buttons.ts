// Buttons (spec dsl.md §2.10, §6): replies built from `buttons:`/`inlineButtons:` and click handling.
import type { Reply } from "./types.js";
import { resolveStatePath } from "./paths.js";

/** Clicks match a button's text trimmed and case-insensitively [I]. */
export const normaliseButtonText = (text: string): string => text.trim().toLowerCase();

/** Relative `transition` targets resolve against the producing state when the reply is built. */
export function resolveButtonTransition(button: Record<string, unknown>, state: string): void {
  if (typeof button.transition === "string" && button.transition.trim() !== "") {
    button.transition = resolveStatePath(state, button.transition);
  }
}

/** The `text → transition` map of this turn's button replies (what the next request may click). */
export function collectButtonTransitions(replies: readonly Reply[]): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  let any = false;
  for (const r of replies) {
    if ((r.type !== "buttons" && r.type !== "inlineButtons") || !Array.isArray(r.buttons)) continue;
    for (const b of r.buttons as unknown[]) {
      if (!b || typeof b !== "object") continue;
      const { text, transition } = b as { text?: unknown; transition?: unknown };
      if (typeof text !== "string" || typeof transition !== "string" || !transition) continue;
      // Scripts may push relative transitions; resolve them like the tag does.
      // defineProperty: a button labelled "__proto__" stays a key and never becomes the prototype
      const target = resolveStatePath(typeof r.state === "string" ? r.state : "/", transition);
      Object.defineProperty(map, normaliseButtonText(text), { value: target, enumerable: true, writable: true, configurable: true });
      any = true;
    }
  }
  return any ? map : undefined;
}
