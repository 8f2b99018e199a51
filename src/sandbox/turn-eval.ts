// Host-side evaluation of turn-data code: a script, condition or `{{ }}` template that the realm's
// rules (source.ts, TurnDataRules) already call turn data, evaluated by a small interpreter on the
// turn's JSON copies instead of inside the isolate (docs/sandbox.md, "Turn data on the host").
// It accepts a whitelist of syntax and of values, and answers "not handled" — leaving nothing
// changed — for anything whose V8 result it does not reproduce exactly: the caller then runs the
// code in the isolate as before. It never runs a function, reads a getter or calls a conversion.
import { parse } from "acorn";

/** The turn roots the evaluator knows (the realm core's `$session` & co., jsapi/_core.js scopeVar). */
export type TurnRootName = "$session" | "$client" | "$temp" | "$request" | "$parseTree" | "$response";
const ROOT_NAMES: ReadonlySet<string> = new Set<TurnRootName>(["$session", "$client", "$temp", "$request", "$parseTree", "$response"]);

/**
 * The turn's data as the isolate would hold it. Writable roots are this turn's own JSON copies
 * (the evaluator changes them in place and restores them when it refuses); read-only roots are
 * deeply frozen JSON copies: a write into a frozen object is refused, never attempted.
 */
export interface TurnRoots {
  /** The root's object, or undefined when the host cannot tell what the isolate holds there (the code is refused). */
  root(name: TurnRootName): Record<string, unknown> | undefined;
  /**
   * Characters the turn's evaluations may still build, compare or store (strings made by `+` and
   * conversions, compared, kept in turn data): the host has no CPU or memory limit of its own, so
   * the work of all host evaluations of a turn is bounded, and code over it runs in the isolate.
   */
  budget: number;
}

/** What an evaluation gave: the value, or why the isolate must run the code instead. */
export type Evaluated<T> = { done: true; value: T } | { done: false; why: string };

/** A parsed, whitelisted piece of code (opaque outside this file). */
export interface TurnCode {
  readonly kind: "script" | "expr";
  readonly body: readonly AnyNode[];
  readonly vars: readonly string[];
  readonly lexical: readonly string[];
}

/** A parsed template: literal text and turn-data expressions, split as the realm core splits (jsapi/_core.js parseTemplate). */
export interface TurnTemplate {
  readonly parts: readonly ({ lit: string } | { code: TurnCode })[];
}

export interface TurnEvaluatorOptions {
  /**
   * Per kind of JSON value, names its prototype has in the project's contexts after load beyond
   * this realm's: what platform or load code added or replaced (a primitive value too) and the
   * primitive-valued ones (the realm core's `turnDataNames`, `own`). A read or write of a name that
   * a value does not own and that its prototype chain has is refused: in the isolate it could reach
   * a value, a getter or a setter the host does not have.
   */
  own: Partial<Record<ValueKind, Iterable<string>>>;
  /**
   * Names some prototype of the contexts has as an object, function or accessor (the core's
   * `shared` and `loaded`): one this realm has on no prototype is refused for every kind.
   */
  inherited?: Iterable<string>;
  /** The realm's limit for a string leaving the isolate (DEFAULT_MAX_OUT_CHARS, src/sandbox/realm.ts). */
  maxOutChars: number;
}

type AnyNode = { type: string; [key: string]: any };
/** Per kind of value, the names it may inherit in the project's contexts. */
type Inherited = Readonly<Record<ValueKind, ReadonlySet<string>>>;

/** Thrown inside an evaluation: the code is not handled here (caught by TurnEvaluator, never leaves it). */
class Refusal {
  constructor(readonly why: string) {}
}

/** `a?.b` met a nullish `a`: the whole chain is undefined. */
const SHORT_CIRCUIT = Symbol("short-circuit");
/** `return` in a script. */
const RETURNED = Symbol("returned");
/** A `let`/`const` before its declaration ran (V8 throws a ReferenceError: refused). */
const UNINITIALISED = Symbol("uninitialised");

const refuse = (why: string): never => {
  throw new Refusal(why);
};

const SAFE_GLOBALS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["undefined", undefined],
  ["NaN", NaN],
  ["Infinity", Infinity],
]);

/** Names that lead from data to builtins (`__proto__` also sets a prototype): never read or written here. */
const REFLECTIVE: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);
const BINARY = new Set(["==", "!=", "===", "!==", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", ">>>", "in"]);
const UNARY = new Set(["!", "-", "+", "~", "typeof", "void", "delete"]);
const ASSIGN = new Set(["=", "+=", "-=", "*=", "/=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>=", ">>>=", "||=", "&&=", "??="]);
/** Own names that a conversion of a plain object or array would call (Object.prototype.toString, Array.prototype.join). */
const CONVERSION_NAMES = ["valueOf", "toString", "join", "toJSON"];

/** The kinds of value a read or write can start from, each with its own prototype chain. */
export type ValueKind = "object" | "array" | "string" | "number" | "boolean";

/** Names each kind of JSON value inherits in this realm (the isolate runs the same V8). */
function realmInherited(): Record<ValueKind, string[]> {
  const object = ["__proto__", ...Object.getOwnPropertyNames(Object.prototype)];
  const own = (proto: object): string[] => [...object, ...Object.getOwnPropertyNames(proto)];
  return { object, array: own(Array.prototype), string: own(String.prototype), number: own(Number.prototype), boolean: own(Boolean.prototype) };
}

/** `key` is an array index as V8 reads it (canonical, below 2^32 - 1). */
function isIndex(key: string): boolean {
  if (!/^(?:0|[1-9]\d*)$/.test(key)) return false;
  return Number(key) < 4294967295;
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The evaluator: parses and checks code once (per source text), then evaluates it per turn.
 * Every `run*` either completes exactly as V8 would, or leaves the roots as they were and says why not.
 */
export class TurnEvaluator {
  private readonly inherited: Inherited;
  private readonly maxOutChars: number;
  private readonly codes = new Map<string, TurnCode | null>();
  private readonly templates = new Map<string, TurnTemplate | null>();

  constructor(opts: TurnEvaluatorOptions) {
    // A chain is the kind's prototype and Object.prototype, as the realm reports them and as this
    // realm has them (the same V8: the union only guards against a difference).
    const base = realmInherited();
    const known = new Set(Object.values(base).flat());
    const extra = [...(opts.inherited ?? [])].filter((name) => !known.has(name));
    const reported = (kind: ValueKind): string[] => [...(opts.own[kind] ?? []), ...(kind === "object" ? [] : (opts.own.object ?? []))];
    const sets = {} as Record<ValueKind, ReadonlySet<string>>;
    for (const kind of Object.keys(base) as ValueKind[]) sets[kind] = new Set([...base[kind], ...reported(kind), ...extra]);
    this.inherited = sets;
    this.maxOutChars = opts.maxOutChars;
  }

  /** A script body (function-body semantics, as host.ts wraps it), or undefined when its syntax is not handled. */
  script(code: string): TurnCode | undefined {
    return this.cached(this.codes, "s" + code, () => compile(code, "script"));
  }

  /** A condition (the realm core's evalExpr: an expression, or a statement list's completion value). */
  expr(src: string): TurnCode | undefined {
    return this.cached(this.codes, "e" + src, () => compile(src, "expr"));
  }

  template(template: string): TurnTemplate | undefined {
    return this.cached(this.templates, template, () => compileTemplate(template));
  }

  private cached<T>(map: Map<string, T | null>, key: string, make: () => T | undefined): T | undefined {
    const known = map.get(key);
    if (known !== undefined) return known ?? undefined;
    const made = make() ?? null;
    if (map.size >= 1000) map.clear(); // a bound (a syntax tree of 2,000 characters of code is ~100 kB), not a cache policy
    map.set(key, made);
    return made ?? undefined;
  }

  /** Run a script (its `return` value is ignored, as the realm core's `run` ignores it). */
  runScript(code: TurnCode, roots: TurnRoots): Evaluated<undefined> {
    return this.evaluate(roots, (e) => {
      e.program(code);
      return undefined;
    });
  }

  /** A condition's truth (the realm core's `test`: `!!` of its value). */
  test(code: TurnCode, roots: TurnRoots): Evaluated<boolean> {
    return this.evaluate(roots, (e) => !!e.program(code));
  }

  /** The realm core's render: literal text, and `String(value)` of each expression ('' for null and undefined). */
  render(template: TurnTemplate, roots: TurnRoots): Evaluated<string> {
    return this.evaluate(roots, (e) => {
      let out = "";
      for (const part of template.parts) {
        if ("lit" in part) out += part.lit;
        else {
          const v = e.program(part.code);
          out += v === undefined || v === null ? "" : e.toText(v);
        }
        e.checkLength(out);
      }
      // The realm refuses a result longer than this as JSON (jsapi/_core.js finish): let it say so.
      if (out.length * 6 + 2 > this.maxOutChars && JSON.stringify(out).length > this.maxOutChars) refuse("the result is over the realm's output limit");
      return out;
    });
  }

  private evaluate<T>(roots: TurnRoots, run: (e: Evaluation) => T): Evaluated<T> {
    const e = new Evaluation(roots, this.inherited, this.maxOutChars);
    try {
      return { done: true, value: run(e) };
    } catch (err) {
      e.rollback();
      return { done: false, why: err instanceof Refusal ? err.why : `unexpected ${String(err)}` };
    }
  }
}

// ---- compile: parse and check the whitelist once ----

function compile(source: string, kind: "script" | "expr"): TurnCode | undefined {
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: kind === "script" }) as unknown as AnyNode;
  } catch {
    return undefined;
  }
  const body = program.body as AnyNode[];
  const vars = new Set<string>();
  const lexical = new Set<string>();
  try {
    for (const s of body) collect(s, vars, lexical, true, kind);
    const scope = new Set([...vars, ...lexical]);
    for (const s of body) checkStatement(s, scope, kind);
  } catch (err) {
    if (err instanceof Refusal) return undefined;
    throw err;
  }
  return { kind, body, vars: [...vars], lexical: [...lexical] };
}

/** Declared names: `var` anywhere (hoisted), `let`/`const` at the top level only (as source.ts allows). */
function collect(s: AnyNode, vars: Set<string>, lexical: Set<string>, top: boolean, kind: "script" | "expr"): void {
  if (s.type === "VariableDeclaration") {
    // In a condition a declaration would be a global of the context (indirect eval).
    if (kind === "expr" || (s.kind !== "var" && !top)) refuse("declaration");
    for (const d of s.declarations as AnyNode[]) {
      const id = d.id as AnyNode;
      if (id.type !== "Identifier" || ROOT_NAMES.has(id.name) || SAFE_GLOBALS.has(id.name) || id.name === "arguments" || id.name === "eval" || id.name.startsWith("$")) refuse("declared name");
      if (vars.has(id.name) || lexical.has(id.name)) refuse("declared twice");
      (s.kind === "var" ? vars : lexical).add(id.name);
    }
  } else if (s.type === "IfStatement") {
    collect(s.consequent, vars, lexical, false, kind);
    if (s.alternate) collect(s.alternate, vars, lexical, false, kind);
  } else if (s.type === "BlockStatement") {
    for (const b of s.body as AnyNode[]) collect(b, vars, lexical, false, kind);
  }
}

function checkStatement(s: AnyNode, scope: ReadonlySet<string>, kind: "script" | "expr"): void {
  switch (s.type) {
    case "EmptyStatement":
      return;
    case "ExpressionStatement":
      if (s.directive !== undefined) refuse("directive"); // "use strict" changes what writes do
      return checkExpr(s.expression, scope);
    case "VariableDeclaration":
      for (const d of s.declarations as AnyNode[]) if (d.init) checkExpr(d.init, scope);
      return;
    case "IfStatement":
      if (kind === "expr") refuse("statement");
      checkExpr(s.test, scope);
      checkStatement(s.consequent, scope, kind);
      if (s.alternate) checkStatement(s.alternate, scope, kind);
      return;
    case "BlockStatement":
      if (kind === "expr") refuse("statement");
      for (const b of s.body as AnyNode[]) checkStatement(b, scope, kind);
      return;
    case "ReturnStatement":
      if (s.argument) checkExpr(s.argument, scope);
      return;
    default:
      refuse(s.type);
  }
}

function checkKey(n: AnyNode): void {
  if (n.computed) {
    const key = n.property as AnyNode;
    if (key.type !== "Literal" || (typeof key.value !== "string" && typeof key.value !== "number")) refuse("computed key");
  } else if ((n.property as AnyNode).type !== "Identifier") refuse("private name");
}

function checkExpr(n: AnyNode, scope: ReadonlySet<string>): void {
  const check = (e: AnyNode): void => checkExpr(e, scope);
  switch (n.type) {
    case "Literal":
      if (n.value !== null && typeof n.value !== "string" && typeof n.value !== "number" && typeof n.value !== "boolean") refuse("literal");
      return;
    case "Identifier":
      if (!ROOT_NAMES.has(n.name) && !SAFE_GLOBALS.has(n.name) && !scope.has(n.name)) refuse(`name ${n.name}`);
      return;
    case "MemberExpression":
      checkKey(n);
      if (REFLECTIVE.has(memberKey(n))) refuse(memberKey(n));
      return check(n.object);
    case "ChainExpression":
      return check(n.expression);
    case "ArrayExpression":
      for (const e of n.elements as (AnyNode | null)[]) {
        if (e === null || e.type === "SpreadElement") refuse("hole or spread");
        check(e!);
      }
      return;
    case "ObjectExpression":
      for (const p of n.properties as AnyNode[]) {
        if (p.type !== "Property" || p.kind !== "init" || p.method || p.computed) refuse("property");
        const name = propertyName(p.key);
        if (name === undefined || REFLECTIVE.has(name)) refuse("property name");
        check(p.value);
      }
      return;
    case "UnaryExpression":
      if (!UNARY.has(n.operator)) refuse(n.operator);
      // A name, or an optional chain (`delete a?.b` parses as a ChainExpression).
      if (n.operator === "delete" && n.argument.type !== "MemberExpression") refuse("delete of a name");
      return check(n.argument);
    case "UpdateExpression":
      return checkTarget(n.argument, scope);
    case "BinaryExpression":
      if (!BINARY.has(n.operator)) refuse(n.operator);
      check(n.left);
      return check(n.right);
    case "LogicalExpression":
      check(n.left);
      return check(n.right);
    case "ConditionalExpression":
      check(n.test);
      check(n.consequent);
      return check(n.alternate);
    case "AssignmentExpression":
      if (!ASSIGN.has(n.operator)) refuse(n.operator);
      checkTarget(n.left, scope);
      return check(n.right);
    case "SequenceExpression":
      for (const e of n.expressions as AnyNode[]) check(e);
      return;
    default:
      refuse(n.type);
  }
}

/** An assignment target: a local, or a member (a root itself is never reassigned here). */
function checkTarget(n: AnyNode, scope: ReadonlySet<string>): void {
  if (n.type === "Identifier") {
    if (!scope.has(n.name)) refuse(`assignment to ${n.name}`);
    return;
  }
  if (n.type !== "MemberExpression") refuse("assignment target"); // `a?.b = 1` does not parse
  checkExpr(n, scope);
}

function propertyName(key: AnyNode): string | undefined {
  if (key.type === "Identifier") return key.name as string;
  if (key.type === "Literal" && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return undefined;
}

function memberKey(n: AnyNode): string {
  return n.computed ? String((n.property as AnyNode).value) : ((n.property as AnyNode).name as string);
}

/** The realm core's parseTemplate (jsapi/_core.js) for templates whose expressions hold no braces. */
function compileTemplate(t: string): TurnTemplate | undefined {
  const parts: ({ lit: string } | { code: TurnCode })[] = [];
  let i = 0;
  while (i < t.length) {
    const open = t.indexOf("{{", i);
    if (open < 0) break;
    if (open > i) parts.push({ lit: t.slice(i, open) });
    const from = open + 2;
    const close = t.indexOf("}}", from);
    if (close < 0) {
      parts.push({ lit: t.slice(open) });
      i = t.length;
      break;
    }
    const src = t.slice(from, close);
    // The core takes the first `}}` that closes a valid expression; without braces in the source
    // (source.ts refuses them) no later `}}` can, so the first one is chosen either way.
    if (src.includes("{") || src.includes("}")) return undefined;
    if (/^\s*$/.test(src)) parts.push({ lit: "" });
    else {
      const code = compile(src, "expr");
      if (!code) return undefined;
      parts.push({ code });
    }
    i = close + 2;
  }
  if (i < t.length) parts.push({ lit: t.slice(i) });
  return { parts };
}

// ---- evaluate ----

/** The locals of an evaluation that runs no program (a condition, a template): never written. */
const NO_LOCALS: ReadonlyMap<string, { value: unknown; constant: boolean }> = new Map();

/** One evaluation: locals, the objects it created, and what to restore if it is refused. */
class Evaluation {
  // Collections are made when first needed: most evaluations are one condition or template.
  private locals = NO_LOCALS as Map<string, { value: unknown; constant: boolean }>;
  /** Objects created by this evaluation and not yet stored anywhere: the only objects a write may store. */
  private fresh: WeakSet<object> | undefined;
  /**
   * Every member this evaluation set or deleted, with what it held before, in order: undoing costs
   * what the writes cost, never the size of the object written to (a 70,000-key `$session` was
   * copied whole before each script's first write, on the main thread).
   */
  private readonly journal: { object: Record<string, unknown>; key: string; had: boolean; old: unknown }[] = [];
  /** Key order of each object a delete changed, before its first delete: a key put back goes last. */
  private orders: Map<Record<string, unknown>, string[]> | undefined;

  constructor(
    private readonly roots: TurnRoots,
    private readonly inherited: Inherited,
    private readonly maxOutChars: number,
  ) {}

  /** Run a parsed program; its value is the completion value of its last expression statement. */
  program(code: TurnCode): unknown {
    this.locals = new Map();
    for (const name of code.vars) this.locals.set(name, { value: undefined, constant: false });
    for (const name of code.lexical) this.locals.set(name, { value: UNINITIALISED, constant: false });
    let completion: unknown = undefined;
    try {
      for (const s of code.body) completion = this.statement(s, completion);
    } catch (err) {
      if (err !== RETURNED) throw err;
    }
    return completion;
  }

  private statement(s: AnyNode, completion: unknown): unknown {
    switch (s.type) {
      case "EmptyStatement":
        return completion;
      case "ExpressionStatement":
        return this.value(s.expression);
      case "VariableDeclaration":
        for (const d of s.declarations as AnyNode[]) {
          const name = (d.id as AnyNode).name as string;
          if (s.kind === "var") {
            if (d.init) this.locals.get(name)!.value = this.value(d.init);
          } else this.locals.set(name, { value: d.init ? this.value(d.init) : undefined, constant: s.kind === "const" });
        }
        return completion;
      case "IfStatement":
        if (this.value(s.test)) return this.statement(s.consequent, completion);
        return s.alternate ? this.statement(s.alternate, completion) : completion;
      case "BlockStatement":
        for (const b of s.body as AnyNode[]) completion = this.statement(b, completion);
        return completion;
      case "ReturnStatement":
        if (s.argument) this.value(s.argument);
        throw RETURNED;
      default:
        return refuse(s.type);
    }
  }

  private value(n: AnyNode): unknown {
    switch (n.type) {
      case "Literal":
        return n.value;
      case "Identifier":
        return this.name(n.name as string);
      case "MemberExpression": {
        const object = this.value(n.object);
        if (n.optional && (object === undefined || object === null)) throw SHORT_CIRCUIT;
        return this.read(object, memberKey(n));
      }
      case "ChainExpression":
        try {
          return this.value(n.expression);
        } catch (err) {
          if (err === SHORT_CIRCUIT) return undefined;
          throw err;
        }
      case "ArrayExpression": {
        const out: unknown[] = [];
        for (const e of n.elements as AnyNode[]) out.push(this.storable(this.value(e)));
        (this.fresh ??= new WeakSet()).add(out);
        return out;
      }
      case "ObjectExpression": {
        const out: Record<string, unknown> = {};
        for (const p of n.properties as AnyNode[]) Object.defineProperty(out, propertyName(p.key)!, { value: this.storable(this.value(p.value)), writable: true, enumerable: true, configurable: true });
        (this.fresh ??= new WeakSet()).add(out);
        return out;
      }
      case "UnaryExpression":
        return this.unary(n);
      case "UpdateExpression": {
        const ref = this.reference(n.argument);
        const old = this.toNumber(ref.get());
        const updated = n.operator === "++" ? old + 1 : old - 1;
        ref.set(updated);
        return n.prefix ? updated : old;
      }
      case "BinaryExpression":
        return this.binary(n.operator as string, this.value(n.left), this.value(n.right));
      case "LogicalExpression": {
        const left = this.value(n.left);
        if (n.operator === "&&") return left ? this.value(n.right) : left;
        if (n.operator === "||") return left ? left : this.value(n.right);
        return left === undefined || left === null ? this.value(n.right) : left;
      }
      case "ConditionalExpression":
        return this.value(n.test) ? this.value(n.consequent) : this.value(n.alternate);
      case "AssignmentExpression":
        return this.assign(n);
      case "SequenceExpression": {
        let v: unknown;
        for (const e of n.expressions as AnyNode[]) v = this.value(e);
        return v;
      }
      default:
        return refuse(n.type);
    }
  }

  private name(name: string): unknown {
    const local = this.locals.get(name);
    if (local) {
      if (local.value === UNINITIALISED) refuse(`${name} before its declaration`);
      return local.value;
    }
    if (ROOT_NAMES.has(name)) return this.roots.root(name as TurnRootName) ?? refuse(`root ${name}`);
    if (SAFE_GLOBALS.has(name)) return SAFE_GLOBALS.get(name);
    return refuse(`name ${name}`);
  }

  /** `object[key]` where it is an own data property or certainly absent from every prototype. */
  private read(object: unknown, key: string): unknown {
    if (object === undefined || object === null) refuse("a property of null or undefined"); // a TypeError in V8
    if (typeof object === "object") {
      if (hasOwn(object as object, key)) {
        const d = Object.getOwnPropertyDescriptor(object, key)!;
        if (!("value" in d)) refuse(`accessor ${key}`);
        return d.value;
      }
    } else if (typeof object === "string") {
      if (key === "length") return object.length;
      if (isIndex(key) && Number(key) < object.length) return object[Number(key)];
    }
    if (this.inheritedBy(object).has(key)) refuse(`inherited ${key}`);
    return undefined;
  }

  private inheritedBy(value: unknown): ReadonlySet<string> {
    if (Array.isArray(value)) return this.inherited.array;
    const kind = typeof value;
    if (kind === "object" || kind === "string" || kind === "number" || kind === "boolean") return this.inherited[kind as ValueKind];
    return refuse(kind);
  }

  /** A write the isolate would make as a plain data property of this turn's JSON data, and JSON keeps as it is. */
  private write(object: unknown, key: string, value: unknown): void {
    if (object === null || typeof object !== "object") return refuse("a write to a primitive or nullish value");
    if (Object.isFrozen(object)) refuse("a write to read-only turn data");
    const own = hasOwn(object, key);
    if (!own && this.inheritedBy(object).has(key)) refuse(`a write of inherited ${key}`);
    if (Array.isArray(object)) {
      // JSON keeps only an array's elements, and a hole comes back as null.
      if (!isIndex(key) || Number(key) > object.length) refuse("an array write other than an element or the next one");
    }
    // Writing back what the member holds (`var b = $session.b; b.n++; $session.b = b;`) changes nothing.
    if (own && (object as Record<string, unknown>)[key] === value && value !== null && typeof value === "object") return;
    this.storable(value);
    this.remember(object, key, own);
    if (own) (object as Record<string, unknown>)[key] = value;
    else Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  }

  /**
   * A value that may be kept in turn data: one that a JSON copy gives back as it is (the state goes
   * into the isolate as JSON if the turn enters it later), and no object the data already holds
   * (JSON would split the alias).
   */
  private storable(value: unknown): unknown {
    if (value === undefined) refuse("undefined kept in turn data");
    if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) refuse(`${Object.is(value, -0) ? "-0" : String(value)} kept in turn data`);
    if (typeof value === "string") this.checkLength(value);
    if (value !== null && typeof value === "object") {
      if (!this.fresh?.has(value)) refuse("an object of turn data kept twice");
      this.fresh!.delete(value);
    }
    return value;
  }

  private remember(object: object, key: string, own: boolean): void {
    const o = object as Record<string, unknown>;
    this.journal.push({ object: o, key, had: own, old: own ? o[key] : undefined });
  }

  /** Before a delete: the object's key order, once per evaluation (its cost counts against the budget). */
  private rememberOrder(object: object): void {
    const o = object as Record<string, unknown>;
    if (this.orders?.has(o)) return;
    const keys = Object.keys(o);
    this.spend(keys.length);
    (this.orders ??= new Map()).set(o, keys);
  }

  /** Undo every write, newest first, and put deleted keys back in their order: the evaluation leaves nothing. */
  rollback(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const { object, key, had, old } = this.journal[i]!;
      if (!had) {
        if (Array.isArray(object)) object.length = Number(key); // an append (write() allows only the next index)
        else delete object[key];
      } else if (hasOwn(object, key)) object[key] = old;
      else Object.defineProperty(object, key, { value: old, writable: true, enumerable: true, configurable: true });
    }
    for (const [object, order] of this.orders ?? []) {
      const keys = order.filter((k) => hasOwn(object, k)); // a key this evaluation added before the delete is gone again
      const values = keys.map((k) => object[k]);
      for (const k of keys) delete object[k];
      keys.forEach((k, i) => Object.defineProperty(object, k, { value: values[i], writable: true, enumerable: true, configurable: true }));
    }
    this.journal.length = 0;
    this.orders = undefined;
  }

  private reference(n: AnyNode): { get(): unknown; set(v: unknown): void } {
    if (n.type === "Identifier") {
      const local = this.locals.get(n.name as string)!;
      return {
        get: () => this.name(n.name as string),
        set: (v) => {
          if (local.value === UNINITIALISED) refuse(`${n.name} before its declaration`);
          if (local.constant) refuse("assignment to a constant");
          local.value = v;
        },
      };
    }
    const object = this.value(n.object);
    const key = memberKey(n);
    return { get: () => this.read(object, key), set: (v) => this.write(object, key, v) };
  }

  private assign(n: AnyNode): unknown {
    const ref = this.reference(n.left);
    const op = n.operator as string;
    if (op === "=") {
      const v = this.value(n.right);
      ref.set(v);
      return v;
    }
    const old = ref.get();
    if (op === "||=" || op === "&&=" || op === "??=") {
      const keep = op === "||=" ? !!old : op === "&&=" ? !old : old !== undefined && old !== null;
      if (keep) return old;
      const v = this.value(n.right);
      ref.set(v);
      return v;
    }
    const v = this.binary(op.slice(0, -1), old, this.value(n.right));
    ref.set(v);
    return v;
  }

  private unary(n: AnyNode): unknown {
    if (n.operator === "delete") {
      const target = n.argument as AnyNode;
      const object = this.value(target.object);
      const key = memberKey(target);
      if (object === null || typeof object !== "object") return refuse("delete on a primitive or nullish value");
      if (Object.isFrozen(object)) refuse("delete in read-only turn data");
      if (Array.isArray(object)) refuse("delete in an array"); // leaves a hole
      if (!hasOwn(object, key)) return true;
      this.rememberOrder(object);
      this.remember(object, key, true);
      delete (object as Record<string, unknown>)[key];
      return true;
    }
    const v = this.value(n.argument);
    switch (n.operator) {
      case "!":
        return !v;
      case "typeof":
        return typeof v;
      case "void":
        return undefined;
      case "-":
        return -this.toNumber(v);
      case "+":
        return this.toNumber(v);
      default: // "~"
        return ~this.toNumber(v);
    }
  }

  private binary(op: string, a: unknown, b: unknown): unknown {
    switch (op) {
      case "===":
      case "!==":
        if (typeof a === "string") this.spend(a.length);
        if (typeof b === "string") this.spend(b.length);
        return op === "===" ? a === b : a !== b;
      case "==":
        return this.looseEquals(a, b);
      case "!=":
        return !this.looseEquals(a, b);
      case "in": {
        if (b === null || typeof b !== "object") return refuse("`in` on a primitive"); // a TypeError in V8
        const key = String(this.primitive(a));
        if (hasOwn(b, key)) return true;
        if (this.inheritedBy(b).has(key)) refuse(`inherited ${key}`);
        return false;
      }
    }
    const x = this.primitive(a) as any;
    const y = this.primitive(b) as any;
    // Comparing or concatenating flattens strings: their length is work.
    if (typeof x === "string") this.spend(x.length);
    if (typeof y === "string") this.spend(y.length);
    switch (op) {
      case "+": {
        const s = x + y;
        if (typeof s === "string") this.checkLength(s);
        return s;
      }
      case "-":
        return x - y;
      case "*":
        return x * y;
      case "/":
        return x / y;
      case "%":
        return x % y;
      case "**":
        return x ** y;
      case "<":
        return x < y;
      case "<=":
        return x <= y;
      case ">":
        return x > y;
      case ">=":
        return x >= y;
      case "&":
        return x & y;
      case "|":
        return x | y;
      case "^":
        return x ^ y;
      case "<<":
        return x << y;
      case ">>":
        return x >> y;
      default: // ">>>"
        return x >>> y;
    }
  }

  /** `a == b` (primitives compare natively: this realm is the same V8). */
  private looseEquals(a: unknown, b: unknown): boolean {
    if (typeof a === "string") this.spend(a.length);
    if (typeof b === "string") this.spend(b.length);
    const objA = a !== null && typeof a === "object";
    const objB = b !== null && typeof b === "object";
    if (objA && objB) return a === b;
    if (objA || objB) {
      const other = objA ? b : a;
      if (other === undefined || other === null) return false;
      return (objA ? this.primitive(a) : a) == (objB ? this.primitive(b) : b);
    }
    return a == b;
  }

  private toNumber(v: unknown): number {
    return +(this.primitive(v) as number);
  }

  /** A JSON object or array converted as V8 does with the builtin valueOf/toString/join; primitives as they are. */
  primitive(v: unknown, seen: object[] = []): unknown {
    if (v === null || typeof v !== "object") return v;
    for (const name of CONVERSION_NAMES) if (hasOwn(v, name)) refuse(`own ${name}`);
    if (!Array.isArray(v)) return "[object Object]";
    if (seen.includes(v)) refuse("a cyclic array");
    seen.push(v); // the arrays being joined, outermost first
    let out = "";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ",";
      const e = Object.hasOwn(v, i) ? v[i] : this.read(v, String(i)); // a hole (none expected: JSON and write() make none) reads the prototype
      if (e !== undefined && e !== null) out += typeof e === "object" ? String(this.primitive(e, seen)) : String(e);
      if (out.length > this.maxOutChars) refuse("a string over the realm's output limit");
    }
    seen.pop();
    this.spend(out.length);
    return out;
  }

  toText(v: unknown): string {
    return String(this.primitive(v));
  }

  /** No string over the realm's output limit (the host never builds what the isolate could not hand out), and the turn's budget. */
  checkLength(s: string): void {
    if (s.length > this.maxOutChars) refuse("a string over the realm's output limit");
    this.spend(s.length);
  }

  private spend(chars: number): void {
    this.roots.budget -= chars;
    if (this.roots.budget < 0) refuse("over the turn's budget for host evaluation");
  }
}
