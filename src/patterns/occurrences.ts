// The occurrences of an entity in a text, read left to right: what slots filled from a phrase take
// (docs/nlu.md "Slots"). One scan over the tokens, each start position evaluated once, instead of a
// pattern `* @e * … @e *` per number of occurrences, whose chart grows with the square of the text
// for each of them (docs/patterns.md "Entity occurrences").
import type { CNode } from "./compiled.js";
import { Compiler } from "./compiler.js";
import { MatchInput, type Frag } from "./matcher.js";
import { buildParseTree } from "./parseTree.js";
import { tokenizeDetailed } from "./tokenizer.js";
import type { ParseNode, PatternEntity } from "./types.js";

export class EntityOccurrences {
  private readonly compiler: Compiler;
  private readonly roots = new Map<string, CNode>();

  /** `entities`: the project's own, as for a pattern set; system entities need none. */
  constructor(entities?: ReadonlyMap<string, PatternEntity>) {
    this.compiler = new Compiler(new Map(), new Map(), { entities });
  }

  /**
   * Compiles `@name` for find(); throws what the pattern compiler throws on a name it cannot read.
   * An entity that cannot match offline (one only the live service knows) compiles, and is never found.
   */
  add(name: string): void {
    if (!this.roots.has(name)) this.roots.set(name, this.compiler.compile("@" + name));
  }

  /**
   * The occurrences of each entity in `limits` (added before; name → how many at most), in text
   * order and not overlapping: from each word on, the best reading that starts there — the longest,
   * as the chart ranks an entity's ends by the letters they cover, so "двадцать пять" is 25, not 20
   * and 5 — and the scan goes on after it. Each occurrence is the entity's parse-tree node, as
   * `$parseTree.<Entity>` would list it. `now` is the turn's clock for relative dates.
   */
  find(text: string, limits: ReadonlyMap<string, number>, now = Date.now()): Map<string, ParseNode[]> {
    const out = new Map<string, ParseNode[]>();
    const tokens = tokenizeDetailed(text);
    const input = new MatchInput(text, tokens, false, now);
    for (const [name, limit] of limits) {
      const root = this.roots.get(name);
      if (!root) throw new Error(`@${name} was not added`);
      let frag: Frag = null;
      let found = 0;
      for (let p = 0; p < tokens.length && found < limit; p++) {
        if (tokens[p]!.punct) continue;
        const ends = input.eval(root, p);
        let best = -1;
        for (let i = 0; i < ends.size; i++) {
          if (ends.endAt(i) > p && (best < 0 || input.key(ends.hypAt(i)) > input.key(ends.hypAt(best)))) best = i;
        }
        if (best < 0) continue;
        const f = ends.hypAt(best).f;
        frag = frag === null ? f : { t: 0, a: frag, b: f };
        found++;
        p = ends.endAt(best) - 1;
      }
      const nodes = frag === null ? [] : buildParseTree(frag, text, tokens)[name];
      out.set(name, Array.isArray(nodes) ? (nodes as ParseNode[]) : []);
    }
    return out;
  }
}
