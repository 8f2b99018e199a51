// `JSON.parse(JSON.stringify(value))` without the text in between. A turn copies small JSON values
// many times (docs/sandbox.md, "Turn data on the host": every read of the host-side turn record is
// such a copy, and so is the turn's snapshot); building the text only to parse it again allocated
// the string and walked the value twice. Plain data is copied directly; anything JSON treats
// specially takes the round trip, so the result is always exactly what the round trip gives.

/** Deeper than this, the round trip decides (a cycle then throws as JSON.stringify does). */
const MAX_DEPTH = 64;

/** Thrown inside the walk when a value needs JSON's own rules; never leaves this module. */
const SPECIAL: unique symbol = Symbol("json-special");

/** What `JSON.parse(JSON.stringify(value))` returns (undefined stays undefined; JSON's errors are thrown as JSON throws them). */
export function jsonClone(value: unknown): unknown {
  try {
    return copy(value, 0);
  } catch (e) {
    if (e !== SPECIAL) throw e;
    const json = JSON.stringify(value);
    return json === undefined ? undefined : JSON.parse(json);
  }
}

/**
 * A copy of plain data: strings, finite numbers, booleans, null, arrays and objects of
 * Object.prototype or null, whose members are such data (undefined members of objects are left out,
 * as JSON does). Everything else throws SPECIAL: functions, symbols, bigints, non-finite numbers,
 * toJSON (dates), boxed primitives, other classes, a `__proto__` key (JSON.parse makes it an own
 * member, an assignment would set the prototype), holes and undefined in arrays, deep nesting.
 */
function copy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value)) return value === 0 ? 0 : value; // JSON writes -0 as 0
      throw SPECIAL;
    case "object":
      break;
    default:
      throw SPECIAL; // undefined (at the top or in an array), function, symbol, bigint
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw SPECIAL;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") throw SPECIAL;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) throw SPECIAL;
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw SPECIAL;
      out.push(copy(value[i], depth + 1));
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) throw SPECIAL;
  const out: Record<string, unknown> = {};
  // for-in walks the own keys in Object.keys order without building that array; an inherited
  // enumerable key (a polluted prototype) is none of JSON's business.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key === "__proto__") throw SPECIAL;
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    out[key] = copy(member, depth + 1);
  }
  return out;
}
