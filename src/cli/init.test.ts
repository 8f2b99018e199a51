import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runTests } from "../testing/runner.js";
import { initProject } from "./init.js";

const made: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "smartapp-init-"));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("smartapp init", () => {
  it("creates a project whose own tests pass at once, the purchase included", async () => {
    const dir = path.join(scratch(), "Ticket Bot");
    expect(initProject(dir).sort()).toEqual(["chatbot.yaml", "src/main.sc", "src/payment.js", "test/main.xml"]);
    expect(readFileSync(path.join(dir, "chatbot.yaml"), "utf8")).toMatch(/^name: Ticket-Bot$/m);
    const summary = await runTests(dir, { workers: 0, out: new PassThrough(), progress: false });
    expect(summary.error).toBeUndefined();
    expect(summary).toMatchObject({ failed: 0, passed: 5 });
  });

  it("never overwrites a project or files it did not make", () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    expect(() => initProject(dir)).toThrow(/not empty/);
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "src/main.sc"), "theme: /\n");
    expect(() => initProject(dir, { force: true })).toThrow(/src\/main\.sc exists/);
    expect(readFileSync(path.join(dir, "src/main.sc"), "utf8")).toBe("theme: /\n");

    const project = scratch();
    initProject(project);
    expect(() => initProject(project, { force: true })).toThrow(/already has a chatbot\.yaml/);
  });
});
