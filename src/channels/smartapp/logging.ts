// Structured logs: pino, with secrets masked wherever they appear (SmartPay tokens, Authorization
// headers, anything named like a token, secret, password or pay_api_key).
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

const SECRET_KEY = /token$|secret|passw|pay_api_key|api[-_]?key|authorization|cookie/i; // not "tokenized_elements_list"
const BEARER = /\b(Bearer|Basic)\s+[^\s"']+/gi;
const HAS_BEARER = /\b(Bearer|Basic)\s+[^\s"']/i; // BEARER without the g flag: test() keeps no lastIndex
export const REDACTED = "[REDACTED]";

/** A deep copy with secret-looking fields masked; safe to hand to any logger. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return "[depth]";
  // Hot path (every log line of every request): test before replacing, plain assignment for keys.
  if (typeof value === "string") return HAS_BEARER.test(value) ? value.replace(BEARER, `$1 ${REDACTED}`) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactSecrets(value.message), stack: value.stack };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    const masked = v !== undefined && v !== null && v !== "" && SECRET_KEY.test(k) ? REDACTED : redactSecrets(v, depth + 1);
    // defineProperty only for "__proto__", so that key stays data and never becomes the prototype
    if (k === "__proto__") Object.defineProperty(out, k, { value: masked, enumerable: true, writable: true, configurable: true });
    else out[k] = masked;
  }
  return out;
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
