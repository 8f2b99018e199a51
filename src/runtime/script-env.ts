// What `$env.get(name)` answers: only the variables a project declares, like JAICP's chatbot.yaml
// `injector.variables: [names]` (docs/security-config.md). The runtime's own secrets are never among
// them, whatever a project declares: a script that could read SMARTPAY_TOKEN could spend with it.

/** Names the runtime keeps from scripts even when declared. */
export function isReservedVariable(name: string): boolean {
  return name === "SMARTPAY_TOKEN" || name.startsWith("SMARTAPP_SECRET_") || name === "SMARTAPP_SANDBOX_ADMIN_TOKEN" || name === "REDIS_URL";
}

/** chatbot.yaml `injector.variables`, as names (anything else there is ignored). */
export function declaredVariables(injector: Record<string, unknown> | undefined): string[] {
  const v = injector?.variables;
  return Array.isArray(v) ? v.filter((n): n is string => typeof n === "string" && n !== "") : [];
}

export interface ScriptEnvironment {
  values: Record<string, string>;
  warnings: string[];
}

/**
 * The values scripts may read. `declared` entries are `NAME` (taken from `environment`) or
 * `NAME=value` (given outright, as `--env` allows). Reserved names, and any value equal to a secret,
 * are left out with a warning.
 */
export function scriptEnvironment(declared: readonly string[], environment: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>> = {}): ScriptEnvironment {
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  const secretValues = new Set(Object.values(secrets).filter((v) => v !== ""));
  for (const entry of declared) {
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? (Object.hasOwn(environment, name) ? environment[name] : undefined) : entry.slice(eq + 1);
    if (isReservedVariable(name)) {
      warnings.push(`$env: ${name} is a runtime secret and is never given to scripts; use $secrets for secrets`);
      continue;
    }
    if (value === undefined) continue;
    if (secretValues.has(value)) {
      warnings.push(`$env: ${name} holds the value of a secret and is not given to scripts; use $secrets for secrets`);
      continue;
    }
    values[name] = value;
  }
  return { values, warnings };
}
