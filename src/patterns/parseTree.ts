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
    words: wordsOf(tokens, s, e),
  };
}

/** The normalised words of tokens s…e-1 (one array, not slice + filter + map). */
function wordsOf(tokens: readonly Token[], s: number, e: number): string[] {
  const words: string[] = [];
  for (let i = s; i < e; i++) if (!tokens[i]!.punct) words.push(tokens[i]!.norm);
  return words;
}

export function buildParseTree(frag: Frag, text: string, tokens: readonly Token[], converter?: ConverterRunner): ParseNode {
  const root: ParseNode = { tag: "root", pattern: "root", text, words: wordsOf(tokens, 0, tokens.length) };
  const scope: Scope = { node: root, value: undefined, hasValue: false };
  walk(frag, scope, text, tokens, converter);
  if (scope.hasValue) root._Root = scope.value;
  liftNested(root);
  // The platform's root carries the value of a named entity it recognised ("value — present when
  // using mappings, converters, and named entities"): `q: * @duckling.date *` then reads
  // `$parseTree.value` [I]. Only when exactly one entity node with a value is at the top.
  const entity = onlyTopEntity(root);
  if (entity) root.value = entity.value;
  return root;
}

/** The one entity node with a value among the root's children, if there is exactly one (loops, not entries/flatMap: this runs on every matched pattern). */
function onlyTopEntity(root: ParseNode): ParseNode | undefined {
  let found: ParseNode | undefined;
  for (const k in root) {
    if (!Object.hasOwn(root, k) || k.startsWith("_")) continue;
    const v = root[k];
    if (!Array.isArray(v)) continue;
    for (const n of v as ParseNode[]) {
      if (typeof n !== "object" || n === null || !String(n.pattern).startsWith("@") || n.value === undefined) continue;
      if (found) return undefined;
      found = n;
    }
  }
  return found;
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
  for (const k in node) {
    const v = node[k];
    if (!Object.hasOwn(node, k) || k.startsWith("_") || RESERVED.has(k) || !Array.isArray(v)) continue;
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
      // Own keys in Object.keys order without the entries arrays; only the root gains keys meanwhile, and never while it is walked.
      for (const k in node) {
        const v = node[k];
        if (!Object.hasOwn(node, k) || k.startsWith("_") || RESERVED.has(k) || !Array.isArray(v)) continue;
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
