// Splits .sc text into lines with their indentation, and joins multi-line values while remembering
// where each character came from (so an error inside a joined value still points at its line).
import type { SourcePos } from "./ast.js";

/** One line of a .sc file, split into indentation and content, with its number and comment/blank flags. */
export interface Line {
  no: number; // 1-based
  indent: number; // leading spaces (a tab counts 4; the first tab of a file gets a warning, docs/dsl.md)
  text: string; // content after the indentation, trailing whitespace removed
  raw: string; // the line as written, for error carets
  blank: boolean;
  comment: boolean; // first non-blank character is `#`
  tabAt: number; // 1-based column of a tab in the indentation, or 0
}

/** Splits .sc source into Lines (a BOM and CRLF endings are dropped); tabs count 4 columns and are remembered. */
export function splitLines(source: string): Line[] {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return text.split(/\r?\n/).map((raw, i) => {
    const lead = /^[ \t]*/.exec(raw)![0];
    const tab = lead.indexOf("\t");
    const indent = lead.length + 3 * (lead.split("\t").length - 1);
    const body = raw.slice(lead.length).trimEnd();
    return { no: i + 1, indent, text: body, raw, blank: body === "", comment: body.startsWith("#"), tabAt: tab + 1 };
  });
}

/** Column (1-based) in `line.raw` of `offset` within `line.text`. */
export function colOf(line: Line, offset: number): number {
  return line.raw.length - line.raw.trimStart().length + offset + 1;
}

/** A part of one line that belongs to a multi-line value, with the column it starts at. */
export interface Piece {
  line: Line;
  col: number; // 1-based column where `text` starts in line.raw
  text: string;
}

/** Pieces joined into one value, mapping an offset in the value back to its line and column for errors. */
export class Joined {
  readonly value: string;
  private readonly starts: number[] = [];

  constructor(
    private readonly pieces: Piece[],
    sep: string,
  ) {
    let offset = 0;
    for (const p of pieces) {
      this.starts.push(offset);
      offset += p.text.length + sep.length;
    }
    this.value = pieces.map((p) => p.text).join(sep);
  }

  /** The source position of character `offset` of the joined value. */
  locate(offset: number, file: string): { pos: SourcePos; raw: string } {
    let k = 0;
    while (k + 1 < this.starts.length && this.starts[k + 1]! <= offset) k++;
    const p = this.pieces[k]!;
    return { pos: { file, line: p.line.no, col: p.col + Math.max(0, offset - this.starts[k]!) }, raw: p.line.raw };
  }
}
