// Static checks and small rewrites of script source before it is compiled in the realm.

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
/** Keywords and non-writable globals a turn-data expression may use. */
const SAFE_WORDS = new Set(["true", "false", "null", "undefined", "NaN", "Infinity", "typeof", "void", "in"]);
/** Property names that lead from JSON data to builtins (assigning through them would change a builtin). */
const REFLECTIVE = new Set(["__proto__", "constructor", "prototype", "__defineGetter__", "__defineSetter__"]);
const TOKEN = /(["'])[^"']*?\1|\d[\p{L}\p{N}_$.]*|[\p{L}_$][\p{L}\p{N}_$]*|\S/gu;

/** Grouping parentheses may follow these tokens; after anything else a `(` would be a call. */
const GROUPING_AFTER = new Set(["=", "(", ",", ";", "!", "&", "|", "+", "-", "*", "%", "?", ":", "<", ">", "[", "typeof", "void", "in"]);
const TRIVIAL_WITH_GROUPING = /^[\s\p{L}\p{N}_$.[\]()'"!=<>&|+\-*%?:,;]*$/u;

/**
 * A trivial expression whose every free name is turn data (`$session.count > 1`,
 * `$parseTree._Number`, `$context.currentState`, `($session.n || 0) + 1`): in a context where no
 * user code ran it reads and writes this turn's JSON data only, so it leaves nothing behind for
 * another turn (docs/sandbox.md, "Per-turn state"). Persistent objects (globals, `$global`,
 * `$injector`, `$context.injector`, `$`) are not turn data: a getter or `valueOf` defined on them at
 * load time would run. Parentheses are allowed only for grouping (never after a name, a literal,
 * `)` or `]`), brackets only around one literal key that is not reflective (`$session["__proto__"]`
 * and computed keys would reach Object.prototype), and no arrow functions.
 */
export function isTurnDataExpr(expr: string): boolean {
  return expr.length < 500 && turnDataOnly(expr);
}

function turnDataOnly(expr: string): boolean {
  if (!TRIVIAL_WITH_GROUPING.test(expr) || expr.includes("=>")) return false;
  const tokens = expr.match(TOKEN) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (t === "(") {
      if (prev !== undefined && !GROUPING_AFTER.has(prev)) return false;
      continue;
    }
    if (t === "[") {
      // a member key or a one-element array literal: a single non-reflective literal, then "]"
      const key = tokens[i + 1];
      if (key === undefined || tokens[i + 2] !== "]" || !/^(["'\d])/.test(key)) return false;
      if (REFLECTIVE.has(key.replace(/^["']|["']$/g, ""))) return false;
      i += 2;
      continue;
    }
    if (!/^[\p{L}_$]/u.test(t)) continue;
    if (REFLECTIVE.has(t)) return false;
    if (prev === ".") continue; // a property name
    if (TURN_ROOTS.has(t) || SAFE_WORDS.has(t)) continue;
    if (t === "$context" && tokens[i + 1] === "." && tokens[i + 2] !== undefined && /^[\p{L}_$]/u.test(tokens[i + 2]!) && tokens[i + 2] !== "injector") continue;
    return false;
  }
  return true;
}

/**
 * A script made only of turn-data expression statements (`$session.count = ($session.count || 0) + 1;`):
 * like a turn-data condition it cannot leave anything behind, so it does not retire the context.
 */
export function isTurnDataScript(code: string): boolean {
  return code.length < 2000 && turnDataOnly(code);
}

/** Every `{{ … }}` of a template is a turn-data expression (see isTurnDataExpr). */
export function isTurnDataTemplate(template: string): boolean {
  return everyTemplateExpr(template, isTurnDataExpr);
}

export function usesAwait(code: string): boolean {
  return /(?<![\w$.])await\b/.test(code);
}

/**
 * An ES module (require type = scriptEs6) as a function body that returns its default export, or
 * an object of its named exports when there is no default. `import` declarations are not supported.
 */
export function moduleToFunctionBody(code: string): string {
  const named: string[] = [];
  let body = code.replace(/^([ \t]*)export\s+default\s+/gm, "$1__exports.default = ");
  body = body.replace(/^([ \t]*)export\s+(?:async\s+)?(function\*?|class)\s+([\w$]+)/gm, (m: string, ind: string, _kind: string, name: string) => {
    named.push(name);
    return m.replace(/export\s+/, "");
  });
  body = body.replace(/^([ \t]*)export\s+(const|let|var)\s+([^;\n]+)/gm, (m: string, _ind: string, _kw: string, decl: string) => {
    for (const part of decl.split(",")) {
      const id = /^\s*([\w$]+)\s*(=|$)/.exec(part);
      if (id) named.push(id[1]);
    }
    return m.replace(/export\s+/, "");
  });
  body = body.replace(/^([ \t]*)export\s*\{([^}]*)\}\s*;?/gm, (_m: string, ind: string, list: string) => {
    const assigns: string[] = [];
    for (const item of list.split(",")) {
      const mm = /^\s*([\w$]+)(?:\s+as\s+([\w$]+))?\s*$/.exec(item);
      if (mm) assigns.push(`__exports[${JSON.stringify(mm[2] ?? mm[1])}] = ${mm[1]};`);
    }
    return ind + assigns.join(" ");
  });
  const tail = named.map((n) => `__exports[${JSON.stringify(n)}] = ${n};`).join(" ");
  return `var __exports = {};\n${body}\n${tail}\nreturn __exports.default !== undefined ? __exports.default : __exports;`;
}
