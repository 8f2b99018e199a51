// The setup the payment end-to-end tests share around `smartapp serve` on the bundled demo shop: a
// private copy of the demo project, dialog turns with unique message ids, and polling for what
// happens in the background (dispatch rounds, notifications) with a named timeout.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { bubbles, post, repoRoot, say, type RunningServer } from "../e2e/server.js";

/** The demo project copied into a temp folder (`prefix` names it), so its `.smartapp/` state is the test's alone. */
export function demoCopy(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(path.join(repoRoot, "chatbot.yaml"), path.join(dir, "chatbot.yaml"));
  cpSync(path.join(repoRoot, "scenarios"), path.join(dir, "scenarios"), { recursive: true });
  return dir;
}

export interface Turn {
  answer: any;
  bubbles: string[];
  text: string;
}

/**
 * A `turn(server, phrase, user)` that says `phrase` as `user` and expects 200. Message ids count up
 * from `firstId`, so each test file keeps its own range of unique ids, as the platform's are.
 */
export function dialogTurns(firstId: number): (server: RunningServer, phrase: string, user: string) => Promise<Turn> {
  let nextId = firstId;
  return async (server, phrase, user) => {
    const r = await post(server.url, { ...say(phrase, user), messageId: (nextId += 10) });
    expect(r.status).toBe(200);
    return { answer: r.json, bubbles: bubbles(r.json), text: r.text };
  };
}

/**
 * An `until(what, fn)` that polls `fn` every `everyMs` until it gives something other than undefined
 * or false, and fails naming `what` after `ms`: background work (dispatch rounds, notifications) is
 * awaited by its effect, never by a fixed sleep.
 */
export function poller(ms: number, everyMs = 150): <T>(what: string, fn: () => Promise<T | undefined> | T | undefined) => Promise<T> {
  return async (what, fn) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
}
