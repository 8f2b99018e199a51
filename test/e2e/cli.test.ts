// The `smartapp` command as a user runs it: exit codes and what it prints.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./server.js";

function smartapp(...args: string[]) {
  const r = spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), ...args], { cwd: repoRoot, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("smartapp check", () => {
  it("summarises the bundled demo and exits 0", () => {
    const r = smartapp("check", ".");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ files, \d+ states, \d+ triggers, \d+ named patterns, 1 dictionaries, \d+ test files$/m);
  });

  it("points at the broken line and exits 1", () => {
    const r = smartapp("check", "test/fixtures/projects/duplicate-state");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/src\/main\.sc:\d+:\d+: .*duplicate/i);
    expect(r.stderr).toMatch(/1 error\(s\)/);
  });

  it("--json gives editors every diagnostic with its file, line and column", () => {
    const bad = JSON.parse(smartapp("check", "test/fixtures/projects/duplicate-state", "--json").stdout);
    expect(bad).toMatchObject({ ok: false, projectDir: path.join(repoRoot, "test/fixtures/projects/duplicate-state") });
    expect(bad.diagnostics).toEqual([expect.objectContaining({ severity: "error", file: "src/main.sc", line: 3, col: 5 })]);
    expect(bad.diagnostics[0].message).toMatch(/duplicate state \/Start/);
    const good = smartapp("check", ".", "--json");
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, summary: { dictionaries: 1 } });
  });

  it("--json reports warnings with positions", () => {
    const r = JSON.parse(smartapp("check", "test/fixtures/projects/basic", "--json", "--modules", "test/fixtures/projects/_modules").stdout);
    expect(r.ok).toBe(true);
    expect(r.diagnostics).toContainEqual({ severity: "warning", message: 'unknown key "someFutureKey" ignored', file: "chatbot.yaml", line: 7, col: 16 });
  });
});

describe("startup failures exit at once with the reason", () => {
  it("serve on a busy port exits 2 instead of hanging, and leaves nothing listening", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), "serve", ".", "--port", String(port), "--sandbox-port", "0", "--store", "memory"], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.signal).toBeNull(); // not killed by the timeout
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      busy.close();
    }
  });

  it("chat with a missing project folder exits 2", () => {
    const r = spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), "chat", "/nonexistent-project"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 30_000,
      input: "",
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("chatbot.yaml not found in /nonexistent-project");
  });
});

describe("smartapp graph", () => {
  it("prints DOT for a project", () => {
    const r = smartapp("graph", ".");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("digraph smartapp {");
  });
});

describe("--channel: the channel turns come from", () => {
  const project = "test/fixtures/projects/channels";
  const chat = (input: string, ...args: string[]) =>
    spawnSync(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), "chat", project, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000, input });

  it("smartapp chat --channel telegram: scripts see telegram and a Telegram update", () => {
    const telegram = chat("старт\n", "--channel", "telegram");
    expect(telegram.status).toBe(0);
    expect(telegram.stdout).toContain('"channels" as channel telegram');
    expect(telegram.stdout).toContain('[text] (/Start) Telegram, the same user wrote "старт"');
  }, 60_000);

  it("smartapp chat --channel chatwidget: that type and the user; no --channel is smartapp", () => {
    const widget = chat("start\n", "--channel", "chatwidget");
    expect(widget.stdout).toContain("[text] (/Start) Channel chatwidget, user Test");
    const smartappChat = chat("start\n");
    expect(smartappChat.stdout).toContain("[text] (/Start) SmartApp, with the assistant's uuid");
  }, 60_000);

  it("smartapp test --channel telegram runs every step as telegram; a bad type is refused before anything runs", () => {
    const passed = smartapp("test", project, "test/telegram.xml", "--channel", "telegram");
    expect(passed.stdout).toContain("2 passed, 0 failed");
    expect(passed.code).toBe(0);
    expect(smartapp("test", project, "test/telegram.xml").code).toBe(1);
    const bad = smartapp("test", project, "--channel", "two words");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"two words" is not a channel type');
  }, 60_000);
});
