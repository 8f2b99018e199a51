// Hostile scripts against the real server: each attack is a SERVER_ACTION to the fixture project
// test/fixtures/security/hostile, and a probe user checks what the next users see and that they are
// served. Requests are sent one at a time, so they land on the same (first idle) worker.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubbles, post, repoRoot, say, smartappMessage, startServe, type RunningServer } from "../e2e/server.js";

const fixture = path.join(repoRoot, "test/fixtures/security/hostile");

const action = (id: string, user: string, parameters: Record<string, unknown> = {}) =>
  smartappMessage("SERVER_ACTION", { server_action: { action_id: id, parameters } }, user);

async function answer(body: unknown): Promise<string> {
  const r = await post(server.url, body);
  expect(r.status).toBe(200);
  return bubbles(r.json).join(" | ");
}

/** The probe: a fresh user's turn, with what it can see of earlier users' changes. */
async function probe(user = `probe-${Math.random()}`): Promise<string> {
  const started = Date.now();
  const text = await answer(say("ping", user));
  expect(Date.now() - started).toBeLessThan(3000);
  return text;
}

const CLEAN_PROBE = 'pong {"pwned":null,"isAdmin":null,"stash":"undefined"}';

function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssMb: Number(rss?.[1] ?? 0) / 1024 };
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServe(fixture, ["--store", "memory"]);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe("sandbox escapes over HTTP", () => {
  it("import() spelled past a textual guard (U+2028, CR, <!--) reaches no process", async () => {
    const text = await answer(action("importescape", "attacker-import"));
    expect(text).toMatch(/^IMPORT /);
    const results = JSON.parse(text.slice("IMPORT ".length)) as string[];
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).toBe("contained: process is not defined");
    expect(await probe()).toBe(CLEAN_PROBE);
  });

  it("user text a project evaluates cannot import either", async () => {
    for (const expr of ["import//x\u2028('node:fs')", "import//x\r('node:child_process')", "import<!--x\n('node:fs')"]) {
      expect(await answer(action("calc", "attacker-calc", { expr }))).toBe("CALC contained: process is not defined");
    }
    expect(await answer(action("calc", "honest-calc", { expr: "6 * 7" }))).toBe("CALC 42");
  });
});

describe("one user's turn never reaches the next user's", () => {
  it("Object.prototype pollution", async () => {
    expect(await answer(action("protoa", "attacker-proto"))).toBe("PROTOA done");
    expect(await probe("victim-proto")).toBe(CLEAN_PROBE);
  });

  it("Object.prototype pollution by a script that looks like turn data (a member chain on a number literal)", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await answer(action("literalchain", `attacker-literal-${i}`))).toBe("LITERALCHAIN done");
      expect(await answer(action("whoami", `victim-literal-${i}`))).toBe("WHOAMI admin=");
      expect(await probe(`victim-literal-${i}`)).toBe(CLEAN_PROBE);
    }
  });

  it("a spy on Array.prototype.push", async () => {
    expect(await answer(action("spyinstall", "attacker-spy"))).toBe("SPY installed");
    expect(await probe("victim-spy")).toBe(CLEAN_PROBE);
    expect(await answer(action("spyread", "attacker-spy"))).toBe("SPY null");
  });

  it("a global variable holding $context", async () => {
    expect(await answer(action("globalstash", "victim-stash"))).toBe("stashed");
    expect(await answer(action("globalread", "attacker-stash"))).toBe("GLOBALREAD none");
  });
});

describe("resource limits", () => {
  it("a looping FinalizationRegistry callback burns no CPU after the turn; others are served", async () => {
    expect(await answer(action("finreg", "attacker-finreg"))).toBe("FINREG registered");
    for (let i = 0; i < 3; i++) await probe();
    const before = procStat(server.child.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const after = procStat(server.child.pid!);
    // Clock ticks are 1/100 s: a spinning worker would add ~200 ticks over 2 s.
    expect(after.cpuTicks - before.cpuTicks).toBeLessThan(60);
    expect(await probe()).toBe(CLEAN_PROBE);
  }, 30_000);

  it("2 × 700 MB of Uint8Array fails that turn into the project's error path; the memory is not held", async () => {
    const rssBefore = procStat(server.child.pid!).rssMb;
    expect(await answer(action("memoffheap", "attacker-mem"))).toBe("ONERROR");
    expect(procStat(server.child.pid!).rssMb - rssBefore).toBeLessThan(300);
    expect(await probe()).toBe(CLEAN_PROBE);
  }, 30_000);

  it("a 100 MB answer fails that turn into the project's error path before it leaves the isolate; memory stays bounded, others are served", async () => {
    const rssBefore = procStat(server.child.pid!).rssMb;
    expect(await answer(action("bigreply", "attacker-bigreply"))).toBe("ONERROR");
    expect(procStat(server.child.pid!).rssMb - rssBefore).toBeLessThan(400);
    expect(await probe()).toBe(CLEAN_PROBE);
  }, 60_000);

  it("a heap bomb kills the isolate: that request gets the project's error answer, the next requests of that user and of others are served", async () => {
    expect(await answer(action("memheap", "attacker-heap"))).toBe("ONERROR");
    expect(await answer(say("ping", "attacker-heap"))).toMatch(/^pong /);
    expect(await probe()).toBe(CLEAN_PROBE);
    expect(await answer(action("memheap", "attacker-heap"))).toBe("ONERROR");
    expect(await probe()).toBe(CLEAN_PROBE);
    expect(await probe()).toBe(CLEAN_PROBE);
  }, 60_000);
});
