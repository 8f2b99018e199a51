// The loaded project: what the engine, the script host and the test runner work from.
// Built once by the loader (src/project/loader.ts); immutable afterwards.
import type { Params, ReactionNode, ScriptBlock, SourcePos, TriggerKind } from "../dsl/ast.js";
import type { Diagnostic, ProjectError } from "../util/errors.js";
import type { CustomTagDef } from "./custom-tags.js";
import type { Es6Graph } from "./es6.js";

/** chatbot.yaml after validation, with string-or-list keys normalised to lists; unknown keys kept as read. */
export interface ChatbotConfig {
  name?: string;
  entryPoint: string[]; // normalised to a list
  botEngine?: string;
  language?: string;
  tests?: { include?: string[]; exclude?: string[]; caseSensitive?: boolean };
  scriptsPreLoad?: { global?: string[]; local?: string[] };
  scriptRuntime?: { engine?: string; forceEs6?: boolean; requirementsFile?: string };
  injector?: Record<string, unknown>;
  dependencies?: { name: string; type?: string; url?: string; version?: string }[];
  messages?: { onError?: { defaultMessage?: string; defaultMessages?: string[]; locales?: Record<string, string> } };
  nlp?: Record<string, unknown> & { modifyRequestInPreMatch?: boolean; lengthLimit?: { enabled?: boolean; symbols?: number; words?: number } };
  [key: string]: unknown;
}

/** A trigger of the loaded project, with its owner state and its from/to states resolved to absolute paths. */
export interface Trigger {
  id: number; // index into Project.triggers
  kind: TriggerKind;
  global: boolean;
  value: string;
  owner: string; // path of the state that declares it
  fromState?: string[]; // absolute paths (relative values resolved against owner at load)
  toState?: string; // absolute path
  onlyThisState: boolean;
  params: Params;
  pos: SourcePos;
}

/** A state of the loaded project, keyed by its absolute path; triggers are ids into Project.triggers. */
export interface State {
  path: string; // "/A/B"; unnamed states get "/__anon_<file>_<line>"
  name: string;
  parent: string | null; // null only for the root "/"
  noContext: boolean;
  modal: boolean;
  params: Params;
  triggers: number[]; // ids into Project.triggers
  reactions: ReactionNode[];
  children: string[]; // child paths in declaration order
  pos: SourcePos;
}

/** A named pattern of `patterns:`; a later definition of the same name replaces an earlier one. */
export interface NamedPatternDef {
  name: string; // "$Name"
  body: string;
  converter?: string;
  pos: SourcePos;
}

/** One row of a CSV dictionary: its id, the phrases that name it and the value it gives. */
export interface DictionaryEntry {
  id: string;
  synonyms: string[];
  value: unknown; // string or parsed JSON
}

/** A CSV dictionary required with `name = …`, matched in patterns by `$entity<Name>`; a later one of the same name replaces it. */
export interface Dictionary {
  name: string; // name used in $entity<Name>
  file: string;
  entries: DictionaryEntry[];
}

/** Code and data that run or get bound once at load, in require order. */
export type LoadItem =
  | { kind: "script"; code: string; es6: boolean; pos: SourcePos } // a required .js file or an init: block
  | { kind: "es6module"; code: string; id?: string; name?: string; pos: SourcePos } // require with type = scriptEs6: `id` in Project.es6
  | { kind: "data"; varName: string; data: unknown; pos: SourcePos }; // .yaml/.json/.csv with var = X

/** The loaded project: what the engine, the script host and the test runner work from; not changed after the load. */
export interface Project {
  dir: string; // absolute project folder
  srcDir: string; // absolute folder that require paths are relative to (src/ or scenarios/)
  config: ChatbotConfig;
  diagnostics: Diagnostic[]; // warnings found while loading
  states: Map<string, State>; // includes the root "/"
  triggers: Trigger[];
  namedPatterns: Map<string, NamedPatternDef>;
  dictionaries: Map<string, Dictionary>;
  loadItems: LoadItem[];
  injector: Record<string, unknown>; // merged $injector
  preload: string[]; // enabled platform modules, e.g. "jsapi/payment.js", "jslib/moment.min.js"
  files: string[]; // every loaded file, relative to dir
  testFiles: string[]; // XML tests selected by tests.include/exclude, relative to dir
  /** Custom tags of chatbot.yaml `customTags`, by tag name (src/project/custom-tags.ts). */
  customTags?: Map<string, CustomTagDef>;
  /** The ES6 module graph (src/project/es6.ts), when a file is required with type = scriptEs6. */
  es6?: Es6Graph & { syntaxErrors: ProjectError[] };
}

/** The path of the root state, parent of every theme. */
export const ROOT_PATH = "/";

export type { ScriptBlock };
