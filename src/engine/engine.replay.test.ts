// A turn whose worker was killed for a sandbox limit is replayed straight into the error path.
import { describe, expect, it } from "vitest";
import { harness } from "../../test/fixtures/engine/harness.js";

describe("replaying a killed turn (failWith)", () => {
  it("runs the onScriptError handler bound to the state the request goes to, then postProcess", () => {
    const h = harness("handlers");
    const r = h.engine.process({ query: "scripted" }, h.state, { failWith: { message: "Memory limit exceeded", limit: "memory" } });
    expect(h.texts(r)).toEqual(["script error undefined", "post after script error"]);
    expect(r.error).toMatchObject({ kind: "limit", message: "Memory limit exceeded" });
  });

  it("after a CPU kill, does not match text again (the matching may be what ran away): fails at the context", () => {
    const h = harness("handlers");
    const r = h.engine.process({ query: "scripted" }, h.state, { failWith: { message: "Script execution timed out after 2000 ms", limit: "cpu" } });
    expect(h.texts(r)).toEqual(["any error: Script execution timed out after 2000 ms"]);
    expect(r.error).toMatchObject({ kind: "limit", message: "Script execution timed out after 2000 ms" });
  });

  it("after a CPU kill, still finds a clicked button's target (no matching needed)", () => {
    const h = harness("handlers");
    const state = { ...h.state, lastButtons: { scripted: "/Scripted" } };
    const r = h.engine.process({ query: "scripted" }, state, { failWith: { message: "Script execution timed out after 2000 ms", limit: "cpu" } });
    expect(h.texts(r)).toEqual(["script error undefined", "post after script error"]);
  });

  it("runs onAnyError where no onScriptError applies, without running the state", () => {
    const h = harness("handlers");
    const r = h.engine.process({ query: "other" }, h.state, { failWith: { message: "Memory limit exceeded", limit: "memory" } });
    expect(h.texts(r)).toEqual(["any error: Memory limit exceeded"]);
  });
});
