// Seed 003's own examples in a project laid out like the seed's (test/fixtures/payments/seed-pay):
// they must behave under `smartapp test` as they do on the webhook.
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTests } from "../testing/runner.js";
import { payDialogEventData } from "./pay-dialog-event.js";

const SEED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/payments/seed-pay");

async function runSeed() {
  let output = "";
  const out = new Writable({ write: (chunk, _e, cb) => ((output += String(chunk)), cb()) });
  const result = await runTests(SEED, { color: false, progress: false, workers: 0, out });
  return { result, output, cases: result.files.flatMap((f) => f.cases) };
}

describe("PAY_DIALOG_FINISHED: one mapping for every entry point", () => {
  it("offers the result as payment_response and as the seed's eventData[0]", () => {
    const params = { payment_response: { response_code: 4, invoice_id: "9" }, app_info: { projectId: "p" } };
    expect(payDialogEventData(params)).toEqual({ ...params, 0: { response_code: 4, invoice_id: "9" } });
    expect(payDialogEventData(params, false)).toEqual(params);
    expect(payDialogEventData(undefined)).toEqual({});
  });

  it("an XML test of the seed's handler ($request.data.eventData[0].response_code) passes", async () => {
    const { cases, output } = await runSeed();
    const c = cases.find((x) => x.id.startsWith("the seed's eventData[0]"));
    expect({ status: c?.status, failure: c?.failure?.message }, output).toEqual({ status: "passed", failure: undefined });
  });
});
