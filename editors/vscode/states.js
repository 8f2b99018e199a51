// The state tree of one .sc file, read the way the runtime reads it (docs/dsl.md): `theme:` sets the
// path prefix, `state:` nests by indentation. No VS Code API here, so it is tested on its own.
"use strict";

const SECTION = /^(\s*)(theme|state):\s*([^|]*?)\s*(?:\|\|.*)?$/;
const TARGET = /^\s*(?:go!?|timeout):\s*([^|{]+?)\s*(?:\|\||$)|->\s*([^\s{]+)\s*$|toState\s*=\s*"?([^",]+)"?/;

/** Join a parent path and a state name: `/` + `A` → `/A`, `/A` + `B` → `/A/B`. */
function join(parent, name) {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/**
 * Every state of the text with its full path and 0-based line.
 * @param {string} text
 * @returns {{ path: string, line: number, indent: number }[]}
 */
function indexStates(text) {
  const states = [];
  const stack = []; // open sections: { indent, path }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = SECTION.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].replace(/\t/g, "    ").length;
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    if (m[2] === "theme") {
      stack.push({ indent, path: m[3] || "/" });
      continue;
    }
    const parent = stack.length > 0 ? stack[stack.length - 1].path : "/";
    const path = join(parent, m[3]);
    states.push({ path, line: i, indent });
    stack.push({ indent, path });
  }
  return states;
}

/** The path of the state whose body holds `line` (0-based), or `/`. */
function stateAt(states, text, line) {
  const lines = text.split(/\r?\n/);
  const indentOf = (s) => s.length - s.trimStart().length;
  let found = "/";
  for (const s of states) {
    if (s.line > line) break;
    const body = lines.slice(s.line + 1, line + 1).filter((l) => l.trim() !== "");
    if (s.line === line || body.every((l) => indentOf(l) > s.indent)) found = s.path;
  }
  return found;
}

/**
 * Resolve a transition target written in the state `from`: absolute (`/A/B`), relative to the state
 * (`./Child`, `../Sibling`, `..`, `.`), or a bare name (a child, as the runtime resolves it).
 */
function resolveTarget(from, target) {
  const t = target.trim();
  if (t.startsWith("/")) return normalise(t);
  return normalise(`${from === "/" ? "" : from}/${t}`);
}

function normalise(p) {
  const out = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** The transition target written on a line (`go!: /A`, `"Text" -> ./B`, `toState = "/C"`), or undefined. */
function targetOnLine(lineText) {
  const m = TARGET.exec(lineText);
  if (!m) return undefined;
  return (m[1] || m[2] || m[3] || "").trim() || undefined;
}

module.exports = { indexStates, stateAt, resolveTarget, targetOnLine };
