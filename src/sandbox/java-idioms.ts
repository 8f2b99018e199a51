// Compile-time rewrite of the Java-string idioms of the platform's ES5 runtime (docs/dsl.md,
// "Java strings in ES5 scripts"). On the platform's Nashorn-like engine strings that come from the
// platform are java.lang.String, so project code calls `s.length()` and `s.replaceAll(regex, r)`.
// In V8 `length` is a data property (calling it throws) and `replaceAll` replaces literally, so a
// call of exactly these shapes is rewritten into a call of the realm's helper (jsapi/java.js), which
// answers as Java for a string and makes the original call for anything else. The source is parsed
// with acorn, never matched with a regex: `"x.length()"` in a string or a comment stays as it is.
// Lines never move: text dropped from the call keeps its line breaks.
import { parse, parseExpressionAt, type Node, type Options } from "acorn";

/** The realm's helpers (jsapi/java.js): `(target, calleeText)` and `(target, calleeText, pattern, replacement)`. */
export const JAVA_LENGTH = "__java_length";
export const JAVA_REPLACE_ALL = "__java_replaceAll";

/** Cheap pre-check: only sources that may hold one of the call shapes are parsed. */
const MAYBE = /\b(?:length\s*\(\s*\)|replaceAll\s*\()/;

const OPTIONS: Options = { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, allowHashBang: true };

interface Target {
  start: number;
  end: number;
  helper: string;
  object: Node;
  callee: string;
  args: Node[];
}

type AnyNode = Node & Record<string, unknown>;

function isNode(v: unknown): v is AnyNode {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string" && typeof (v as { start?: unknown }).start === "number";
}

/** Every call `X.length()` (no argument) and `X.replaceAll(a, b)` (two arguments) under `root`. */
function findTargets(root: Node, source: string): Target[] {
  const out: Target[] = [];
  const visit = (node: AnyNode): void => {
    if (node.type === "CallExpression" && !node.optional) {
      const callee = node.callee as AnyNode;
      const args = node.arguments as AnyNode[];
      if (callee.type === "MemberExpression" && !callee.computed && !callee.optional && (callee.property as AnyNode).type === "Identifier" && (callee.object as AnyNode).type !== "Super") {
        const name = (callee.property as unknown as { name: string }).name;
        const plain = args.every((a) => a.type !== "SpreadElement");
        const helper = name === "length" && args.length === 0 ? JAVA_LENGTH : name === "replaceAll" && args.length === 2 && plain ? JAVA_REPLACE_ALL : undefined;
        if (helper) out.push({ start: node.start, end: node.end, helper, object: callee.object as Node, callee: source.slice(callee.start, callee.end), args });
      }
    }
    for (const key of Object.keys(node)) {
      if (key === "type" || key === "start" || key === "end") continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) visit(item);
      } else if (isNode(v)) visit(v);
    }
  };
  visit(root as AnyNode);
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** The callee as an error message shows it: one line, at most 80 characters. */
function calleeText(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return JSON.stringify(one.length > 80 ? one.slice(0, 77) + "..." : one);
}

const newlines = (s: string) => s.replace(/[^\n]/g, "");

/** `source` from `from` to `to` with every target inside replaced (targets sorted, nesting allowed). */
function emit(source: string, from: number, to: number, targets: Target[]): string {
  let out = "";
  let at = from;
  let i = 0;
  while (i < targets.length) {
    const t = targets[i]!;
    if (t.start < at || t.end > to) {
      i++;
      continue;
    }
    const inner = targets.filter((o) => o !== t && o.start >= t.start && o.end <= t.end);
    out += source.slice(at, t.start);
    let call = `${t.helper}(${emit(source, t.object.start, t.object.end, inner)}, ${calleeText(t.callee)}`;
    let last = t.object.end;
    for (const a of t.args) {
      call += ", " + newlines(source.slice(last, a.start)) + emit(source, a.start, a.end, inner);
      last = a.end;
    }
    out += call + ")" + newlines(source.slice(last, t.end));
    at = t.end;
    i++;
  }
  return out + source.slice(at, to);
}

/**
 * A script body (a `script:` block, a required `.js` file, a function body) with the Java-string
 * calls rewritten. Source that does not parse is returned unchanged: V8 reports its syntax error.
 */
export function rewriteJavaIdioms(code: string): string {
  if (!MAYBE.test(code)) return code;
  let root: Node;
  try {
    root = parse(code, OPTIONS);
  } catch {
    return code;
  }
  const targets = findTargets(root, code);
  return targets.length ? emit(code, 0, code.length, targets) : code;
}

/** An expression (`if:` condition, converter): as a script, else as one parenthesised expression. */
export function rewriteJavaExpression(expr: string): string {
  if (!MAYBE.test(expr)) return expr;
  try {
    parse(expr, OPTIONS);
    return rewriteJavaIdioms(expr);
  } catch {
    // `{a: 1}.b` style: an expression that is not a statement.
  }
  const wrapped = `(${expr}\n)`;
  const out = rewriteJavaIdioms(wrapped);
  return out === wrapped ? expr : out.slice(1, -2);
}

/**
 * A `{{ … }}` template with the Java-string calls of its expressions rewritten. Each expression is
 * read with acorn from just after `{{`; one that is not followed by `}}` is left alone (the realm's
 * template reader decides what it is).
 */
export function rewriteJavaTemplate(template: string): string {
  if (!MAYBE.test(template)) return template;
  let out = "";
  let at = 0;
  for (let open = template.indexOf("{{"); open >= 0; open = template.indexOf("{{", at)) {
    const from = open + 2;
    let node: Node;
    try {
      node = parseExpressionAt(template, from, OPTIONS);
    } catch {
      out += template.slice(at, from);
      at = from;
      continue;
    }
    if (!/^\s*}}/.test(template.slice(node.end))) {
      out += template.slice(at, from);
      at = from;
      continue;
    }
    const targets = findTargets(node, template);
    out += template.slice(at, from) + (targets.length ? emit(template, from, node.end, targets) : template.slice(from, node.end));
    at = node.end;
  }
  return out + template.slice(at);
}
