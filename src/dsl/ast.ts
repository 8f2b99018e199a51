// The .sc syntax tree. Every node keeps where it came from so errors and test reports can point at it.

export interface SourcePos {
  file: string; // path relative to the project folder (or module folder), forward slashes
  line: number; // 1-based
  col: number; // 1-based
}

/** `||` parameters of a tag, or `key = value` lines under `require:`/action tags. Values keep their JS type. */
export type Params = Record<string, string | number | boolean>;

export type TriggerKind = "pattern" | "example" | "exampleGroup" | "intent" | "intentGroup" | "event";

export interface TriggerNode {
  kind: TriggerKind;
  tag: string; // "q!", "q", "e", "eg!", "intent!", "event", ...
  global: boolean; // tag ended with "!"
  value: string; // pattern source (continuations joined with a space), phrase, intent path or event name
  params: Params; // fromState, toState, onlyThisState
  pos: SourcePos; // position of the value
}

export interface ButtonItem {
  text?: string; // `"Text"` form (unquoted)
  json?: string; // `{text: "…", request_contact: true}` form, raw text (unquoted keys allowed)
  target?: string; // `-> /path` part, raw (may be relative or contain {{ }})
  pos: SourcePos;
}

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

export interface IfBranch {
  cond: string | null; // null for else:
  body: ReactionNode[];
  pos: SourcePos;
}

export interface ScriptBlock {
  code: string; // body with common indentation stripped; `#` comment lines turned into `//`
  pos: SourcePos; // first line of the body
}

export interface StateNode {
  name: string; // "" for an unnamed state
  params: Params; // noContext, modal, …
  triggers: TriggerNode[];
  reactions: ReactionNode[];
  children: StateNode[];
  inits: ScriptBlock[]; // init: inside a state (SmartApp Graph output)
  pos: SourcePos;
}

export interface ThemeNode {
  path: string; // "/" or "/Main"
  params: Params;
  states: StateNode[];
  inits: ScriptBlock[];
  triggers: TriggerNode[]; // written directly in the theme (accepted leniently): owned by the theme's state
  pos: SourcePos;
}

export interface RequireNode {
  path: string; // raw, may contain globs and {{ }}
  params: Params; // module, var, name, type, injector, …
  pos: SourcePos;
}

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

export interface ScFile {
  file: string;
  items: TopItem[];
}
