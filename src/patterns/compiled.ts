import type { EntityFinder } from "../nlu/system-entities/index.js";

// The compiled pattern graph the matcher walks. Named-pattern bodies are shared between every
// pattern that uses them, so their (node, position) results are memoised once per input.

/** What a named node is: its parse-tree tag (alias), the pattern name and an optional converter. */
export interface NodeInfo {
  tag: string;
  pattern: string;
  converter?: string;
}

export type CNode = { id: number } & (
  | { k: "word"; w: string }
  | { k: "glob"; pre: string; suf: string; mids: string[] } // stem: prefix*mid*…*suffix
  | { k: "lemma"; stem: string }
  | { k: "star" } // any tokens, none counted as matched
  | { k: "any"; min: number; max: number; words: boolean; garbage: boolean } // $oneWord, $nonEmptyGarbage, $AnyText …
  | { k: "empty" }
  | { k: "never" }
  | { k: "seq"; items: CNode[] }
  | { k: "alt"; items: CNode[] }
  | { k: "opt"; item: CNode }
  | { k: "perm"; items: CNode[] }
  | { k: "named"; info: NodeInfo; body: CNode }
  | { k: "regex"; re: RegExp }
  | { k: "dict"; info: NodeInfo; trie: TrieNode } // keys: normalised words, or "~" + lemma for morph entities
  | { k: "number"; info: NodeInfo }
  | { k: "system"; info: NodeInfo; find: EntityFinder } // @duckling.date, @duckling.phone-number… (src/nlu/system-entities)
  | { k: "map"; item: CNode; value: string }
  | { k: "weight"; w: number }
  | { k: "repeat"; item: CNode }
  | { k: "morph"; test: (w: string) => boolean }
);

export interface TrieNode {
  next: Map<string, TrieNode>;
  id?: string; // dictionary entry id when a synonym ends here
}

/** Each inner array is a set of index keys of which at least one must be in the input; all arrays must hold. */
export type Requirement = string[][];
