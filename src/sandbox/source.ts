// Static checks and small rewrites of script source before it is compiled in the realm.

/**
 * `import(…)` must never compile: on Node 20 its rejection is a host-realm error object, whose
 * constructor chain leads to the host's Function. Same pattern as the realm-side guard in jsapi/_core.js.
 */
const IMPORT_RE = /(?<![\w$]|\.\s*)import\s*(?:\/\*[\s\S]*?\*\/\s*|\/\/[^\n]*\n\s*)*\(/;

export function usesDynamicImport(code: string): boolean {
  return IMPORT_RE.test(code);
}

/**
 * Expressions that cannot loop: no calls, no function bodies, no regex literals or template
 * literals. They run without the vm timeout (see docs/sandbox.md, "CPU limit"). The residual risk
 * is implicit user code (getters, Proxy traps, valueOf) defined by a script earlier.
 */
const TRIVIAL_EXPR = /^[\s\p{L}\p{N}_$.[\]'"!=<>&|+\-*%?:,;]*$/u;

export function isTrivialExpr(expr: string): boolean {
  return expr.length < 500 && TRIVIAL_EXPR.test(expr);
}

/** Every `{{ … }}` of a template is trivial (splitting at the first `}}` is conservative here). */
export function isTrivialTemplate(template: string): boolean {
  if (template.length > 2000) return false;
  let i = 0;
  for (;;) {
    const open = template.indexOf("{{", i);
    if (open < 0) return true;
    const close = template.indexOf("}}", open + 2);
    if (close < 0) return true;
    if (!isTrivialExpr(template.slice(open + 2, close))) return false;
    i = close + 2;
  }
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
