import { describe, expect, it } from "vitest";
import { launchFlags, NO_SNAPSHOT, YOUNG_GENERATION } from "./launch-flags.js";

describe("the flags smartapp starts itself with", () => {
  it("adds the snapshot flag and a larger young generation", () => {
    expect(launchFlags([])).toEqual([NO_SNAPSHOT, YOUNG_GENERATION]);
    expect(YOUNG_GENERATION).toBe("--max-semi-space-size=32");
  });

  it("keeps a young-generation size the operator chose, in argv or NODE_OPTIONS, in either spelling", () => {
    expect(launchFlags(["--max-semi-space-size=64"])).toEqual([NO_SNAPSHOT]);
    expect(launchFlags(["--inspect"], "--max_semi_space_size=8 --trace-warnings")).toEqual([NO_SNAPSHOT]);
    expect(launchFlags(["--max-old-space-size=512"])).toEqual([NO_SNAPSHOT, YOUNG_GENERATION]);
  });
});
