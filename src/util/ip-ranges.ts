// Whether an address lies in CIDR ranges: the YooKassa sender check (docs/yookassa.md) and the
// webhook's client address behind trusted proxies (src/channels/smartapp/server.ts); and which
// client an address belongs to for a per-client bound (src/channels/smartapp/admission.ts).
import { isIP, isIPv4 } from "node:net";

const MAPPED_PREFIX = /^::ffff:/i;

/** Pure: whether `ip` (v4, v6 or v4-mapped v6) lies in one of the CIDR `ranges`. */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  const addr = parse(ip);
  if (!addr) return false;
  return ranges.some((range) => {
    const [net, bitsText] = range.split("/");
    const base = parse(net ?? "");
    if (!base || base.v !== addr.v) return false;
    const width = addr.v === 4 ? 32 : 128;
    const bits = bitsText === undefined ? width : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
    const shift = BigInt(width - bits);
    return addr.n >> shift === base.n >> shift;
  });
}

/**
 * Pure: the client `ip` belongs to, for a bound per client. An IPv4 address as itself, also written
 * IPv4-mapped (::ffff:a.b.c.d, ::ffff:7f00:1); an IPv6 address as its /64 ("2001:db8:0:1::/64"):
 * one host or site is handed a whole /64 and may send from any address in it (docs/security.md).
 * Anything not an address is returned as given.
 */
export function clientGroup(ip: string): string {
  // The common peers without BigInt: node's isIPv4 takes only dotted decimal without leading zeros,
  // which is the text v4Text writes back.
  if (isIPv4(ip)) return ip;
  if (ip.length > 7 && MAPPED_PREFIX.test(ip)) {
    const v4 = ip.slice(7);
    if (isIPv4(v4)) return v4;
  }
  const addr = parse(ip.replace(/%.*$/, ""));
  if (!addr) return ip;
  if (addr.v === 4) return v4Text(addr.n);
  if (addr.n >> 32n === 0xffffn) return v4Text(addr.n & 0xffff_ffffn);
  const prefix = [48n, 32n, 16n, 0n].map((s) => ((addr.n >> 64n >> s) & 0xffffn).toString(16));
  return `${prefix.join(":")}::/64`;
}

const v4Text = (n: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");

function parse(ip: string): { v: 4 | 6; n: bigint } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const kind = isIP(ip);
  if (kind === 4) return { v: 4, n: ip.split(".").reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n) };
  if (kind !== 6) return undefined;
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  if (groups.length !== 8 || groups.some((g) => g.includes("."))) return undefined; // embedded v4 forms other than ::ffff: are not senders
  return { v: 6, n: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n) };
}
