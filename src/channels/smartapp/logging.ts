// Structured logs: pino, with secrets masked wherever they appear (SmartPay tokens, Authorization
// headers, anything named like a token, secret, password or pay_api_key).
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

const SECRET_KEY = /token$|secret|passw|pay_api_key|api[-_]?key|authorization|cookie/i; // not "tokenized_elements_list"
const BEARER = /\b(Bearer|Basic)\s+[^\s"']+/gi;
export const REDACTED = "[REDACTED]";

/** A deep copy with secret-looking fields masked; safe to hand to any logger. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return "[depth]";
  if (typeof value === "string") return value.replace(BEARER, `$1 ${REDACTED}`);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactSecrets(value.message), stack: value.stack };
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const masked = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== "" ? REDACTED : redactSecrets(v, depth + 1);
      Object.defineProperty(out, k, { value: masked, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** The channel's default logger: JSON lines, every logged object passed through redactSecrets. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      base: { component: "smartapp-webhook" },
      formatters: { log: (obj) => redactSecrets(obj) as Record<string, unknown> },
    },
    options.destination as DestinationStream | undefined,
  );
}
