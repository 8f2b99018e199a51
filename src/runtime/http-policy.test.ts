import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalAddress, closedRange, HttpPolicy, parseAllowRule } from "./http-policy.js";
import { createOutboundHttp } from "./outbound-http.js";

describe("closedRange", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["0:0:0:0:0:ffff:7f00:1", "loopback"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:7f00:1::", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["100.127.255.255", "shared (CGNAT)"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved"],
    // IPv4-translated (SIIT, ::ffff:0:a.b.c.d): a translator delivers it to the IPv4 address inside.
    ["::ffff:0:7f00:1", "loopback"],
    ["::ffff:0:10.0.0.1", "private"],
    // Local-use translation prefix: where the IPv4 address sits depends on the operator's prefix length.
    ["64:ff9b:1::a00:1", "reserved"],
    ["64:ff9b:1:7f00:1::", "reserved"],
    ["100::1", "reserved"], // discard-only
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
  ])("%s is closed (%s)", (address, why) => {
    expect(closedRange(address)).toBe(why);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2a00:1450:4010:c05::64", "::ffff:8.8.8.8", "::ffff:0:8.8.8.8", "64:ff9b::808:808", "93.184.216.34"])("%s is public", (address) => {
    expect(closedRange(address)).toBeUndefined();
  });

  it("unwraps IPv4 carried in IPv6", () => {
    expect(canonicalAddress("[::ffff:7f00:1]")).toBe("127.0.0.1");
    expect(canonicalAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
  });
});

describe("HttpPolicy", () => {
  it("refuses closed ranges with a reason and opens them by host, host:port, address or CIDR", () => {
    expect(new HttpPolicy().refusal("localhost", 8080, "127.0.0.1")).toMatch(/localhost \(127\.0\.0\.1\):8080: a loopback address is closed to scripts.*--allow-http/);
    expect(new HttpPolicy().refusal("example.com", 443, "93.184.216.34")).toBeUndefined();
    expect(new HttpPolicy(["127.0.0.1"]).refusal("127.0.0.1", 9, "127.0.0.1")).toBeUndefined();
    expect(new HttpPolicy(["127.0.0.1"]).refusal("[::ffff:7f00:1]", 9, "::ffff:7f00:1")).toBeUndefined();
    expect(new HttpPolicy(["127.0.0.1"]).refusal("localhost", 9, "::1")).toMatch(/loopback/);
    expect(new HttpPolicy(["localhost"]).refusal("LOCALHOST", 9, "::1")).toBeUndefined();
    expect(new HttpPolicy(["localhost:8080"]).refusal("localhost", 8080, "127.0.0.1")).toBeUndefined();
    expect(new HttpPolicy(["localhost:8080"]).refusal("localhost", 8081, "127.0.0.1")).toMatch(/closed/);
    expect(new HttpPolicy(["10.0.0.0/8"]).refusal("db.internal", 5432, "10.9.8.7")).toBeUndefined();
    expect(new HttpPolicy(["10.0.0.0/8"]).refusal("db.internal", 5432, "192.168.0.1")).toMatch(/private/);
    expect(new HttpPolicy(["[::1]:3000"]).refusal("[::1]", 3000, "::1")).toBeUndefined();
    expect(new HttpPolicy(["fd00::/8"]).refusal("x", 1, "fd00::5")).toBeUndefined();
  });

  it("rejects patterns it cannot read", () => {
    expect(() => parseAllowRule("http://x/")).toThrow(/expected a host/);
    expect(() => parseAllowRule("127.0.0.1:99999")).toThrow(/bad port/);
    expect(() => parseAllowRule("10.0.0.0/40")).toThrow(/prefix/);
    expect(parseAllowRule("127.0.0.1:8080")).toMatchObject({ port: 8080 });
    expect(parseAllowRule("::1")).toMatchObject({ port: undefined });
  });
});

/** Bytes each endless response had written when its connection closed. */
const endlessSent: number[] = [];

/** A response that never ends (until the client goes away), with or without a declared length. */
function endless(res: http.ServerResponse, chunked: boolean): void {
  res.writeHead(200, chunked ? { "content-type": "text/plain" } : { "content-type": "text/plain", "content-length": String(2 ** 40) });
  const chunk = Buffer.alloc(64 * 1024, 120);
  let sent = 0;
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk)) sent += chunk.length;
  };
  res.on("drain", pump);
  res.on("close", () => endlessSent.push(sent));
  pump();
}

describe("outbound $http through the policy", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/hop") res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` }).end();
      else if (req.url?.startsWith("/endless")) endless(res, req.url.endsWith("chunked"));
      else res.end("internal " + req.url);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => void server.close());

  const get = (url: string, allow: string[] = []) => createOutboundHttp(new HttpPolicy(allow))({ method: "GET", url, headers: {}, timeoutMs: 3000 });

  it.each([
    "http://127.0.0.1:PORT/metrics",
    "http://localhost:PORT/metrics",
    "http://2130706433:PORT/metrics",
    "http://0x7f000001:PORT/metrics",
    "http://0x7f.0.0.1:PORT/metrics",
    "http://017700000001:PORT/metrics",
    "http://0177.0.0.1:PORT/metrics",
    "http://127.1:PORT/metrics",
    "http://[::ffff:127.0.0.1]:PORT/metrics",
    "http://[::ffff:7f00:1]:PORT/metrics",
    "http://0.0.0.0:PORT/metrics",
    "http://0:PORT/metrics",
    "http://[::1]:PORT/metrics",
    "http://[::]:PORT/metrics",
  ])("refuses %s", async (spelling) => {
    const res = await get(spelling.replace("PORT", String(port)));
    expect(res.status).toBe(-1);
    expect(res.error).toMatch(/may not connect to .*closed to scripts/);
    expect(res.body).toBe("");
  });

  it("opens what --allow-http names, and nothing else", async () => {
    const ok = await get(`http://127.0.0.1:${port}/metrics`, [`127.0.0.1:${port}`]);
    expect(ok).toMatchObject({ status: 200, body: "internal /metrics" });
    expect((await get(`http://2130706433:${port}/metrics`, ["127.0.0.0/8"])).status).toBe(200);
    expect((await get(`http://localhost:${port}/x`, ["localhost"])).status).toBe(200);
    expect((await get(`http://127.0.0.1:${port}/metrics`, [`127.0.0.1:${port + 1}`])).status).toBe(-1);
  });

  it("refuses a response body over the limit without holding it (declared or streamed), and keeps serving", async () => {
    const limit = 64 * 1024;
    const fetchWith = (url: string) => createOutboundHttp(new HttpPolicy([`127.0.0.1:${port}`]), { maxResponseBytes: limit })({ method: "GET", url, headers: {}, timeoutMs: 3000 });
    for (const kind of ["declared", "chunked"]) {
      const res = await fetchWith(`http://127.0.0.1:${port}/endless-${kind}`);
      expect(res, kind).toMatchObject({ status: -1, body: "", error: `$http response body is larger than ${limit} bytes` });
    }
    const small = await fetchWith(`http://127.0.0.1:${port}/small`);
    expect(small).toMatchObject({ status: 200, body: "internal /small" });
    // The server saw the endless responses cut short: it did not stream them for the full timeout.
    expect(endlessSent.every((bytes) => bytes < 64 * 1024 * 1024)).toBe(true);
  });

  it("does not follow a redirect: the script's next request is checked again", async () => {
    const hop = await get(`http://127.0.0.1:${port}/hop`, [`127.0.0.1:${port}`]);
    expect(hop.status).toBe(302);
    const next = await get(hop.headers.location!);
    expect(next.error).toMatch(/closed to scripts/);
  });
});
