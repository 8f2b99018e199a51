// Logs for a person at a terminal: one short line per entry (time, level, message, then the fields),
// made from the JSON lines the logger writes anyway, so masking and levels stay in one place.
import { Writable } from "node:stream";
import { formatExplanation } from "../../engine/explain-text.js";
import type { TurnExplanation } from "../../engine/explain.js";
import { escapeControls } from "../../util/terminal.js";

const LEVELS: Record<number, [string, string]> = {
  10: ["TRACE", "2"],
  20: ["DEBUG", "2"],
  30: ["INFO ", "32"],
  40: ["WARN ", "33"],
  50: ["ERROR", "31"],
  60: ["FATAL", "31"],
};
// Fields every line has, or that the line's head already shows.
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "component"]);

/**
 * Formats one pino JSON line; anything that is not one is passed through. Control characters in
 * logged text are shown escaped, as the JSON format does (src/util/terminal.ts).
 */
export function prettyLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return escapeControls(line);
  }
  const [name, sgr] = LEVELS[Number(entry.level)] ?? ["LOG  ", "0"];
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 23) : "";
  // An explained turn (LOG_LEVEL=debug) reads as the block `chat` prints for /why.
  const explanation = typeof entry.explanation === "object" && entry.explanation !== null ? (entry.explanation as TurnExplanation) : undefined;
  const fields = Object.entries(entry)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined && !(explanation && k === "explanation"))
    .map(([k, v]) => escapeControls(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`));
  const head = [paint("2", time), paint(sgr, name), escapeControls(String(entry.msg ?? "")), fields.length ? paint("2", fields.join(" ")) : ""].filter(Boolean).join(" ");
  if (!explanation) return head;
  let block: string[];
  try {
    block = formatExplanation(explanation);
  } catch {
    block = [JSON.stringify(explanation)];
  }
  return [head, ...block.map((l) => "    " + escapeControls(l))].join("\n");
}

/** A destination for createLogger: JSON lines in, pretty lines out to `out`. */
export function prettyDestination(out: NodeJS.WritableStream, color: boolean): Writable {
  let rest = "";
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = rest + chunk.toString();
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line) out.write(prettyLine(line, color) + "\n");
      done();
    },
    final(done) {
      if (rest) out.write(prettyLine(rest, color) + "\n");
      done();
    },
  });
}
