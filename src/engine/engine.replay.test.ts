// A turn whose worker was killed for a sandbox limit is replayed straight into the error path.
import { describe, expect, it } from "vitest";
import { harness } from "../../test/fixtures/engine/harness.js";

describe("replaying a killed turn (failWith)", () => {
  it("runs the onScriptError handler bound to the state the request goes to, then postProcess", () => {
    const h = harness("handlers");
    const r = h.engine.process({ query: "scripted" }, h.state, { failWith: { message: "Script execution timed out after 2000 ms", limit: "cpu" } });
    expect(h.texts(r)).toEqual(["script error undefined", "post after script error"]);
    expect(r.error).toMatchObject({ kind: "limit", message: "Script execution timed out after 2000 ms" });
  });

  it("runs onAnyError where no onScriptError applies, without running the state", () => {
    const h = harness("handlers");
    const r = h.engine.process({ query: "other" }, h.state, { failWith: { message: "Memory limit exceeded", limit: "memory" } });
    expect(h.texts(r)).toEqual(["any error: Memory limit exceeded"]);
  });
});

describe("replaying a CPU kill without catastrophic trigger regexps", () => {
  const cpu = { failWith: { message: "Script execution timed out after 2000 ms", limit: "cpu" as const } };

  it("leaves a regexp flagged at load out of the second match, so it cannot burn the CPU again", () => {
    const h = harness("../security/redos");
    expect(h.texts(h.engine.process({ query: "aaab" }, h.state))).toEqual(["slow"]);
    const replay = h.engine.process({ query: "aaab" }, h.state, cpu);
    expect(h.texts(replay)).toEqual(["error at /NoMatch"]);
    expect(replay.error).toMatchObject({ kind: "limit" });
  });

  it("still matches everything else, and a memory kill matches the regexp as before", () => {
    const h = harness("../security/redos");
    expect(h.texts(h.engine.process({ query: "ping" }, h.state, cpu))).toEqual(["error at /Ping"]);
    expect(h.texts(h.engine.process({ query: "aaab" }, h.state, { failWith: { message: "Memory limit exceeded", limit: "memory" } }))).toEqual(["error at /Slow"]);
  });
});
