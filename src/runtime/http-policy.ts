// Which addresses a script's `$http` may connect to. Loopback, link-local, private, CGNAT, multicast
// and unspecified addresses are closed by default: a script must not reach the webhook's /metrics,
// the SmartPay sandbox's admin routes, Redis or a cloud metadata service on the server's side of
// the network. The operator opens them with `--allow-http` patterns (docs/security-config.md).
// The check runs on the resolved address the connection actually uses (see outbound-http.ts).
import { BlockList, isIP, isIPv4 } from "node:net";

/** Why an address is closed to scripts, by range. */
const CLOSED_V4: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared (CGNAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["192.0.2.0", 24, "documentation"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];
const CLOSED_V6: [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "reserved"], // IPv4-compatible (deprecated)
  // Local-use IPv4/IPv6 translation (RFC 8215): the IPv4 address inside sits where the operator's
  // prefix length puts it, so it cannot be unwrapped and checked; --allow-http opens it.
  ["64:ff9b:1::", 48, "reserved"],
  ["100::", 64, "reserved"], // discard-only
  ["2001:db8::", 32, "documentation"],
  ["3fff::", 20, "documentation"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "link-local"], // site-local (deprecated)
  ["fc00::", 7, "private"],
  ["ff00::", 8, "multicast"],
];

const lists = new Map<string, BlockList>();
for (const [net, bits, why] of CLOSED_V4) (lists.get(why) ?? lists.set(why, new BlockList()).get(why)!).addSubnet(net, bits, "ipv4");
for (const [net, bits, why] of CLOSED_V6) (lists.get(why) ?? lists.set(why, new BlockList()).get(why)!).addSubnet(net, bits, "ipv6");

/** The 8 16-bit groups of an IPv6 address (no zone), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head = "", tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill("0");
  const groups = [...h, ...fill, ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

const v4FromGroups = (hi: number, lo: number): string => [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");

/**
 * The address in its canonical form for checks and messages: brackets and zone dropped, and an IPv4
 * address carried inside IPv6 (::ffff:a.b.c.d, SIIT ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) unwrapped, so
 * every spelling of 127.0.0.1 is checked as 127.0.0.1.
 */
export function canonicalAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (isIPv4(bare)) return bare;
  const g = ipv6Groups(bare);
  if (!g) return bare;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeros = (xs: number[]) => xs.every((x) => x === 0);
  if (zeros([g0, g1, g2, g3, g4]) && g5 === 0xffff) return v4FromGroups(g6, g7); // ::ffff:a.b.c.d
  if (zeros([g0, g1, g2, g3, g5]) && g4 === 0xffff) return v4FromGroups(g6, g7); // IPv4-translated (SIIT) ::ffff:0:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && zeros([g2, g3, g4, g5])) return v4FromGroups(g6, g7); // 64:ff9b::a.b.c.d
  if (g0 === 0x2002) return v4FromGroups(g1, g2); // 6to4 2002:aabb:ccdd::
  return g.map((x) => x.toString(16)).join(":");
}

/** Why `address` is closed to scripts by default ("loopback", "private"…), or undefined when it is public. */
export function closedRange(address: string): string | undefined {
  const a = canonicalAddress(address);
  const family = isIP(a);
  if (family === 0) return "not an IP address";
  for (const [why, list] of lists) if (list.check(a, family === 4 ? "ipv4" : "ipv6")) return why;
  return undefined;
}

/** One `--allow-http` pattern: a host name, an IP address, or a CIDR range, each with an optional port. */
export interface AllowRule {
  text: string;
  host?: string; // lower-case host name, matched against the URL's host
  subnet?: BlockList; // an IP address or CIDR range, matched against the resolved address
  port?: number;
}

/** Parses `host`, `host:port`, `1.2.3.4`, `1.2.3.4:port`, `10.0.0.0/8`, `[::1]`, `[::1]:port`, `fd00::/8`. Throws on nonsense. */
export function parseAllowRule(text: string): AllowRule {
  const raw = text.trim();
  let hostPart = raw;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) {
    hostPart = bracketed[1]!;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if (isIP(raw) !== 6 && !/^[0-9a-f:]+\/\d+$/i.test(raw)) {
    const m = /^(.*):(\d+)$/.exec(raw);
    if (m) {
      hostPart = m[1]!;
      port = Number(m[2]);
    }
  }
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--allow-http ${text}: bad port`);
  const cidr = /^(.+)\/(\d+)$/.exec(hostPart);
  const address = cidr ? cidr[1]! : hostPart;
  const family = isIP(canonicalAddress(address));
  if (family !== 0) {
    const canon = canonicalAddress(address);
    const bits = cidr ? Number(cidr[2]) : family === 4 ? 32 : 128;
    if (bits > (family === 4 ? 32 : 128)) throw new Error(`--allow-http ${text}: bad prefix length`);
    const subnet = new BlockList();
    subnet.addSubnet(canon, bits, family === 4 ? "ipv4" : "ipv6");
    return { text: raw, subnet, port };
  }
  if (cidr || !/^[a-z0-9.-]+$/i.test(hostPart) || hostPart === "") throw new Error(`--allow-http ${text}: expected a host, host:port, an IP address or a CIDR range`);
  return { text: raw, host: hostPart.toLowerCase(), port };
}

/** What a script's `$http` may reach: public addresses, plus what the operator opened. */
export class HttpPolicy {
  readonly rules: readonly AllowRule[];
  constructor(allow: readonly string[] = []) {
    this.rules = allow.map(parseAllowRule);
  }

  /**
   * Undefined when a connection to `address` for a URL naming `host:port` is allowed; otherwise why
   * not, in words a script author can act on.
   */
  refusal(host: string, port: number, address: string): string | undefined {
    const why = closedRange(address);
    if (why === undefined) return undefined;
    const name = host.replace(/^\[|\]$/g, "").toLowerCase();
    const canon = canonicalAddress(address);
    const family = isIP(canon) === 4 ? "ipv4" : "ipv6";
    for (const r of this.rules) {
      if (r.port !== undefined && r.port !== port) continue;
      if (r.host !== undefined && r.host === name) return undefined;
      if (r.subnet && isIP(canon) !== 0 && r.subnet.check(canon, family)) return undefined;
    }
    const shown = canonicalAddress(name) === canon ? canon : `${name} (${canon})`;
    return `$http may not connect to ${shown}:${port}: a ${why} address is closed to scripts (the operator may open it with --allow-http)`;
  }
}
