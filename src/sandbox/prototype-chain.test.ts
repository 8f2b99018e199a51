// Load code that reshapes builtin prototypes must not let a turn-data script keep anything in the
// context for the next user (docs/sandbox.md, "Per-turn state"): both cases leaked on the
// classifier that read prototypes through replaceable globals and ignored the prototypes' own chain.
import { describe, expect, it } from "vitest";
import type { LoadItem } from "../project/model.js";
import { createScriptHost } from "./host.js";
import { fakeServices, makeProject, pos, userScope } from "./testkit.js";
import type { ScriptHost } from "./types.js";

const load = (code: string): LoadItem => ({ kind: "script", code, pos: pos(1, "src/init.js") }) as LoadItem;

let line = 1000;
function turn(host: ScriptHost, session: Record<string, unknown>, script: string) {
  host.beginTurn({ ...userScope("u", session), client: { id: "c1" } });
  host.runScript(script, { es6: false, pos: pos(line++) });
  return host.endTurn();
}

describe("builtin prototypes reshaped by load code", () => {
  it("a function on Array.prototype's own prototype is shared: a mark set on it is gone for the next turn", () => {
    const host = createScriptHost(makeProject([load("Object.setPrototypeOf(Array.prototype, Object.create(Object.prototype, {helper: {value: function () {}}}));")]), fakeServices());
    turn(host, { list: [1] }, "$session.list.helper.mark = 'from turn 1';");
    expect(turn(host, {}, "$session.seen = '' + [].helper.mark;").session.seen).toBe("undefined");
  });

  it("a function added to String.prototype counts as shared even after the global String is replaced", () => {
    const host = createScriptHost(makeProject([load("String.prototype.helper = function () {};\nString = function () {};")]), fakeServices());
    turn(host, { name: "a" }, "$session.name.helper.mark = 'from turn 1';");
    expect(turn(host, {}, "$session.seen = '' + ''.helper.mark;").session.seen).toBe("undefined");
  });
});
