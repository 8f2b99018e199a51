// The console's guard against other web pages: DNS rebinding (a name re-pointed at 127.0.0.1) and
// cross-site requests that would make it act (docs/console.md, docs/security.md).
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../project/model.js";
import type { SessionStore } from "../storage/types.js";
import { consoleRefusal, consoleRouter } from "./router.js";

let server: Server;
let port: number;

beforeAll(async () => {
  const app = express();
  const project = { config: { name: "t" }, dir: "/nonexistent" } as unknown as Project;
  app.use(
    consoleRouter({
      project: () => project,
      store: { load: async () => undefined } as unknown as SessionStore,
      webhookPath: "/webhook",
      testOptions: {},
      hosts: ["Bot.Example"],
    }),
  );
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));

function call(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("web console: requests from other pages", () => {
  it("a page whose name was re-pointed at 127.0.0.1 (DNS rebinding) cannot read the console", async () => {
    const rebound = await call("GET", "/console/api/info", { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toBe(`the console answers only requests to this machine by IP address, localhost or bot.example (Host: "attacker.example:${port}"); add a name with --console-host`);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `bot.example:${port}`, "BOT.example.", `10.0.0.7:${port}`]) expect((await call("GET", "/console/api/info", { host })).status).toBe(200);
    for (const host of ["bot.example.attacker.example", "example", "bot.example:80:80"]) expect((await call("GET", "/console/api/info", { host })).status).toBe(403);
  });

  it("a cross-site POST (a form or a no-cors fetch) does not run the tests", async () => {
    const res = await call("POST", "/console/api/tests", { host: `127.0.0.1:${port}`, origin: "https://attacker.example", "content-type": "text/plain" });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatch(/only from its own page/);
  });

  it("the console's own page and clients without Origin (curl) pass", () => {
    expect(consoleRefusal("POST", "127.0.0.1:8080", "http://127.0.0.1:8080", [])).toBeUndefined();
    expect(consoleRefusal("POST", "localhost:8080", "http://LOCALHOST:8080", [])).toBeUndefined();
    expect(consoleRefusal("POST", "127.0.0.1:8080", undefined, [])).toBeUndefined();
    expect(consoleRefusal("POST", "127.0.0.1:8080", "null", [])).toMatch(/only from its own page/);
    // Served under a name of its own (--host, --console-host): that name, but still no cross-site actions.
    expect(consoleRefusal("GET", "bot.internal:8080", undefined, ["bot.internal"])).toBeUndefined();
    expect(consoleRefusal("GET", "bot.internal:8080", undefined, [])).toMatch(/only requests to this machine/);
    expect(consoleRefusal("GET", undefined, undefined, [])).toMatch(/only requests to this machine/);
    expect(consoleRefusal("POST", "bot.internal:8080", "https://attacker.example", ["bot.internal"])).toMatch(/only from its own page/);
    // Behind a reverse proxy that names the upstream in Host and the page's host in X-Forwarded-Host.
    expect(consoleRefusal("POST", "127.0.0.1:8080", "https://bot.example", [], "bot.example")).toBeUndefined();
    expect(consoleRefusal("POST", "127.0.0.1:8080", "https://attacker.example", [], "bot.example, other")).toMatch(/only from its own page/);
  });
});
