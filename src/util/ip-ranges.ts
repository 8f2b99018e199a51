// Whether an address lies in CIDR ranges: the YooKassa sender check (docs/yookassa.md) and the
// webhook's client address behind trusted proxies (src/channels/smartapp/server.ts).
import { isIP } from "node:net";

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
