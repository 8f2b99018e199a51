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

/**
 * A trivial expression whose every free name is turn data (`$session.count > 1`,
 * `$parseTree._Number`, `$context.currentState`): in a context where no user code ran it reads and
 * writes this turn's JSON data only, so it leaves nothing behind for another turn (docs/sandbox.md,
 * "Per-turn state"). Persistent objects (globals, `$global`, `$injector`, `$context.injector`, `$`)
 * are not turn data: a getter or `valueOf` defined on them at load time would run.
 */
export function isTurnDataExpr(expr: string): boolean {
  if (!isTrivialExpr(expr)) return false;
  const tokens = expr.match(TOKEN) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!/^[\p{L}_$]/u.test(t)) continue;
    if (REFLECTIVE.has(t)) return false;
    if (tokens[i - 1] === ".") continue; // a property name
    if (TURN_ROOTS.has(t) || SAFE_WORDS.has(t)) continue;
    if (t === "$context" && tokens[i + 1] === "." && tokens[i + 2] !== undefined && /^[\p{L}_$]/u.test(tokens[i + 2]!) && tokens[i + 2] !== "injector") continue;
    return false;
  }
  return true;
}

/** Every `{{ … }}` of a template is a turn-data expression (see isTurnDataExpr). */
export function isTurnDataTemplate(template: string): boolean {
  return everyTemplateExpr(template, isTurnDataExpr);
}

export function usesAwait(code: string): boolean {
  return /(?<![\w$.])await\b/.test(code);
}
