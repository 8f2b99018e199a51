// XML tests over a project with a CAILA export: <q> is classified like a user's phrase, <request> may
// carry the intent; in this thread and in workers (each reading the model the runner trained).
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTests } from "./runner.js";

const BOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/nlu");
const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

describe("XML tests with intents", () => {
  for (const workers of [0, 2]) {
    it(`classify <q> and take <request> intents (${workers === 0 ? "in this thread" : "in workers"})`, async () => {
      const r = await runTests(BOT, { color: false, progress: false, workers, out: sink() });
      const cases = r.files.flatMap((f) => f.cases);
      expect(cases.map((c) => [c.id, c.status, c.failure?.message])).toEqual([
        ["a phrase is classified like a user's", "passed", undefined],
        ["a request can carry the intent", "passed", undefined],
        ["unknown words end in noMatch", "passed", undefined],
      ]);
    });
  }
});

describe("XML tests with required slots", () => {
  const SLOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/slots");
  for (const workers of [0, 2]) {
    it(`meet the prompts of the emulated slot filling, the filling kept between steps (${workers === 0 ? "in this thread" : "in workers"})`, async () => {
      const r = await runTests(SLOTS, { color: false, progress: false, workers, out: sink() });
      const cases = r.files.flatMap((f) => f.cases);
      expect(cases.map((c) => [c.id, c.status, c.failure?.message])).toEqual([
        ["the missing slots are asked for, then the intent's state runs", "passed", undefined],
        ["an answer without the slot is asked again, then given to the scenario", "passed", undefined],
      ]);
    }, 60_000); // workers train or read the model each: slow on a loaded machine
  }
});

describe("cases that need intent classification (smartapp test --json: intent)", () => {
  it("are the cases an intent decided, or that expect an intent-only state (reached or not)", async () => {
    const r = await runTests(BOT, { color: false, progress: false, workers: 0, out: sink(), all: true, only: [{ file: "test/measure/intent-cases.xml" }] });
    const cases = r.files.flatMap((f) => f.cases);
    expect(cases.map((c) => [c.id, c.status, c.intent])).toEqual([
      ["decided by an intent", "passed", { turns: 1, expected: "/Greeting" }],
      ["decided by a pattern", "passed", undefined],
      ["expects an intent state it does not reach", "failed", { turns: 0, expected: "/Greeting" }],
      ["expects an intent state's templated text", "failed", { turns: 0, expected: "/Support" }],
      ["expects a pattern state it does not reach", "failed", undefined],
      ["fails early, expects an intent state later", "failed", { turns: 0, expected: "/Greeting" }],
    ]);
  });
});
