import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graph } from "./graph.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("smartapp graph", () => {
  it("draws states, nesting and every kind of literal transition of the demo", () => {
    const dot = graph(repoRoot, { modules: [] });
    expect(dot.startsWith("digraph smartapp {")).toBe(true);
    expect(dot).toContain('"/Start" -> "/Catalog" [label="Каталог"];'); // button
    expect(dot).toContain('"/Checkout" -> "/Catalog" [label="go!"];'); // go!
    expect(dot).toContain('"/Checkout" -> "/Checkout/Failed" [label="transition"];'); // script transition
    expect(dot).toContain('"/Payment" -> "/Payment/Paid" [color=gray, arrowhead=none];'); // nesting
    expect(dot).toContain('"/NoMatch" [style=dashed];'); // noContext
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });
});
