// Pattern source → syntax tree (spec dsl.md §3.2). Offsets are 0-based positions in the source so
// errors can point at the offending column.
import { normalizeWord, tokenizeDetailed } from "./tokenizer.js";

export type PNode =
  | { t: "word"; w: string; at: number }
  | { t: "glob"; g: string; at: number } // word with `*` inside (stem)
  | { t: "lemma"; w: string; at: number }
  | { t: "star"; at: number }
  | { t: "empty"; at: number }
  | { t: "seq"; items: PNode[]; at: number }
  | { t: "alt"; items: PNode[]; at: number } // ( a | b )
  | { t: "opt"; items: PNode[]; at: number } // [ a | b ]
  | { t: "perm"; items: PNode[]; at: number } // { a b c }: one alternative of space-separated elements
  | { t: "ref"; name: string; alias?: string; at: number } // $Name, $Name::Alias
  | { t: "regex"; src: string; ci: boolean; at: number; bodyAt: number }
  | { t: "dict"; name: string; alias?: string; at: number } // $entity<Name>
  | { t: "map"; item: PNode; value: string; at: number } // element:value
  | { t: "weight"; value: number; at: number }
  | { t: "repeat"; ref: PNode & { t: "ref" }; at: number }
  | { t: "morph"; tags: string; at: number }
  | { t: "nlu"; name: string; alias?: string; at: number }; // @entity: external NLU, never matches

export class PatternSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "PatternSyntaxError";
  }
}

const IDENT = /[\p{L}\p{N}_]/u;
const STOP = new Set(["(", ")", "[", "]", "{", "}", "|", ":", "$", "@"]);
const FUNCTIONS = new Set(["regexp", "regex", "regexp_i", "regex_i", "weight", "entity", "morph", "repeat"]);
const CLOSER: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

export function parsePattern(src: string): PNode {
  const p = new Parser(src);
  return p.parseTop();
}

/**
 * Whether a pattern has a regexp (`$regexp<…>`, `$regex_i <…>` and every other spelling the parser
 * takes), found on its syntax tree. A pattern that does not parse compiles to nothing, so it has none.
 */
export function patternHasRegexp(src: string): boolean {
  let root: PNode;
  try {
    root = parsePattern(src);
  } catch (e) {
    if (e instanceof PatternSyntaxError) return false;
    throw e;
  }
  const stack: PNode[] = [root];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n.t === "regex") return true;
    if (n.t === "seq" || n.t === "alt" || n.t === "opt" || n.t === "perm") stack.push(...n.items);
    else if (n.t === "map") stack.push(n.item);
  }
  return false;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): PNode {
    this.skipSpace();
    if (this.i >= this.s.length) throw new PatternSyntaxError("empty pattern", 0);
    const alts = this.parseAlternatives(null, 0);
    return alts.length === 1 ? alts[0]! : { t: "alt", items: alts, at: 0 };
  }

  private skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private isSeparator(): boolean {
    const c = this.s[this.i];
    if (c === "|") return true;
    if (c !== "/") return false;
    // "/start" after a boundary is a word; "a/b" separates alternatives.
    const prev = this.s[this.i - 1];
    const next = this.s[this.i + 1];
    const boundary = prev === undefined || /\s/.test(prev) || prev === "(" || prev === "[" || prev === "{" || prev === "|";
    return !(boundary && next !== undefined && IDENT.test(next));
  }

  /** Alternatives up to `closer` (or the end when null); each is a sequence. */
  private parseAlternatives(closer: string | null, openAt: number): PNode[] {
    const alts: PNode[] = [];
    for (;;) {
      const altStart = this.i;
      const seq = this.parseSeq();
      this.skipSpace();
      const emptyAlt = seq.items.length === 0;
      if (emptyAlt && closer !== "]") {
        const at = this.i < this.s.length ? this.i : altStart;
        throw new PatternSyntaxError(closer === null && this.i >= this.s.length ? "empty alternative at the end of the pattern" : "empty alternative", at);
      }
      alts.push(seq.items.length === 1 ? seq.items[0]! : seq);
      if (this.i >= this.s.length) {
        if (closer !== null) throw new PatternSyntaxError(`unclosed '${openerOf(closer)}': expected '${closer}'`, openAt);
        return alts;
      }
      const c = this.s[this.i]!;
      if (this.isSeparator()) {
        this.i++;
        continue;
      }
      if (c === closer) {
        this.i++;
        return alts;
      }
      // Only closing brackets stop a sequence here.
      if (closer === null) throw new PatternSyntaxError(`unexpected '${c}' without a matching opening bracket`, this.i);
      throw new PatternSyntaxError(`expected '${closer}' to close '${openerOf(closer)}' but found '${c}'`, this.i);
    }
  }

  private parseSeq(): { t: "seq"; items: PNode[]; at: number } {
    const items: PNode[] = [];
    const at = this.i;
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length) break;
      const c = this.s[this.i]!;
      if (c === ")" || c === "]" || c === "}" || this.isSeparator()) break;
      if (c === ":") {
        const prev = items.pop();
        if (!prev) throw new PatternSyntaxError("value mapping ':' without an element before it", this.i);
        items.push(this.parseMapping(prev));
        continue;
      }
      items.push(...this.parseElement());
    }
    return { t: "seq", items, at };
  }

  private parseMapping(item: PNode): PNode {
    const at = this.i;
    this.i++; // ':'
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
    const begin = this.i;
    while (this.i < this.s.length && !/\s/.test(this.s[this.i]!) && !"()[]{}|".includes(this.s[this.i]!)) this.i++;
    return { t: "map", item, value: this.s.slice(begin, this.i), at };
  }

  private parseElement(): PNode[] {
    const at = this.i;
    const c = this.s[this.i]!;
    if (c === "(" || c === "[" || c === "{") {
      this.i++;
      const closer = CLOSER[c]!;
      if (c === "{") {
        const alts = this.parseAlternatives(closer, at).map((a): PNode => ({ t: "perm", items: a.t === "seq" ? a.items : [a], at }));
        return [alts.length === 1 ? alts[0]! : { t: "alt", items: alts, at }];
      }
      const alts = this.parseAlternatives(closer, at);
      return [{ t: c === "(" ? "alt" : "opt", items: alts, at }];
    }
    if (c === "$") return [this.parseDollar()];
    if (c === "@") {
      this.i++;
      const begin = this.i;
      while (this.i < this.s.length && /[\p{L}\p{N}_.-]/u.test(this.s[this.i]!)) this.i++;
      const name = this.s.slice(begin, this.i);
      if (!name) throw new PatternSyntaxError("expected an entity name after '@'", at);
      return [{ t: "nlu", name, alias: this.parseAlias(), at }];
    }
    // A word run: anything up to whitespace or pattern syntax.
    const begin = this.i;
    while (this.i < this.s.length) {
      const ch = this.s[this.i]!;
      if (/\s/.test(ch) || STOP.has(ch)) break;
      if (ch === "/" && this.i > begin) break;
      this.i++;
    }
    if (this.i === begin) throw new PatternSyntaxError(`unexpected '${c}'`, at);
    return this.classifyWord(this.s.slice(begin, this.i), begin);
  }

  private classifyWord(text: string, at: number): PNode[] {
    if (/^\*+$/.test(text)) return [{ t: "star", at }];
    if (text.startsWith("~")) {
      const w = normalizeWord(text.slice(1));
      if (!w) throw new PatternSyntaxError("expected a word after '~'", at);
      return [{ t: "lemma", w, at }];
    }
    if (text.includes("*")) return [{ t: "glob", g: normalizeWord(text), at }];
    // Pattern words are split like user input; punctuation inside them is ignored like the user's.
    const words = tokenizeDetailed(text).filter((t) => !t.punct);
    if (words.length === 0) return [{ t: "empty", at }];
    return words.map((t) => ({ t: "word", w: t.norm, at: at + t.start }));
  }

  private parseAlias(): string | undefined {
    if (!this.s.startsWith("::", this.i)) return undefined;
    const at = this.i;
    this.i += 2;
    while (this.s[this.i] === " ") this.i++;
    const begin = this.i;
    while (this.i < this.s.length && /[\p{L}\p{N}_.-]/u.test(this.s[this.i]!)) this.i++;
    if (this.i === begin) throw new PatternSyntaxError("expected an alias name after '::'", at);
    return this.s.slice(begin, this.i);
  }

  private parseDollar(): PNode {
    const at = this.i;
    this.i++;
    const begin = this.i;
    while (this.i < this.s.length && IDENT.test(this.s[this.i]!)) this.i++;
    const name = this.s.slice(begin, this.i);
    if (!name) throw new PatternSyntaxError("expected a pattern name after '$'", at);
    const fn = name.toLowerCase();
    // The platform accepts a space before the '<' of a pattern function: `$regexp <\d+>`.
    if (FUNCTIONS.has(fn)) {
      let j = this.i;
      while (this.s[j] === " " || this.s[j] === "\t") j++;
      if (this.s[j] === "<") this.i = j;
    }
    if (this.s[this.i] !== "<") return { t: "ref", name, alias: this.parseAlias(), at };
    const bodyAt = this.i + 1;
    if (fn === "regexp" || fn === "regex" || fn === "regexp_i" || fn === "regex_i") {
      const body = this.readRegexBody(at);
      return { t: "regex", src: body, ci: fn.endsWith("_i"), at, bodyAt };
    }
    const close = this.s.indexOf(">", bodyAt);
    if (close < 0) throw new PatternSyntaxError(`unclosed '$${name}<': expected '>'`, at);
    const body = this.s.slice(bodyAt, close).trim();
    this.i = close + 1;
    switch (fn) {
      case "weight": {
        const value = Number(body);
        if (body === "" || !Number.isFinite(value)) throw new PatternSyntaxError(`invalid weight '${body}'`, bodyAt);
        return { t: "weight", value, at };
      }
      case "entity":
        if (!body) throw new PatternSyntaxError("expected a dictionary name in $entity<…>", bodyAt);
        return { t: "dict", name: body, alias: this.parseAlias(), at };
      case "morph":
        return { t: "morph", tags: body, at };
      case "repeat": {
        const m = /^\$([\p{L}\p{N}_]+)(?:::\s*([\p{L}\p{N}_.-]+))?$/u.exec(body);
        if (!m) throw new PatternSyntaxError("$repeat<…> takes one named pattern, like $repeat<$Color>", bodyAt);
        return { t: "repeat", ref: { t: "ref", name: m[1]!, alias: m[2], at: bodyAt }, at };
      }
      default:
        throw new PatternSyntaxError(`unknown pattern function '$${name}<…>'`, at);
    }
  }

  /** The regexp body ends at the first '>' outside brackets, groups and escapes ("(?<name>…)" stays inside). */
  private readRegexBody(at: number): string {
    const begin = this.i + 1;
    let depth = 0;
    let inClass = false;
    for (let j = begin; j < this.s.length; j++) {
      const ch = this.s[j]!;
      if (ch === "\\") {
        j++;
        continue;
      }
      if (inClass) {
        if (ch === "]") inClass = false;
        continue;
      }
      if (ch === "[") inClass = true;
      else if (ch === "(") depth++;
      else if (ch === ")") depth = Math.max(0, depth - 1);
      else if (ch === ">" && depth === 0) {
        this.i = j + 1;
        return this.s.slice(begin, j);
      }
    }
    throw new PatternSyntaxError("unclosed regular expression: expected '>'", at);
  }
}

function openerOf(closer: string): string {
  return closer === ")" ? "(" : closer === "]" ? "[" : "{";
}
