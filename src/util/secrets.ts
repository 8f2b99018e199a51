// Project secrets: one rule for every place that resolves them.

export type SecretSource = Record<string, string> | ((name: string) => string | undefined);

/**
 * The value of project secret `name`, the one rule for both sides of a turn: the script realm's
 * `$secrets.get(name)` (src/runtime/turn-worker.ts) and a `"$name"` token given to `$payment`
 * (src/payments/host-ops.ts, on the main thread). Explicit secrets first, then env `SMARTAPP_SECRET_<name>`.
 */
export function projectSecret(name: string, secrets: SecretSource | undefined, env: Record<string, string | undefined> = process.env): string | undefined {
  const given = typeof secrets === "function" ? secrets(name) : secrets?.[name];
  return given ?? env[`SMARTAPP_SECRET_${name}`];
}
