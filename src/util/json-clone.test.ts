import { describe, expect, it } from "vitest";
import { jsonClone } from "./json-clone.js";

/** What the clone must equal: the JSON round trip it replaces. */
const roundTrip = (value: unknown): unknown => {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : JSON.parse(json);
};

describe("jsonClone", () => {
  const plain = { contextPath: "/Add", count: 3, nested: { list: [1, "two", null, true, { deep: [] }] }, empty: {}, neg: -0.5 };

  it("copies plain data into new objects equal to the round trip", () => {
    const copy = jsonClone(plain) as typeof plain;
    expect(copy).toStrictEqual(roundTrip(plain));
    expect(copy).not.toBe(plain);
    expect(copy.nested).not.toBe(plain.nested);
    expect(copy.nested.list).not.toBe(plain.nested.list);
    copy.nested.list.push(5);
    expect(plain.nested.list).toHaveLength(5);
  });

  it("keeps JSON's rules for the values it does not copy directly", () => {
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    const protoKey = JSON.parse('{"__proto__": {"polluted": true}, "b": 2}') as unknown;
    class Point {
      constructor(public x: number) {}
    }
    const cases: unknown[] = [
      undefined,
      null,
      "text",
      -0,
      [undefined, () => 1, Symbol("s")],
      { a: undefined, f: () => 1, s: Symbol("s"), keep: 1 },
      { n: NaN, i: Infinity, neg: -Infinity },
      { when: new Date(0) },
      { boxed: [new Number(1), new String("s"), new Boolean(false)] },
      { map: new Map([[1, 2]]), point: new Point(3) },
      { custom: { toJSON: (key: string) => `key ${key}` } },
      nullProto,
      protoKey,
      [1, , 3], // eslint-disable-line no-sparse-arrays
      Object.assign([1, 2], { extra: "ignored" }),
      { 2: "b", 1: "a", z: 1, y: 2 },
    ];
    for (const value of cases) expect(jsonClone(value)).toStrictEqual(roundTrip(value));
    // An enumerable member inherited from a polluted Object.prototype is not copied, as JSON leaves it out.
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluting = 1;
    try {
      expect(Object.keys(jsonClone({ own: 2 }) as object)).toEqual(["own"]);
    } finally {
      delete proto.polluting;
    }
    const copied = jsonClone(protoKey) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.hasOwn(copied, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("throws what JSON.stringify throws for a cycle or a bigint, and copies deep nesting", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => jsonClone(cycle)).toThrow(TypeError);
    expect(() => jsonClone({ big: 1n })).toThrow(TypeError);
    let deep: unknown = "leaf";
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(jsonClone(deep)).toStrictEqual(roundTrip(deep));
  });
});
