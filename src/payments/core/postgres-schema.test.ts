// SchemaSetup: the schema creation every PostgreSQL payments store waits on (the ledger, the merchant
// outbox, webhook acquiring's orders). Over a real database: store-postgres.test.ts.
import { describe, expect, it } from "vitest";
import { SchemaSetup } from "./postgres-schema.js";

describe("SchemaSetup", () => {
  it("runs once at start; a failed run is run again by the next wait, a successful one never", async () => {
    let runs = 0;
    const setup = new SchemaSetup(async () => {
      runs++;
      if (runs === 1) throw new Error("database \"x\" does not exist");
    });
    await expect(setup.ready()).resolves.toBeUndefined(); // the start failed: this wait ran it again
    await setup.ready();
    expect(runs).toBe(2);
  });

  it("settles without throwing when the run failed, for closing", async () => {
    const setup = new SchemaSetup(() => Promise.reject(new Error("down")));
    await expect(setup.settled()).resolves.toBeUndefined();
  });
});
