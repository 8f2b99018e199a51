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
