// Flattens the winning hypothesis into `$parseTree` (spec dsl.md §3.3).
import type { Frag } from "./matcher.js";
import type { Token } from "./tokenizer.js";
import type { ConverterRunner, ParseNode } from "./types.js";

// Keys with a fixed meaning; a named pattern with one of these names cannot overwrite them.
const RESERVED = new Set(["tag", "pattern", "text", "words", "value"]);

interface Scope {
  node: ParseNode;
  value: unknown;
  hasValue: boolean;
}

export function spanText(text: string, tokens: readonly Token[], s: number, e: number): { text: string; words: string[] } {
  // Surrounding punctuation that a node swallowed is not part of its text.
  while (s < e && tokens[s]!.punct) s++;
  while (e > s && tokens[e - 1]!.punct) e--;
  if (s >= e) return { text: "", words: [] };
  return {
    text: text.slice(tokens[s]!.start, tokens[e - 1]!.end),
    words: tokens.slice(s, e).filter((t) => !t.punct).map((t) => t.norm),
  };
}

export function buildParseTree(frag: Frag, text: string, tokens: readonly Token[], converter?: ConverterRunner): ParseNode {
  const root: ParseNode = { tag: "root", pattern: "root", text, words: tokens.filter((t) => !t.punct).map((t) => t.norm) };
  const scope: Scope = { node: root, value: undefined, hasValue: false };
  walk(frag, scope, text, tokens, converter);
  if (scope.hasValue) root._Root = scope.value;
  liftNested(root);
  // The platform's root carries the value of a named entity it recognised ("value — present when
  // using mappings, converters, and named entities"): `q: * @duckling.date *` then reads
  // `$parseTree.value` [I]. Only when exactly one entity node with a value is at the top.
  const entities = Object.entries(root).flatMap(([k, v]) => (k.startsWith("_") || !Array.isArray(v) ? [] : (v as ParseNode[]))).filter((n) => typeof n === "object" && n !== null && String(n.pattern).startsWith("@") && n.value !== undefined);
  if (entities.length === 1) root.value = entities[0]!.value;
  return root;
}

function walk(f: Frag, scope: Scope, text: string, tokens: readonly Token[], converter?: ConverterRunner): void {
  if (f === null) return;
  if (f.t === 0) {
    walk(f.a, scope, text, tokens, converter);
    walk(f.b, scope, text, tokens, converter);
    return;
  }
  if (f.t === 2) {
    scope.value = f.v; // the mapping of the enclosing node; a later/outer mapping wins
    scope.hasValue = true;
    return;
  }
  const span = spanText(text, tokens, f.s, f.e);
  const node: ParseNode = { tag: f.info.tag, pattern: f.info.pattern, text: span.text, words: span.words };
  const inner: Scope = { node, value: f.value, hasValue: f.hasValue };
  walk(f.body, inner, text, tokens, converter);
  if (inner.hasValue) node.value = inner.value;
  else if (!f.info.converter) inheritValue(node);
  if (f.info.converter && converter) {
    const v = converter(f.info.converter, node);
    if (v === undefined) delete node.value;
    else node.value = v;
  }
  attach(scope.node, node);
}

function attach(parent: ParseNode, child: ParseNode): void {
  if (RESERVED.has(child.tag)) return;
  const list = parent[child.tag];
  if (Array.isArray(list)) list.push(child);
  else {
    parent[child.tag] = [child];
    parent["_" + child.tag] = child.value !== undefined ? child.value : child.text;
  }
}

/**
 * A named pattern whose whole match is one sub-pattern or entity with a value, and that has no
 * mapping or converter of its own, takes that value: `$Phone = @duckling.phone-number` gives
 * `_Phone` the number, not the text the user typed [I] (docs/patterns.md, "`_<Tag>` shortcuts").
 */
function inheritValue(node: ParseNode): void {
  let only: ParseNode | undefined;
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("_") || RESERVED.has(k) || !Array.isArray(v)) continue;
    if (v.length !== 1 || only) return;
    only = v[0] as ParseNode;
  }
  if (only && only.value !== undefined && only.text === node.text) node.value = only.value;
}

/**
 * `$parseTree._X` at the root for a named pattern X found at any depth, as scripts on the platform
 * read it (`q: $GetName` with `$GetName = * $ClientName *` and `$ClientName = ($Name|…)`, then
 * `$parseTree._Name`) [I]: the shallowest occurrence, then the earliest; a direct child's own
 * shortcut is never replaced. Only the root: converters see the children of their own node.
 */
function liftNested(root: ParseNode): void {
  let level: ParseNode[] = [root];
  while (level.length) {
    const next: ParseNode[] = [];
    for (const node of level) {
      for (const [k, v] of Object.entries(node)) {
        if (k.startsWith("_") || RESERVED.has(k) || !Array.isArray(v)) continue;
        for (const child of v as ParseNode[]) {
          if (!child || typeof child !== "object" || RESERVED.has(child.tag)) continue;
          const key = "_" + child.tag;
          if (node !== root && !(key in root)) root[key] = child.value !== undefined ? child.value : child.text;
          next.push(child);
        }
      }
    }
    level = next;
  }
}
