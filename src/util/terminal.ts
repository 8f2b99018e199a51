// Text that reaches an operator's terminal. Logged and shown strings carry input from outside (user
// ids, texts a script logs, bodies posted to a sandbox): raw, a newline forges whole lines and escape
// sequences drive the terminal (clear the screen, set its title, OSC 52 writes the clipboard).

/** C0 and C1 control characters, DEL and bidi overrides. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `s` with control characters and bidi overrides shown escaped (`\n`, `\x1b`, `\u202e`), as JSON would. */
export const escapeControls = (s: string): string =>
  s.replace(UNSAFE, (c) => ESCAPES[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `\\u${c.charCodeAt(0).toString(16)}`));
