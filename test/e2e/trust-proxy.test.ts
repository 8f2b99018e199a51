// `serve --trust-proxy` behind a reverse proxy: the YooKassa sender check sees the address the proxy
// names in X-Forwarded-For, but only when the request comes from a trusted proxy. Without the option
// (or from an untrusted peer) the header changes nothing: a client cannot name its own address.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startYooKassaEmulator, type RunningYooKassaEmulator } from "../../src/payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../../src/payments/yookassa/emulator-core.js";
import { repoRoot, startServe, type RunningServer } from "./server.js";

const project = path.join(repoRoot, "test/fixtures/payments/yookassa-flows");
const YOOKASSA = "203.0.113.0/24"; // stands for YooKassa's ranges; loopback is not in it
const env = (emuUrl: string) => ({ YOOKASSA_URL: emuUrl, YOOKASSA_SHOP_ID: "proxied", YOOKASSA_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY, YOOKASSA_TRUSTED_IPS: YOOKASSA });

/** Status of an empty notification: 403 when the sender is refused, else the body's own verdict (400). */
async function notify(server: RunningServer, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${server.url}/payments/yookassa/proxied/notify`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) },
    body: "{}",
  });
  await res.arrayBuffer();
  return res.status;
}

describe("serve --trust-proxy", () => {
  let emu: RunningYooKassaEmulator;
  let proxied: RunningServer;
  let direct: RunningServer;

  beforeAll(async () => {
    emu = await startYooKassaEmulator({});
    [proxied, direct] = await Promise.all([
      startServe(project, ["--store", "memory", "--trust-proxy", "127.0.0.1/32,::1"], env(emu.url)),
      startServe(project, ["--store", "memory"], env(emu.url)),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([proxied?.stop(), direct?.stop()]);
    await emu?.close();
  });

  it("takes the sender from X-Forwarded-For of a trusted proxy", async () => {
    expect(await notify(proxied, "203.0.113.9")).toBe(400); // past the sender check, to the body
    expect(await notify(proxied, "198.51.100.1")).toBe(403);
    expect(await notify(proxied)).toBe(403); // the proxy's own address is not YooKassa's
    // A client in front of the proxy cannot name itself: the last untrusted hop counts.
    expect(await notify(proxied, "203.0.113.9, 198.51.100.1")).toBe(403);
  });

  it("ignores X-Forwarded-For without it", async () => {
    expect(await notify(direct, "203.0.113.9")).toBe(403);
  });

  it("refuses 'any' and malformed ranges before it listens", async () => {
    await expect(startServe(project, ["--trust-proxy", "any"])).rejects.toThrow(/every client/);
    await expect(startServe(project, ["--trust-proxy", "10.0.0.0/99"])).rejects.toThrow(/not an IP address or CIDR range/);
  });
});
