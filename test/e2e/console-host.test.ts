// The web console served on a non-loopback address (`serve --host 0.0.0.0 --console`) answers only
// a Host that names the machine directly or is on its list: a web page whose own name an attacker
// re-points at the server (DNS rebinding) is refused 403 with the reason (docs/console.md).
import { request } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startServe, type RunningServer } from "./server.js";

/** GET `path` from the server with this Host header (fetch cannot set one). */
function get(server: RunningServer, urlPath: string, host: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: urlPath, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serve --host 0.0.0.0 --console: the console's Host allow-list", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServe(path.join(repoRoot, "test/fixtures/e2e/counter"), ["--store", "memory", "--host", "0.0.0.0", "--console", "--console-host", "bot.example,Console.Example"]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses a Host of another name with 403 and the reason, answers IP addresses, localhost and the listed names", async () => {
    const rebound = await get(server, "/console/api/info", "attacker.example");
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toBe(
      'the console answers only requests to this machine by IP address, localhost or bot.example, console.example (Host: "attacker.example"); add a name with --console-host',
    );
    expect((await get(server, "/console/", "bot.example.attacker.example")).status).toBe(403);
    for (const host of ["127.0.0.1", "192.0.2.10:8080", "localhost", "bot.example", "console.example:443"]) {
      expect((await get(server, "/console/api/info", host)).status, host).toBe(200);
    }
  });

  it("leaves the webhook to any Host", async () => {
    const { port } = new URL(server.url);
    const res = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ messageId: 1, sessionId: "s", messageName: "MESSAGE_TO_SKILL", uuid: { userId: "u", sub: "u", userChannel: "B2C" }, payload: { message: { original_text: "привет" } } });
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/webhook", headers: { host: "attacker.example", "content-type": "application/json" } }, (r) => {
        r.resume();
        r.on("end", () => resolve(r.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(res).toBe(200);
  });
});
