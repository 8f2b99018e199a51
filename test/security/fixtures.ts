// Fresh copies of the security fixture projects (each server writes its own .smartapp/ there).
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "../e2e/server.js";

export function fixtureCopy(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `security-${name}-`));
  cpSync(path.join(repoRoot, "test/fixtures/security", name), dir, { recursive: true });
  return dir;
}
