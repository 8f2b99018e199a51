// Structured logs: pino, with secrets masked wherever they appear: by value (every configured secret,
// the one rule of src/util/secrets.ts) and by name (Authorization headers, anything named like a
// token, secret, password or pay_api_key).
import { destination, pino, type DestinationStream, type Logger } from "pino";
import { REDACTED } from "../../util/secrets.js";
import type { TurnExplanation } from "../../engine/explain.js";

export type { Logger };

const SECRET_KEY = /token$|secret|passw|pay_api_key|api[-_]?key|authorization|cookie/i; // not "tokenized_elements_list"
const BEARER = /\b(Bearer|Basic)\s+[^\s"']+/gi;
const HAS_BEARER = /\b(Bearer|Basic)\s+[^\s"']/i; // BEARER without the g flag: test() keeps no lastIndex
export { REDACTED };

/** Masks secret values in a string; the identity when no secrets are configured. */
export type Mask = (text: string) => string;
const keep: Mask = (text) => text;

/** A deep copy with secret-looking fields and secret values masked; safe to hand to any logger. */
export function redactSecrets(value: unknown, mask: Mask = keep, depth = 0): unknown {
  if (depth > 20) return "[depth]";
  // Hot path (every log line of every request): test before replacing, plain assignment for keys.
  if (typeof value === "string") {
    const text = mask(value);
    return HAS_BEARER.test(text) ? text.replace(BEARER, `$1 ${REDACTED}`) : text;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, mask, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactSecrets(value.message, mask), stack: value.stack === undefined ? undefined : mask(value.stack) };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    const masked = v !== undefined && v !== null && v !== "" && SECRET_KEY.test(k) ? REDACTED : redactSecrets(v, mask, depth + 1);
    // defineProperty only for "__proto__", so that key stays data and never becomes the prototype
    if (k === "__proto__") Object.defineProperty(out, k, { value: masked, enumerable: true, writable: true, configurable: true });
    else out[k] = masked;
  }
  return out;
}

/**
 * An explained turn for the log: the session/client diff shows values under their path, so a
 * change whose path ends in a secret-looking name is masked like such a field (values of
 * configured secrets are masked everywhere by the logger itself).
 */
export function redactExplanation(e: TurnExplanation): TurnExplanation {
  const mask = (changes: TurnExplanation["session"]) =>
    changes.map((c) => {
      const last = /([^.[\]"]+)"?\]?$/.exec(c.path)?.[1] ?? c.path;
      if (!SECRET_KEY.test(last)) return c;
      return { ...c, ...("before" in c ? { before: REDACTED } : {}), ...("after" in c ? { after: REDACTED } : {}) };
    });
  return { ...e, session: mask(e.session), client: mask(e.client), ...(e.newSession ? { newSession: redactExplanation(e.newSession) } : {}) };
}

export interface LoggerOptions {
  level?: string; // default info (the CLI passes LOG_LEVEL)
  destination?: NodeJS.WritableStream;
  /** Masks secret values (secretMasker in src/util/secrets.ts) in every field and message. */
  mask?: Mask;
}

/** The channel's default logger: JSON lines, every logged object and message passed through redactSecrets. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const mask = options.mask ?? keep;
  return pino(
    {
      level: options.level ?? "info",
      base: { component: "smartapp-webhook" },
      formatters: { log: (obj) => redactSecrets(obj, mask) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === "string" ? mask(a) : a)) as typeof args;
          method.apply(this, masked);
        },
      },
    },
    // A given destination (the pretty printer, tests) is used as it is.
    (options.destination as DestinationStream | undefined) ?? batchedDestination(1),
  );
}

/** Bytes of log lines gathered before one write(2); lines wait at most LOG_FLUSH_MS for it. */
export const LOG_BATCH_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 100;

/**
 * Where JSON lines go by default (`dest`: a file descriptor or path): asynchronous writes of at least
 * LOG_BATCH_BYTES, or whatever is there every LOG_FLUSH_MS, and everything at exit (pino's exit hook).
 * A write per line was the webhook's largest system cost after the answer itself (docs/benchmarks.md).
 */
export function batchedDestination(dest: number | string): DestinationStream {
  return destination({ dest, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
}
