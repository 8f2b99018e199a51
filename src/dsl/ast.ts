// The .sc syntax tree. Every node keeps where it came from so errors and test reports can point at it.

/** Where a node starts in the project's files; errors, warnings and test reports print it as file:line:col. */
export interface SourcePos {
  file: string; // path relative to the project folder (or module folder), forward slashes
  line: number; // 1-based
  col: number; // 1-based
}

/** `||` parameters of a tag, or `key = value` lines under `require:`/action tags. Values keep their JS type. */
export type Params = Record<string, string | number | boolean>;

/** What a trigger matches: a pattern (`q`), an example phrase or group (`e`, `eg`), an intent, or an event. */
export type TriggerKind = "pattern" | "example" | "exampleGroup" | "intent" | "intentGroup" | "event";

/** One trigger tag of a state (`q!:`, `intent:`, `event!:` …); `global` triggers match from any state. */
export interface TriggerNode {
  kind: TriggerKind;
  tag: string; // "q!", "q", "e", "eg!", "intent!", "event", ...
  global: boolean; // tag ended with "!"
  value: string; // pattern source (continuations joined with a space), phrase, intent path or event name
  params: Params; // fromState, toState, onlyThisState
  pos: SourcePos; // position of the value
}

/** One button of `buttons:`/`inlineButtons:`: its text or JSON object, and the optional `-> target` state. */
export interface ButtonItem {
  text?: string; // `"Text"` form (unquoted)
  json?: string; // `{text: "…", request_contact: true}` form, raw text (unquoted keys allowed)
  target?: string; // `-> /path` part, raw (may be relative or contain {{ }})
  pos: SourcePos;
}

/** One reaction tag of a state, run in order when the state is entered; nested tags (`if:`, `random:`) hold their own. */
export type ReactionNode =
  | { tag: "a"; text: string; params: Params; pos: SourcePos }
  | { tag: "script" | "scriptEs6"; code: string; pos: SourcePos } // pos = first line of the body
  | { tag: "go" | "go!"; target: string; pos: SourcePos }
  | { tag: "if"; branches: IfBranch[]; pos: SourcePos } // if / elseif… / else folded together
  | { tag: "random"; options: ReactionNode[]; pos: SourcePos }
  | { tag: "buttons" | "inlineButtons"; items: ButtonItem[]; pos: SourcePos }
  | { tag: "image" | "audio" | "video"; url: string; params: Params; pos: SourcePos }
  | { tag: "timeout"; target: string; params: Params; pos: SourcePos }
  | { tag: "newSession"; params: Params; pos: SourcePos }
  // Capitalised action tags from the visual editors (InputText, HttpRequest, …) and customTags.
  | { tag: "action"; name: string; value: string; params: Params; pos: SourcePos; paramPos?: Record<string, SourcePos> };

/** One `if:`/`elseif:`/`else:` branch of a folded `if` reaction: its condition (JS) and its reactions. */
export interface IfBranch {
  cond: string | null; // null for else:
  body: ReactionNode[];
  pos: SourcePos;
}

/** The JS body of an `init:` block (top level, theme or state), with the position of its first line. */
export interface ScriptBlock {
  code: string; // body with common indentation stripped; `#` comment lines turned into `//`
  pos: SourcePos; // first line of the body
}

/** One `state:` with its triggers, reactions and nested states; its full path is built by the loader. */
export interface StateNode {
  name: string; // "" for an unnamed state
  params: Params; // noContext, modal, …
  triggers: TriggerNode[];
  reactions: ReactionNode[];
  children: StateNode[];
  inits: ScriptBlock[]; // init: inside a state (SmartApp Graph output)
  pos: SourcePos;
}

/** One `theme:`: the root of a state tree, whose path prefixes the paths of its states. */
export interface ThemeNode {
  path: string; // "/" or "/Main"
  params: Params;
  states: StateNode[];
  inits: ScriptBlock[];
  triggers: TriggerNode[]; // written directly in the theme (accepted leniently): owned by the theme's state
  pos: SourcePos;
}

/** One `require:`: a file or glob to load (.sc, .js, YAML/JSON data, a CSV dictionary), from the project or a module. */
export interface RequireNode {
  path: string; // raw, may contain globs and {{ }}
  params: Params; // module, var, name, type, injector, …
  pos: SourcePos;
}

/** One `$Name = …` entry under `patterns:`: a named pattern, optionally with a converter for its value. */
export interface PatternDefNode {
  name: string; // with the leading "$"
  body: string; // pattern source, continuation lines joined with a space
  converter?: string; // `|| converter = …` (JS reference or inline function), trailing ";" stripped
  pos: SourcePos;
}

/** Top-level items in document order (the order decides init and require order). */
export type TopItem =
  | { kind: "require"; node: RequireNode }
  | { kind: "patterns"; defs: PatternDefNode[] }
  | { kind: "init"; block: ScriptBlock }
  | { kind: "theme"; node: ThemeNode };

/** A parsed .sc file: its path and its top-level items in document order. */
export interface ScFile {
  file: string;
  items: TopItem[];
}
