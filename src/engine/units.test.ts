// Unit tests of the pure parts: locality tiers, intervals, button maps (no script host needed).
import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject } from "../project/loader.js";
import { activeTriggers, GLOBAL_TIER, modalFor } from "./locality.js";
import { parseInterval } from "./timeouts.js";
import { collectButtonTransitions } from "./buttons.js";
import { DialogError } from "./errors.js";
import { requireState } from "./paths.js";

const fixture = (name: string) => loadProject(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine", name));

describe("activeTriggers", () => {
  const project = fixture("locality");
  const tierOf = (context: string, owner: string) => {
    const t = project.triggers.find((x) => x.owner === owner)!;
    return activeTriggers(project, context).tiers.get(t.id);
  };

  it("gives children of the context tier 0, siblings 1, further ancestors' children more, globals last", () => {
    expect(tierOf("/Start/A", "/Start/A/A1")).toBe(0);
    expect(tierOf("/Start/A", "/Start/B")).toBe(1);
    expect(tierOf("/Start/A/A1", "/Start/B")).toBe(2);
    expect(tierOf("/Start/A/A1", "/Top")).toBe(3);
    expect(tierOf("/Start/A/A1", "/GlobalHello")).toBe(GLOBAL_TIER);
  });

  it("leaves out grandchildren and children of siblings", () => {
    expect(tierOf("/Start", "/Start/A/A1")).toBeUndefined();
    expect(tierOf("/Start/A", "/Start/B/B1")).toBeUndefined();
  });

  it("finds the governing modal state", () => {
    const modal = fixture("modal");
    expect(modalFor(modal, "/Ask")).toBe("/Ask");
    expect(modalFor(modal, "/Ask/Yes")).toBe("/Ask");
    expect(modalFor(modal, "/Help")).toBeUndefined();
  });
});

describe("parseInterval", () => {
  it.each([
    [180, 180],
    ["3 sec", 3],
    ["10s", 10],
    ["2 seconds", 2],
    ["1 minute", 60],
    ["5m", 300],
    ["1 hour", 3600],
  ])("%s → %s s", (value, seconds) => expect(parseInterval(value)).toBe(seconds));

  it("rejects nonsense", () => expect(() => parseInterval("soon")).toThrow(DialogError));
});

describe("paths and buttons", () => {
  it("requireState names the missing path", () => {
    expect(() => requireState(fixture("locality"), "/Start", "../Nope")).toThrow("State not found for path ../Nope (/Nope)");
  });

  it("collects text → absolute transition of button replies only", () => {
    const map = collectButtonTransitions([
      { type: "text", text: "Pick" },
      { type: "buttons", state: "/Menu", buttons: [{ text: " Yes ", transition: "./Yes" }, { text: "Plain" }] },
      { type: "inlineButtons", state: "/Menu", buttons: [{ text: "Back", transition: "/Home" }] },
    ]);
    expect(map).toEqual({ yes: "/Menu/Yes", back: "/Home" });
  });
});
