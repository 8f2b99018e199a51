// Project secrets: one rule for every place that resolves them, and one rule that keeps their values
// out of logs and error texts (docs/security-config.md).

/** Where project secrets come from: a name→value map, or a lookup function. */
export type SecretSource = Record<string, string> | ((name: string) => string | undefined);

/**
 * The value of project secret `name`, the one rule for both sides of a turn: the script realm's
 * `$secrets.get(name)` (src/runtime/turn-worker.ts) and a `"$name"` token given to `$payment`
 * (src/payments/host-ops.ts, on the main thread). Explicit secrets first, then `env`
 * `SMARTAPP_SECRET_<name>` when a caller still passes an environment (the CLI passes secrets instead).
 */
export function projectSecret(name: string, secrets: SecretSource | undefined, env: Record<string, string | undefined> = {}): string | undefined {
  const given = typeof secrets === "function" ? secrets(name) : secrets !== undefined && Object.hasOwn(secrets, name) ? secrets[name] : undefined;
  return given ?? env[`SMARTAPP_SECRET_${name}`];
}

/** What a masked secret value is replaced with in logs and error texts. */
export const REDACTED = "[REDACTED]";

/** Values shorter than this are not masked: a 1–3 character "secret" would blank ordinary text. */
export const MIN_MASKED_LENGTH = 4;

/**
 * A function that replaces every occurrence of any of `values` (and of their URL-encoded and base64
 * forms, as they appear in URLs and Basic headers) with [REDACTED]. Copies the script changed
 * (reversed, letter-spaced) are not recognised: the mask is a guard for accidents, not a sandbox.
 */
export function secretMasker(values: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const v of values) {
    if (typeof v !== "string" || v.length < MIN_MASKED_LENGTH) continue;
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(Buffer.from(v).toString("base64").replace(/=+$/, ""));
  }
  if (forms.size === 0) return (text) => text;
  // Longest first, so a secret containing another is masked whole.
  const pattern = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"), "g");
  return (text) => (typeof text === "string" ? text.replace(pattern, REDACTED) : text);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
