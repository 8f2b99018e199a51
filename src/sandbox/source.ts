// Static checks and small rewrites of script source before it is compiled in the realm.
import { parse, type Node } from "acorn";

/**
 * Expressions that cannot loop by themselves: no calls, no function bodies, no regex literals or
 * template literals (the base of isTurnDataExpr).
 */
const TRIVIAL_EXPR = /^[\s\p{L}\p{N}_$.[\]'"!=<>&|+\-*%?:,;]*$/u;

export function isTrivialExpr(expr: string): boolean {
  return expr.length < 500 && TRIVIAL_EXPR.test(expr);
}

/** Every `{{ … }}` of a template satisfies `test` (splitting at the first `}}` is conservative here). */
function everyTemplateExpr(template: string, test: (expr: string) => boolean): boolean {
  if (template.length > 2000) return false;
  let i = 0;
  for (;;) {
    const open = template.indexOf("{{", i);
    if (open < 0) return true;
    const close = template.indexOf("}}", open + 2);
    if (close < 0) return true;
    if (!test(template.slice(open + 2, close))) return false;
    i = close + 2;
  }
}

/** Every `{{ … }}` of a template is trivial. */
export function isTrivialTemplate(template: string): boolean {
  return everyTemplateExpr(template, isTrivialExpr);
}

/** Names that read only this turn's JSON data (the realm core's own non-configurable accessors). */
const TURN_ROOTS = new Set(["$session", "$client", "$request", "$temp", "$parseTree", "$response"]);
/** Non-writable globals a turn-data expression may name. */
const SAFE_GLOBALS = new Set(["undefined", "NaN", "Infinity"]);
/** Property names that lead from JSON data to builtins (assigning through them would change a builtin). */
const REFLECTIVE = ["__proto__", "constructor", "prototype", "__defineGetter__", "__defineSetter__"];
const REFLECTIVE_NAMES: ReadonlySet<string> = new Set(REFLECTIVE);

/**
 * Names that a value of JSON data (an object, array, string, number, boolean) or an error inherits
 * and that lead to an object or function shared by the whole context: `$session.toString`,
 * `$session.list.map`, `$session.name.big`. Read from this realm's prototypes (the isolate runs the
 * same V8); the script host adds what its contexts add (TurnDataRules).
 */
const SHARED_NAMES: ReadonlySet<string> = (() => {
  const names = new Set<string>(REFLECTIVE);
  for (const proto of [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, Function.prototype, Error.prototype, Symbol.prototype, BigInt.prototype]) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (d.get || d.set || (d.value !== null && (typeof d.value === "object" || typeof d.value === "function"))) names.add(key);
    }
  }
  return names;
})();

const TRIVIAL_WITH_GROUPING = /^[\s\p{L}\p{N}_$.[\]()'"!=<>&|+\-*%?:,;]*$/u;

/**
 * A trivial expression whose every value is turn data (`$session.count > 1`, `$parseTree._Number`,
 * `$context.currentState`, `($session.n || 0) + 1`): in a context where no user code ran it reads and
 * writes this turn's JSON data only, so it leaves nothing behind for another turn (docs/sandbox.md,
 * "Per-turn state"). Decided on the parsed syntax tree, by what the code can reach: its names are
 * turn-data roots or literals; every property access starts from a root (never from a literal:
 * `1..constructor`, `[0].map`), by a literal name that is neither reflective nor inherited from a
 * builtin prototype (`$session.toString.x = 1` would change a shared function); there are no calls,
 * `new`, functions, templates, patterns or `instanceof`. So no object outside this turn's data is
 * ever in hand to be changed. Persistent objects (globals, `$global`, `$injector`,
 * `$context.injector`, `$`) are not turn data: a getter or `valueOf` defined on them at load time
 * would run.
 */
export function isTurnDataExpr(expr: string): boolean {
  return BASE_RULES.expr(expr);
}

/** What the project's contexts have on the builtin prototypes after load (the realm core's `turnDataNames` op). */
export interface ContextNames {
  /** Names inherited as an object, a function or an accessor beyond this realm's (jsapi/java.js, a project's `Array.prototype.last = …`). */
  shared?: Iterable<string>;
  /** Of those, the ones load code added or replaced: reading or setting one runs load code (a getter, a setter, a conversion). */
  loaded?: Iterable<string>;
  /** Every string name of Object/Array/String/Number/Boolean.prototype after load, primitive values included (turn-eval.ts). */
  own?: Partial<Record<"object" | "array" | "string" | "number" | "boolean", string[]>>;
  /** Non-empty when load code would run wherever turn data is converted (a replaced `toString`…): then no code is turn data. */
  conversions?: string;
}

/**
 * The turn-data check for one project, with what its contexts have on the builtin prototypes after
 * load (ContextNames). Load code is the project's: code that reaches it, even by reading an inherited
 * getter or converting an array, runs user code. Verdicts are kept per source text: sources come from
 * the project, so they are few.
 */
export class TurnDataRules {
  private readonly names: Names;
  private readonly conversions: boolean;
  /** Verdicts per kind ("e" expression, "s" script) and source text: a script may declare locals, an expression may not. */
  private readonly verdicts = new Map<string, boolean>();

  constructor(context: ContextNames = {}) {
    this.names = { shared: new Set([...SHARED_NAMES, ...(context.shared ?? [])]), loaded: new Set(context.loaded ?? []) };
    this.conversions = (context.conversions ?? "") !== "";
  }

  expr(expr: string): boolean {
    return expr.length < 500 && this.decide("e", expr);
  }

  script(code: string): boolean {
    return code.length < 2000 && this.decide("s", code);
  }

  template(template: string): boolean {
    return everyTemplateExpr(template, (e) => this.expr(e));
  }

  private decide(kind: "e" | "s", code: string): boolean {
    if (this.conversions) return false;
    const key = kind + code;
    const known = this.verdicts.get(key);
    if (known !== undefined) return known;
    const verdict = kind === "e" ? decideTurnExpr(code, this.names) : decideTurnScript(code, this.names);
    if (this.verdicts.size >= 10_000) this.verdicts.clear(); // a bound, not a cache policy
    this.verdicts.set(key, verdict);
    return verdict;
  }
}

/** The rules with this realm's builtins only (the host adds its project's names: TurnDataRules). */
const BASE_RULES = new TurnDataRules();

type AnyNode = Node & Record<string, unknown>;

/** Names of the builtin prototypes the check must know (ContextNames). */
interface Names {
  shared: ReadonlySet<string>;
  loaded: ReadonlySet<string>;
}

/** What a turn-data check knows besides the tree: the prototypes' names, and the script's own locals. */
interface Scope extends Names {
  /** Names the script declares (`var` anywhere, `let`/`const` at its top level): locals of its function. */
  locals: ReadonlySet<string>;
}

const NO_LOCALS: ReadonlySet<string> = new Set();

function decideTurnExpr(code: string, names: Names): boolean {
  // The character check keeps out braces, comments, templates and escapes before anything is parsed;
  // HTML-like comments (`<!--`, `-->`) would hide text from the tree but not from every evaluator.
  if (!TRIVIAL_WITH_GROUPING.test(code) || code.includes("<!--") || code.includes("-->")) return false;
  const program = parseScript(code, false);
  if (!program) return false;
  // A condition runs as a statement list through indirect eval: a declaration there would be a global.
  const scope: Scope = { ...names, locals: NO_LOCALS };
  const body = program.body as AnyNode[];
  return body.every((s) => s.type === "EmptyStatement" || (s.type === "ExpressionStatement" && isTurnValue(s.expression as AnyNode, scope))) && growthBounded(body);
}

/**
 * Scripts run as the body of a function of their own (host.ts wraps them), so they may add what a
 * function body keeps to itself: `var`/`let`/`const` locals holding turn data, `if`/`else`, blocks,
 * `return`, object literals of turn data, comments and division. A name is a root, a safe global or a
 * local the script declares — never anything else, so an assignment can never create a global.
 */
const SCRIPT_CHARS = /^[\s\p{L}\p{N}_$.[\]()'"!=<>&|+\-*%?:,;{}/]*$/u;

function decideTurnScript(code: string, names: Names): boolean {
  if (!SCRIPT_CHARS.test(code) || code.includes("<!--") || code.includes("-->")) return false;
  const program = parseScript(code, true);
  if (!program) return false;
  const body = program.body as AnyNode[];
  const locals = new Set<string>();
  if (!body.every((s) => declares(s, locals, true))) return false;
  const scope: Scope = { ...names, locals };
  return body.every((s) => isTurnStatement(s, scope)) && growthBounded(body);
}

/**
 * How long a string turn-data code may build, in units of its largest input (a turn-data value, or a
 * literal of the code). V8 joins concatenated strings lazily and flattens one in a single step that
 * the CPU limit cannot interrupt (a comparison, `JSON.stringify` of the turn's state): 22 doublings
 * of a 32-character literal (`s = s + s;`, 300 characters of script) held the main thread for
 * seconds against the inline limit of 50 ms. Without loops, growth needs a stored value read again.
 */
const MAX_GROWTH = 16;

/**
 * The statements, in source order (both branches of an `if`), build no string over MAX_GROWTH: a
 * read of any name or member may return the heaviest value the code stored so far (locals and
 * members may alias), and a `+` weighs what its operands weigh together.
 */
function growthBounded(body: AnyNode[]): boolean {
  let stored = 1;
  let bounded = true;
  const concat = (w: number): number => {
    if (w > MAX_GROWTH) bounded = false;
    return w;
  };
  const sum = (nodes: (AnyNode | null)[]): number => nodes.reduce((w, e) => w + (e === null ? 0 : weigh(e)), 0);
  const weigh = (n: AnyNode): number => {
    switch (n.type) {
      case "Identifier":
      case "MemberExpression":
      case "ChainExpression":
        return stored;
      case "ArrayExpression":
        return sum(n.elements as (AnyNode | null)[]);
      case "ObjectExpression":
        return sum((n.properties as AnyNode[]).map((p) => p.value as AnyNode));
      case "BinaryExpression": {
        const w = weigh(n.left as AnyNode) + weigh(n.right as AnyNode);
        return n.operator === "+" ? concat(w) : 1;
      }
      case "LogicalExpression":
        return Math.max(weigh(n.left as AnyNode), weigh(n.right as AnyNode));
      case "ConditionalExpression":
        weigh(n.test as AnyNode);
        return Math.max(weigh(n.consequent as AnyNode), weigh(n.alternate as AnyNode));
      case "AssignmentExpression": {
        const right = weigh(n.right as AnyNode);
        const op = n.operator as string;
        const w = op === "=" ? right : op === "+=" ? concat(stored + right) : op === "||=" || op === "&&=" || op === "??=" ? Math.max(stored, right) : 1;
        stored = Math.max(stored, w);
        return w;
      }
      case "SequenceExpression":
        return (n.expressions as AnyNode[]).reduce((_, e) => weigh(e), 1);
      case "UnaryExpression":
        weigh(n.argument as AnyNode);
        return 1;
      default:
        return 1; // a literal, `++`/`--`: one input's worth
    }
  };
  const run = (s: AnyNode): void => {
    switch (s.type) {
      case "ExpressionStatement":
        weigh(s.expression as AnyNode);
        break;
      case "VariableDeclaration":
        for (const d of s.declarations as AnyNode[]) if (d.init !== null) stored = Math.max(stored, weigh(d.init as AnyNode));
        break;
      case "IfStatement":
        weigh(s.test as AnyNode);
        run(s.consequent as AnyNode);
        if (s.alternate !== null) run(s.alternate as AnyNode);
        break;
      case "BlockStatement":
        (s.body as AnyNode[]).forEach(run);
        break;
      case "ReturnStatement":
        if (s.argument !== null) weigh(s.argument as AnyNode);
        break;
    }
  };
  body.forEach(run);
  return bounded;
}

function parseScript(code: string, functionBody: boolean): AnyNode | undefined {
  try {
    return parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: functionBody }) as unknown as AnyNode;
  } catch {
    return undefined;
  }
}

/** Names a local may not take: the function's own `arguments` (its `callee` is the script's function, kept by the context), `eval`, the roots. */
function declarable(name: string): boolean {
  return name !== "arguments" && name !== "eval" && name !== "$context" && !TURN_ROOTS.has(name) && !SAFE_GLOBALS.has(name);
}

/**
 * Collect the locals `s` declares into `into`; false for a declaration the rules do not follow: a
 * destructuring pattern, or `let`/`const` inside a block (its name would not be a local of the whole
 * function, and a use outside the block would assign a global).
 */
function declares(s: AnyNode, into: Set<string>, topLevel: boolean): boolean {
  switch (s.type) {
    case "VariableDeclaration":
      if (s.kind !== "var" && !topLevel) return false;
      for (const d of s.declarations as AnyNode[]) {
        const id = d.id as AnyNode;
        if (id.type !== "Identifier" || !declarable(id.name as string)) return false;
        into.add(id.name as string);
      }
      return true;
    case "IfStatement":
      return declares(s.consequent as AnyNode, into, false) && (s.alternate === null || declares(s.alternate as AnyNode, into, false));
    case "BlockStatement":
      return (s.body as AnyNode[]).every((b) => declares(b, into, false));
    default:
      return true; // other statements declare nothing (and isTurnStatement decides whether they may be there)
  }
}

function isTurnStatement(s: AnyNode, scope: Scope): boolean {
  switch (s.type) {
    case "EmptyStatement":
      return true;
    case "ExpressionStatement":
      return isTurnValue(s.expression as AnyNode, scope);
    case "VariableDeclaration": // a local keeps its value: as an assignment's right side
      return (s.declarations as AnyNode[]).every((d) => d.init === null || isTurnValue(d.init as AnyNode, scope, true));
    case "IfStatement":
      return isTurnValue(s.test as AnyNode, scope) && isTurnStatement(s.consequent as AnyNode, scope) && (s.alternate === null || isTurnStatement(s.alternate as AnyNode, scope));
    case "BlockStatement":
      return (s.body as AnyNode[]).every((b) => isTurnStatement(b, scope));
    case "ReturnStatement": // the host ignores the value (jsapi/_core.js `run`)
      return s.argument === null || isTurnValue(s.argument as AnyNode, scope);
    default:
      return false; // loops, functions, classes, labels, try, throw, switch, with, debugger…
  }
}

/**
 * `kept`: the value may be kept where a later access can reach into it (an assignment's right side,
 * an array element). Only there must the last name of a member read lead to no shared object:
 * `$session.filter == "price"` only compares, `$session.f = $session.filter` keeps a shared function.
 */
function isTurnValue(n: AnyNode, scope: Scope, kept = false): boolean {
  const value = (e: unknown, keep = false): boolean => isTurnValue(e as AnyNode, scope, keep);
  switch (n.type) {
    case "Literal":
      return n.regex === undefined;
    case "Identifier":
      return isRoot(n.name as string, scope) || SAFE_GLOBALS.has(n.name as string);
    case "MemberExpression":
      return isTurnMember(n, scope, kept);
    case "ChainExpression":
      return (n.expression as AnyNode).type === "MemberExpression" && isTurnMember(n.expression as AnyNode, scope, kept);
    case "ArrayExpression":
      return (n.elements as (AnyNode | null)[]).every((e) => e !== null && e.type !== "SpreadElement" && value(e, true));
    case "ObjectExpression": // a new plain object of turn data (scripts only: the expression check refuses braces)
      return (n.properties as AnyNode[]).every((p) => isTurnProperty(p, scope));
    case "UnaryExpression": // typeof, void, !, -, +, ~, delete: a primitive
      return value(n.argument);
    case "UpdateExpression":
      return isTurnTarget(n.argument as AnyNode, scope) && keepsArraysShort(n.argument as AnyNode, undefined);
    case "BinaryExpression": // a primitive
      return n.operator !== "instanceof" && value(n.left) && value(n.right);
    case "LogicalExpression":
      return value(n.left, kept) && value(n.right, kept);
    case "ConditionalExpression":
      return value(n.test) && value(n.consequent, kept) && value(n.alternate, kept);
    case "AssignmentExpression":
      return isTurnTarget(n.left as AnyNode, scope) && keepsArraysShort(n.left as AnyNode, n.operator === "=" ? (n.right as AnyNode) : undefined) && value(n.right, true);
    case "SequenceExpression": {
      const all = n.expressions as AnyNode[];
      return all.every((e, i) => value(e, kept && i === all.length - 1));
    }
    default:
      return false; // calls, new, functions, this, templates, patterns, spread, yield, await…
  }
}

/**
 * `{a: 1, "b": $session.c, d}`: plain data members by literal names. Not `__proto__` (it would set the
 * new object's prototype), no computed keys, methods, getters/setters or spread.
 */
function isTurnProperty(p: AnyNode, scope: Scope): boolean {
  if (p.type !== "Property" || p.kind !== "init" || p.method === true || p.computed === true) return false;
  const key = p.key as AnyNode;
  const name = key.type === "Identifier" ? (key.name as string) : key.type === "Literal" && (typeof key.value === "string" || typeof key.value === "number") ? String(key.value) : undefined;
  if (name === undefined || REFLECTIVE_NAMES.has(name)) return false;
  return isTurnValue(p.value as AnyNode, scope, true);
}

/**
 * The largest array index (and `length`) turn-data code may write. A larger one leaves an array of
 * millions of holes (`$session.a.length = 3e7`) that a comparison or `JSON.stringify` of the turn's
 * state joins in one step the CPU limit cannot interrupt: a second of the main thread's CPU, then
 * the isolate's memory limit.
 */
const MAX_WRITTEN_INDEX = 10_000;

/** A write through `target` (`value`: what a plain `=` assigns) cannot make an array longer than MAX_WRITTEN_INDEX. */
function keepsArraysShort(target: AnyNode, value: AnyNode | undefined): boolean {
  if (target.type !== "MemberExpression") return true;
  const property = target.property as AnyNode;
  const name = target.computed ? String(property.value) : (property.name as string);
  if (name === "length") return value !== undefined && value.type === "Literal" && typeof value.value === "number" && value.value <= MAX_WRITTEN_INDEX;
  return !/^\d+$/.test(name) || Number(name) < MAX_WRITTEN_INDEX;
}

/** A name that holds only this turn's data: a turn root, or a local of the script (it holds only turn values). */
function isRoot(name: string, scope: Scope): boolean {
  return TURN_ROOTS.has(name) || scope.locals.has(name);
}

/** What an assignment, `++` or `--` may change: a root's setter (this turn's field), a local, or a property of turn data. */
function isTurnTarget(n: AnyNode, scope: Scope): boolean {
  if (n.type === "Identifier") return isRoot(n.name as string, scope);
  // The last name is set on the object itself (an own property of turn data) unless an inherited setter
  // takes it: any name neither reflective nor put on a prototype by load code (isTurnMember).
  return n.type === "MemberExpression" && isTurnMember(n, scope, false);
}

/**
 * `root.a["b"][0]…`: a chain from a turn-data root (or a local) by literal, non-reflective names
 * that load code did not put on a builtin prototype; every name an access goes on from (and the last
 * one too when the value is `kept`) leads to no shared object.
 */
function isTurnMember(n: AnyNode, scope: Scope, kept: boolean): boolean {
  if (n.optional === true && n.computed === true) return false;
  const property = n.property as AnyNode;
  let name: string;
  if (!n.computed) name = property.name as string;
  else if (property.type === "Literal" && (typeof property.value === "string" || typeof property.value === "number")) name = String(property.value);
  else return false;
  // A name load code put on a prototype runs its code when merely read or set (kept or not).
  if (REFLECTIVE_NAMES.has(name) || scope.loaded.has(name) || (kept && scope.shared.has(name))) return false;
  const object = n.object as AnyNode;
  if (object.type === "Identifier") {
    if (isRoot(object.name as string, scope)) return true;
    return object.name === "$context" && !n.computed && name !== "injector";
  }
  return object.type === "MemberExpression" && isTurnMember(object, scope, true);
}

/**
 * A script made only of turn-data expression statements (`$session.count = ($session.count || 0) + 1;`):
 * like a turn-data condition it cannot leave anything behind, so it does not retire the context.
 */
export function isTurnDataScript(code: string): boolean {
  return BASE_RULES.script(code);
}

/** Every `{{ … }}` of a template is a turn-data expression (see isTurnDataExpr). */
export function isTurnDataTemplate(template: string): boolean {
  return BASE_RULES.template(template);
}

export function usesAwait(code: string): boolean {
  return /(?<![\w$.])await\b/.test(code);
}
