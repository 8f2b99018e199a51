import { describe, expect, it } from "vitest";
import { clientGroup, inRanges } from "./ip-ranges.js";

describe("clientGroup", () => {
  it("gives an IPv4 address as itself, also written IPv4-mapped in either case or in hex", () => {
    expect(clientGroup("127.0.0.1")).toBe("127.0.0.1");
    expect(clientGroup("0.0.0.0")).toBe("0.0.0.0");
    expect(clientGroup("255.255.255.255")).toBe("255.255.255.255");
    expect(clientGroup("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(clientGroup("::FFFF:10.1.2.3")).toBe("10.1.2.3");
    expect(clientGroup("::ffff:7f00:1")).toBe("127.0.0.1");
  });

  it("gives an IPv6 address as its /64, zone dropped", () => {
    expect(clientGroup("2001:db8:0:1:2:3:4:5")).toBe("2001:db8:0:1::/64");
    expect(clientGroup("2001:db8:0:1::9")).toBe("2001:db8:0:1::/64");
    expect(clientGroup("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientGroup("::1")).toBe("0:0:0:0::/64");
  });

  it("gives anything that is not an address as given (leading zeros are not dotted decimal)", () => {
    for (const text of ["", "01.2.3.4", "1.2.3.04", "256.1.1.1", "::ffff:01.2.3.4", "::ffff:", "localhost", " 1.2.3.4"]) {
      expect(clientGroup(text)).toBe(text);
    }
  });
});

describe("inRanges", () => {
  it("matches v4, v6 and v4-mapped addresses against CIDR ranges", () => {
    expect(inRanges("10.1.2.3", ["10.0.0.0/8"])).toBe(true);
    expect(inRanges("::ffff:10.1.2.3", ["10.0.0.0/8"])).toBe(true);
    expect(inRanges("11.1.2.3", ["10.0.0.0/8"])).toBe(false);
    expect(inRanges("2001:db8::1", ["2001:db8::/32"])).toBe(true);
    expect(inRanges("2001:db9::1", ["2001:db8::/32", "127.0.0.1"])).toBe(false);
    expect(inRanges("127.0.0.1", ["127.0.0.1"])).toBe(true);
  });
});
