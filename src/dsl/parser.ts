// The .sc parser: indentation-based, one construct per line (spec dsl.md §2). Produces the AST of
// ./ast.ts with a source position on every node. Errors are ProjectErrors pointing at the exact line.
import type {
  ButtonItem,
  IfBranch,
  Params,
  PatternDefNode,
  ReactionNode,
  RequireNode,
  ScFile,
  ScriptBlock,
  SourcePos,
  StateNode,
  ThemeNode,
  TopItem,
  TriggerKind,
  TriggerNode,
} from "./ast.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import { didYouMean } from "../util/spelling.js";
import { parseButton } from "./buttons.js";
import { colOf, Joined, splitLines, type Line, type Piece } from "./lines.js";
import { lineValue, parseParamList, splitParams, unquote, ValueError } from "./params.js";
import { PARAM_TAGS, REACTION_TAGS, TAG_LINE, TagSet, TRIGGER_TAGS, VALUE_REQUIRED } from "./tags.js";

/** Options of the parser: the tag names chatbot.yaml `customTags` declares, which become known action tags. */
export interface ParseOptions {
  customTags?: string[];
}

interface Tag {
  name: string;
  value: string; // trimmed text after the colon
  line: Line;
  valueCol: number; // 1-based column of the value (or just after the colon when empty)
  index: number; // line index
  bodyStart: number; // lines [bodyStart, bodyEnd) are indented deeper than the tag
  bodyEnd: number;
}

type Where = "top" | "theme" | "state" | "block";

const TRIGGER_KINDS: Record<string, TriggerKind> = {
  q: "pattern",
  e: "example",
  eg: "exampleGroup",
  intent: "intent",
  intentGroup: "intentGroup",
  event: "event",
};

const PLACE_NAMES: Record<Where, string> = {
  top: "at the top level (only require:, patterns:, init: and theme: may be there)",
  theme: "directly inside theme: (only state: and init: may be there)",
  state: "inside state:",
  block: "inside if:/else:/random: (only reactions may be there)",
};

/** A pattern value may end with ` # comment` (spec §2.1 [I]); `#` never occurs as a pattern token. */
const stripPatternComment = (s: string): string => s.replace(/\s+#.*$/, "");

class Parser {
  readonly errors: ProjectError[] = [];
  /** Constructs the cloud accepts though the strict grammar would not (docs/dsl.md "Accepted leniently"). */
  readonly warnings: Diagnostic[] = [];
  private readonly lines: Line[];
  private readonly tags: TagSet;

  constructor(
    source: string,
    private readonly file: string,
    opts: ParseOptions,
  ) {
    this.lines = splitLines(source);
    this.tags = new TagSet(opts.customTags);
    const tab = this.lines.find((l) => l.tabAt && !l.blank);
    if (tab) this.warn(tab, tab.tabAt, "tab character in indentation: counted as 4 spaces (indent with spaces to be sure)");
  }

  parse(): ScFile {
    const items: TopItem[] = [];
    this.eachChild(0, this.lines.length, (tag) => this.topItem(tag, items));
    return { file: this.file, items };
  }

  // ---- errors and positions

  private error(line: Line, col: number, message: string): ProjectError {
    return new ProjectError(message, { file: this.file, line: line.no, col }, line.raw);
  }

  private warn(line: Line, col: number, message: string): void {
    this.warnings.push({ level: "warning", message, pos: this.pos(line, col) });
  }

  private pos(line: Line, col: number): SourcePos {
    return { file: this.file, line: line.no, col };
  }

  private fromValueError(e: unknown, joined: Joined, base: number): ProjectError {
    if (!(e instanceof ValueError)) throw e;
    const { pos, raw } = joined.locate(base + e.offset, this.file);
    return new ProjectError(e.message, pos, raw);
  }

  // ---- line structure

  /** End (exclusive) of the lines that belong to line `i`: blank/comment lines and deeper-indented ones. */
  private bodyEnd(i: number, indent: number): number {
    let j = i + 1;
    let last = i;
    while (j < this.lines.length) {
      const l = this.lines[j]!;
      if (!l.blank && !l.comment && l.indent <= indent) break;
      if (!l.blank && l.indent > indent) last = j;
      j++;
    }
    return last + 1;
  }

  /** `@Name {json}`: the JSON may close at the annotation's own indentation, so count braces. */
  private annotationEnd(i: number): number {
    let depth = 0;
    let seen = false;
    for (let j = i; j < this.lines.length; j++) {
      for (const c of this.lines[j]!.text.replace(/"(?:\\.|[^"\\])*"/g, "")) {
        if (c === "{" || c === "[") {
          depth++;
          seen = true;
        }
        else if (c === "}" || c === "]") depth--;
      }
      if (seen && depth <= 0) return j + 1;
    }
    return seen ? this.lines.length : this.bodyEnd(i, this.lines[i]!.indent);
  }

  private tagOf(line: Line): { name: string; value: string; valueCol: number } | null {
    const m = TAG_LINE.exec(line.text);
    if (!m || !this.tags.isKnown(m[1]!)) return null;
    const rest = m[2]!;
    const value = rest.trim();
    const offset = m[1]!.length + 1 + (rest.length - rest.trimStart().length);
    return { name: m[1]!, value, valueCol: colOf(line, offset) };
  }

  /**
   * Visits the significant lines in [start, end) that sit at the first child's indentation; each gets
   * its own body. Lines that break the indentation are reported and skipped.
   */
  private eachChild(start: number, end: number, visit: (tag: Tag) => void): void {
    let childIndent = -1;
    let i = start;
    while (i < end) {
      const line = this.lines[i]!;
      if (line.blank || line.comment) {
        i++;
        continue;
      }
      const annotation = /^@[A-Za-z]/.test(line.text);
      const bodyEnd = annotation ? this.annotationEnd(i) : this.bodyEnd(i, line.indent);
      if (childIndent < 0) childIndent = line.indent;
      if (line.indent !== childIndent) {
        const msg =
          line.indent < childIndent
            ? `bad indentation: this line is indented ${line.indent} spaces but the lines above it at this level use ${childIndent}`
            : `bad indentation: unexpected indent (${line.indent} spaces, expected ${childIndent})`;
        this.errors.push(this.error(line, line.indent + 1, msg));
      } else if (annotation) {
        // `@Annotation { json }` blocks from the visual editors carry no behaviour (spec §2.2).
      } else {
        let t = this.tagOf(line);
        const m = t ? null : TAG_LINE.exec(line.text);
        if (!t && m && /^[A-Z]/.test(m[1]!)) {
          // A capitalised name is an action tag of a newer platform version (StartCallSession:): kept, not run.
          this.warn(line, line.indent + 1, `unknown action tag "${m[1]}:" is ignored${this.didYouMean(m[1]!)}`);
          const rest = m[2]!;
          t = { name: m[1]!, value: rest.trim(), valueCol: colOf(line, m[1]!.length + 1 + (rest.length - rest.trimStart().length)) };
        }
        if (!t) {
          const msg = m
            ? `unknown tag "${m[1]}:"${this.didYouMean(m[1]!)}`
            : `expected a tag (like state:, a:, q!:) here, got "${line.text.length > 40 ? line.text.slice(0, 40) + "…" : line.text}"`;
          this.errors.push(this.error(line, line.indent + 1, msg));
        } else {
          try {
            visit({ ...t, line, index: i, bodyStart: i + 1, bodyEnd });
          } catch (e) {
            if (e instanceof ProjectError) this.errors.push(e);
            else throw e;
          }
        }
      }
      i = Math.max(bodyEnd, i + 1);
    }
  }

  /** ` (did you mean "intent!:"?)` when an unknown tag name is one or two typos away from a tag. */
  private didYouMean(name: string): string {
    return didYouMean(name, this.tags.names(), (tag) => `${tag}:`);
  }

  private misplaced(tag: Tag, where: Where): ProjectError {
    return this.error(tag.line, tag.line.indent + 1, `${tag.name}: is not allowed ${PLACE_NAMES[where]}`);
  }

  private requireValue(tag: Tag, value: string): void {
    if (value === "" && tag.name === "a") {
      this.warn(tag.line, tag.valueCol, "a: with no text sends an empty reply");
      return;
    }
    if (value === "" && VALUE_REQUIRED.has(tag.name)) {
      const what = tag.name.startsWith("go") ? "a target state" : "a value";
      throw this.error(tag.line, tag.valueCol, `${tag.name}: needs ${what}`);
    }
  }

  /** The tag's own value plus its continuation lines (which must not be tags). */
  private valuePieces(tag: Tag, keepBlank: boolean): Piece[] {
    const pieces: Piece[] = [];
    if (tag.value) pieces.push({ line: tag.line, col: tag.valueCol, text: tag.value });
    for (let j = tag.bodyStart; j < tag.bodyEnd; j++) {
      const l = this.lines[j]!;
      if (l.comment) continue;
      if (l.blank) {
        if (keepBlank && pieces.length) pieces.push({ line: l, col: 1, text: "" });
        continue;
      }
      const t = this.tagOf(l);
      // Capitalised action names (Email:, Note:) are ordinary words in continued text.
      if (t && !this.tags.isAction(t.name)) throw this.error(l, l.indent + 1, `${t.name}: cannot be nested under ${tag.name}:`);
      pieces.push({ line: l, col: l.indent + 1, text: l.text });
    }
    return pieces;
  }

  /** Value (continuations joined) split into head and `||` params for tags that take them. */
  private valueAndParams(tag: Tag, sep: string, pattern: boolean): { head: string; params: Params; joined: Joined } {
    let pieces = this.valuePieces(tag, sep === "\n");
    if (pattern) pieces = pieces.map((p) => ({ ...p, text: stripPatternComment(p.text) }));
    const joined = new Joined(pieces, sep);
    if (!PARAM_TAGS.has(tag.name) && !this.tags.isAction(tag.name)) return { head: joined.value.trim(), params: {}, joined };
    const split = splitParams(joined.value);
    let params: Params = {};
    if (split.params !== null) {
      try {
        params = parseParamList(split.params);
      } catch (e) {
        throw this.fromValueError(e, joined, split.paramsOffset);
      }
    }
    return { head: split.head.trim(), params, joined };
  }

  /** `key = value` lines under require:/newSession:/action tags; deeper lines continue a value. */
  /** `key = value` lines under a tag; `at` (when given) gets where each value starts. */
  private keyValues(tag: Tag, at?: Record<string, SourcePos>): Params {
    const params: Params = {};
    const raw: Record<string, string> = {};
    let keyIndent = -1;
    let last: string | null = null;
    for (let j = tag.bodyStart; j < tag.bodyEnd; j++) {
      const l = this.lines[j]!;
      if (l.blank || l.comment) continue;
      if (keyIndent < 0) keyIndent = l.indent;
      const m = /^([A-Za-z_$][\w$]*)\s*=\s*(.*)$/.exec(l.text);
      if (m && l.indent === keyIndent) {
        last = m[1]!;
        raw[last] = m[2]!;
        if (at) at[last] = this.pos(l, l.indent + l.text.length - m[2]!.length + 1);
        continue;
      }
      const t = this.tagOf(l);
      if (t) throw this.error(l, l.indent + 1, `${t.name}: cannot be nested under ${tag.name}: (expected "key = value" lines)`);
      if (last === null || l.indent < keyIndent)
        throw this.error(l, l.indent + 1, `expected "key = value" under ${tag.name}:, got "${l.text}"`);
      raw[last] += "\n" + l.text;
    }
    for (const [k, v] of Object.entries(raw)) params[k] = lineValue(v);
    return params;
  }

  private scriptBlock(tag: Tag): ScriptBlock {
    const body = this.lines.slice(tag.bodyStart, tag.bodyEnd);
    const code = body.filter((l) => !l.blank && !l.comment);
    const common = code.length ? Math.min(...code.map((l) => l.indent)) : 0;
    const out = body.map((l) => {
      if (l.blank) return "";
      const cut = l.raw.slice(Math.min(common, l.indent));
      // `#` comment lines become JS comments (Just AI's ESLint processor does the same).
      return l.comment ? cut.replace("#", "//") : cut;
    });
    if (tag.value) out.unshift(tag.value);
    while (out.length && out[out.length - 1]!.trim() === "") out.pop();
    const first = tag.value ? this.pos(tag.line, tag.valueCol) : code[0] ? this.pos(code[0], code[0].indent + 1) : this.pos(tag.line, tag.valueCol);
    return { code: out.join("\n"), pos: first };
  }

  // ---- top level

  private topItem(tag: Tag, items: TopItem[]): void {
    switch (tag.name) {
      case "require":
        items.push({ kind: "require", node: this.require(tag) });
        return;
      case "patterns":
        items.push({ kind: "patterns", defs: this.patterns(tag) });
        return;
      case "init":
        items.push({ kind: "init", block: this.scriptBlock(tag) });
        return;
      case "theme":
        items.push({ kind: "theme", node: this.theme(tag) });
        return;
      default:
        throw this.misplaced(tag, "top");
    }
  }

  private require(tag: Tag): RequireNode {
    this.requireValue(tag, tag.value);
    return { path: unquote(tag.value), params: this.keyValues(tag), pos: this.pos(tag.line, tag.valueCol) };
  }

  private patterns(tag: Tag): PatternDefNode[] {
    const defs: PatternDefNode[] = [];
    const entries: Piece[][] = [];
    if (tag.value) entries.push([{ line: tag.line, col: tag.valueCol, text: tag.value }]);
    let entryIndent = -1;
    for (let j = tag.bodyStart; j < tag.bodyEnd; j++) {
      const l = this.lines[j]!;
      if (l.blank || l.comment) continue;
      if (entryIndent < 0) entryIndent = l.indent;
      if (l.indent < entryIndent) {
        this.errors.push(this.error(l, l.indent + 1, `bad indentation: this line is indented ${l.indent} spaces but the patterns above use ${entryIndent}`));
        continue;
      }
      const piece = { line: l, col: l.indent + 1, text: l.text };
      if (l.indent === entryIndent || !entries.length) entries.push([piece]);
      else entries[entries.length - 1]!.push(piece);
    }
    for (const pieces of entries) {
      const first = pieces[0]!;
      // Names may start with a digit or hold any letter ($1stChoice, $Город): the cloud accepts them.
      const m = /^(\$[\p{L}\p{N}_]+)\s*=\s*/u.exec(first.text);
      if (!m) {
        this.errors.push(this.error(first.line, first.col, `expected "$Name = pattern" in patterns:, got "${first.text}"`));
        continue;
      }
      const stripped = pieces.map((p, k) =>
        k === 0 ? { ...p, col: p.col + m[0].length, text: stripPatternComment(p.text.slice(m[0].length)) } : { ...p, text: stripPatternComment(p.text) },
      );
      const value = new Joined(stripped, " ").value;
      const conv = /\|\|\s*converter\s*=/.exec(value);
      const body = (conv ? value.slice(0, conv.index) : value).trim().replace(/;$/, "").trim();
      const converter = conv ? value.slice(conv.index + conv[0].length).trim().replace(/;$/, "").trim() : undefined;
      if (!body) {
        this.errors.push(this.error(first.line, first.col, `named pattern ${m[1]} has an empty body`));
        continue;
      }
      const def: PatternDefNode = { name: m[1]!, body, pos: this.pos(first.line, first.col) };
      if (converter) def.converter = converter;
      defs.push(def);
    }
    return defs;
  }

  private theme(tag: Tag): ThemeNode {
    const { head, params } = this.valueAndParams({ ...tag, bodyEnd: tag.bodyStart }, " ", false);
    const path = unquote(head);
    this.requireValue(tag, path);
    if (!path.startsWith("/")) throw this.error(tag.line, tag.valueCol, `theme: path must start with "/", got "${path}"`);
    const node: ThemeNode = { path, params, states: [], inits: [], triggers: [], pos: this.pos(tag.line, tag.line.indent + 1) };
    this.eachChild(tag.bodyStart, tag.bodyEnd, (child) => {
      if (child.name === "state") node.states.push(this.state(child));
      else if (child.name === "init") node.inits.push(this.scriptBlock(child));
      else if (TRIGGER_TAGS.has(child.name)) {
        // The cloud accepts a trigger directly in a theme: it belongs to the theme's own state.
        this.warn(child.line, child.line.indent + 1, `${child.name}: directly inside theme: belongs to the theme's state ${path}`);
        node.triggers.push(this.trigger(child));
      } else throw this.misplaced(child, "theme");
    });
    return node;
  }

  // ---- states

  private state(tag: Tag): StateNode {
    const { head, params } = this.valueAndParams({ ...tag, bodyEnd: tag.bodyStart }, " ", false);
    const node: StateNode = {
      name: unquote(head),
      params,
      triggers: [],
      reactions: [],
      children: [],
      inits: [],
      pos: this.pos(tag.line, tag.line.indent + 1),
    };
    this.eachChild(tag.bodyStart, tag.bodyEnd, (child) => {
      if (child.name === "state") node.children.push(this.state(child));
      else if (child.name === "init") node.inits.push(this.scriptBlock(child));
      else if (TRIGGER_TAGS.has(child.name)) node.triggers.push(this.trigger(child));
      else this.reactionInto(child, node.reactions, "state");
    });
    // The platform's docs do not say what a nameless state is; it loads under an internal name that
    // no transition can name, so say so at its line.
    if (node.name === "") this.warnings.push({ level: "warning", message: "state: without a name: it gets an internal name no transition or test can name", pos: node.pos });
    // go! leaves the state at once (docs/engine.md), so a second go! at the state's own level never runs.
    const gos = node.reactions.filter((r): r is Extract<ReactionNode, { tag: "go" | "go!" }> => r.tag === "go!");
    for (const later of gos.slice(1)) {
      this.warnings.push({ level: "warning", message: `go!: ${later.target} never runs: the go!: ${gos[0]!.target} above it (line ${gos[0]!.pos.line}) leaves the state first`, pos: later.pos });
    }
    return node;
  }

  private trigger(tag: Tag): TriggerNode {
    const base = tag.name.replace(/!$/, "");
    const isPattern = base === "q";
    const { head, params } = this.valueAndParams(tag, " ", isPattern);
    const value = isPattern ? head : unquote(head);
    this.requireValue(tag, value);
    return {
      kind: TRIGGER_KINDS[base]!,
      tag: tag.name,
      global: tag.name.endsWith("!"),
      value,
      params,
      pos: this.pos(tag.line, tag.valueCol),
    };
  }

  // ---- reactions

  /** Parses one reaction tag and appends it, folding elseif:/else: into the preceding if:. */
  private reactionInto(tag: Tag, list: ReactionNode[], where: Where): void {
    if (tag.name === "elseif" || tag.name === "else") {
      const prev = list[list.length - 1];
      if (!prev || prev.tag !== "if") throw this.error(tag.line, tag.line.indent + 1, `${tag.name}: without a preceding if:`);
      if (prev.branches[prev.branches.length - 1]!.cond === null)
        throw this.error(tag.line, tag.line.indent + 1, `${tag.name}: after else: (else: must be the last branch)`);
      prev.branches.push(this.branch(tag, tag.name === "else" ? null : tag.value));
      return;
    }
    list.push(this.reaction(tag, where));
  }

  private branch(tag: Tag, cond: string | null): IfBranch {
    if (cond !== null) this.requireValue(tag, cond);
    return { cond, body: this.block(tag), pos: this.pos(tag.line, tag.line.indent + 1) };
  }

  /** Nested reactions of if:/else:/random:. */
  private block(tag: Tag): ReactionNode[] {
    const body: ReactionNode[] = [];
    this.eachChild(tag.bodyStart, tag.bodyEnd, (child) => this.reactionInto(child, body, "block"));
    return body;
  }

  private reaction(tag: Tag, where: Where): ReactionNode {
    const pos = this.pos(tag.line, tag.line.indent + 1);
    if (this.tags.isAction(tag.name) || (/^[A-Z]/.test(tag.name) && !this.tags.isKnown(tag.name))) {
      const { head, params } = this.valueAndParams({ ...tag, bodyEnd: tag.bodyStart }, " ", false);
      const paramPos: Record<string, SourcePos> = {};
      const nested = this.keyValues(tag, paramPos);
      return { tag: "action", name: tag.name, value: unquote(head), params: { ...params, ...nested }, pos, paramPos };
    }
    if (!REACTION_TAGS.has(tag.name)) throw this.misplaced(tag, where);
    switch (tag.name) {
      case "a": {
        const { head, params } = this.valueAndParams(tag, "\n", false);
        const text = unquote(head);
        this.requireValue(tag, text);
        return { tag: "a", text, params, pos };
      }
      case "script":
      case "scriptEs6":
      {
        const block = this.scriptBlock(tag);
        return { tag: tag.name, code: block.code, pos: block.pos };
      }
      case "go":
      case "go!": {
        const target = unquote(this.valueAndParams(tag, " ", false).head);
        this.requireValue(tag, target);
        return { tag: tag.name, target, pos };
      }
      case "if":
        return { tag: "if", branches: [this.branch(tag, tag.value)], pos };
      case "random": {
        const options = this.block(tag);
        if (!options.length) this.warn(tag.line, tag.valueCol, "random: with no nested reactions does nothing (indent its reactions under it)");
        return { tag: "random", options, pos };
      }
      case "buttons":
      case "inlineButtons":
        return { tag: tag.name, items: this.buttons(tag), pos };
      case "image":
      case "audio":
      case "video": {
        const { head, params } = this.valueAndParams(tag, " ", false);
        const url = unquote(head);
        this.requireValue(tag, url);
        return { tag: tag.name, url, params, pos };
      }
      case "timeout": {
        const { head, params } = this.valueAndParams(tag, " ", false);
        const target = unquote(head);
        this.requireValue(tag, target);
        return { tag: "timeout", target, params, pos };
      }
      case "newSession":
        return { tag: "newSession", params: this.keyValues(tag), pos };
      default:
        throw this.misplaced(tag, where);
    }
  }

  private buttons(tag: Tag): ButtonItem[] {
    const pieces: Piece[] = [];
    if (tag.value) pieces.push({ line: tag.line, col: tag.valueCol, text: tag.value });
    for (let j = tag.bodyStart; j < tag.bodyEnd; j++) {
      const l = this.lines[j]!;
      if (l.blank || l.comment) continue;
      const t = this.tagOf(l);
      if (t && !this.tags.isAction(t.name)) throw this.error(l, l.indent + 1, `${t.name}: cannot be nested under ${tag.name}: (expected one button per line)`);
      pieces.push({ line: l, col: l.indent + 1, text: l.text });
    }
    return pieces.map((p) => {
      try {
        return parseButton(p.text, this.pos(p.line, p.col));
      } catch (e) {
        throw this.fromValueError(e, new Joined([p], ""), 0);
      }
    });
  }
}

/** Parses a .sc file and returns the AST plus every error found (parsing continues past errors). */
export function parseScCollect(text: string, file: string, opts: ParseOptions = {}): { ast: ScFile; errors: ProjectError[]; warnings: Diagnostic[] } {
  const p = new Parser(text, file, opts);
  const ast = p.parse();
  const errors = [...p.errors].sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0));
  return { ast, errors, warnings: p.warnings };
}

/** Parses a .sc file; throws a ProjectError (one problem) or ProjectErrors (several). */
export function parseSc(text: string, file: string, opts: ParseOptions = {}): ScFile {
  const { ast, errors } = parseScCollect(text, file, opts);
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ProjectErrors(errors);
  return ast;
}
