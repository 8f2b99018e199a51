import { describe, expect, it } from "vitest";
import { clusterRefusal, processesWanted, restartPause } from "./cluster.js";
import { processCount, readConfig } from "./config.js";

describe("serve --processes", () => {
  it("reads a whole number or auto (one per core); unset is one process", () => {
    expect(processCount("--processes", "3")).toBe(3);
    expect(processCount("--processes", "auto")).toBe("auto");
    expect(() => processCount("--processes", "0")).toThrow(/1 or more/);
    expect(() => processCount("--processes", "1.5")).toThrow(/whole number/);
    expect(readConfig({ SMARTAPP_PROCESSES: "2" }).processes).toBe(2);
    expect(readConfig({}).processes).toBeUndefined();
    expect(processesWanted(undefined)).toBe(1);
    expect(processesWanted("auto", 6)).toBe(6);
    expect(processesWanted(4, 1)).toBe(4);
  });

  it("refuses what keeps state in one process", () => {
    const ok = { store: "sqlite" as const, sandbox: false };
    const noSmartPay = { payments: {} as never };
    expect(clusterRefusal(ok, noSmartPay)).toBeUndefined();
    expect(clusterRefusal({ ...ok, store: "redis" }, noSmartPay)).toBeUndefined();
    expect(clusterRefusal({ ...ok, store: "memory" }, noSmartPay)).toMatch(/--store memory/);
    expect(clusterRefusal({ ...ok, paymentsDb: ":memory:" }, noSmartPay)).toMatch(/payment ledger per process/);
    expect(clusterRefusal({ ...ok, sandbox: true }, noSmartPay)).toMatch(/SmartPay sandbox/);
    expect(clusterRefusal({ ...ok, sandbox: true }, { payments: { url: "https://smartpay.example" } as never })).toBeUndefined();
    expect(clusterRefusal({ ...ok, watch: true }, noSmartPay)).toMatch(/--watch/);
    expect(clusterRefusal({ ...ok, console: true }, noSmartPay)).toMatch(/console/);
  });

  it("starts a dead worker's successor at once, then after a pause that doubles up to 30 s while they die young", () => {
    expect([0, 1, 2, 3, 7, 20].map(restartPause)).toEqual([0, 500, 1000, 2000, 30_000, 30_000]);
  });
});
