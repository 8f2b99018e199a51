// Structured logs: pino, with secrets masked wherever they appear: by value (every configured secret,
// the one rule of src/util/secrets.ts) and by name (Authorization headers, anything named like a
// token, secret, password or pay_api_key).
import { destination, pino, symbols, type DestinationStream, type Logger } from "pino";
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

const BASE = { component: "smartapp-webhook" };

/** A flat log line's fields: strings and numbers only (what every request's closing line holds). */
export type FlatFields = Readonly<Record<string, string | number | undefined>>;

/** Writes one info line of flat fields straight to a logger's stream; false when it cannot. */
type FlatWriter = (msg: string, head: FlatFields, tail: FlatFields | undefined) => boolean;
const flatWriters = new WeakMap<Logger, FlatWriter>();

/**
 * An info line of flat fields, as `log.info({...head, ...tail}, msg)` writes it, masked the same way.
 * A logger made by createLogger builds the JSON text directly: no merged object, no masked deep copy
 * and no second serialisation for the line every request writes (docs/benchmarks.md). Any other
 * logger, or a field that is not a string or a finite number, takes pino's own path.
 */
export function logFlat(log: Logger, msg: string, head: FlatFields, tail?: FlatFields): void {
  if (flatWriters.get(log)?.(msg, head, tail) === true) return;
  log.info({ ...head, ...tail }, msg);
}

/** The channel's default logger: JSON lines, every logged object and message passed through redactSecrets. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const mask = options.mask ?? keep;
  const logger = pino(
    {
      level: options.level ?? "info",
      base: BASE,
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
  flatWriters.set(logger, flatWriter(logger, mask));
  return logger;
}

/** A field name's `,"name":` and whether it names a secret; the request line's names are always the same few. */
interface FlatKey {
  prefix: string;
  secret: boolean;
}
const flatKeys = new Map<string, FlatKey>();
const MAX_FLAT_KEYS = 256;

function flatKey(key: string): FlatKey {
  let known = flatKeys.get(key);
  if (known === undefined) {
    known = { prefix: `,${JSON.stringify(key)}:`, secret: SECRET_KEY.test(key) };
    if (flatKeys.size < MAX_FLAT_KEYS) flatKeys.set(key, known);
  }
  return known;
}

/**
 * pino's line for `info(fields, msg)` with this logger's options: level, epoch time, the base
 * bindings, the fields in order, msg. Streams that want pino's per-line metadata (multistream) are
 * left to pino.
 */
function flatWriter(logger: Logger, mask: Mask): FlatWriter {
  const stream = (logger as unknown as Record<symbol, DestinationStream & Record<symbol, unknown>>)[symbols.streamSym];
  if (stream === undefined || stream[symbols.needsMetadataGsym] === true) return () => false;
  const start = `{"level":${logger.levels.values.info},"time":`;
  const base = Object.entries(BASE).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join("");
  // The same rules as redactSecrets on an object of these fields: a non-empty value under a
  // secret-looking name is masked whole, other strings by value and Bearer/Basic credentials.
  const append = (line: string, fields: FlatFields | undefined, before: FlatFields | undefined): string | undefined => {
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) continue;
      if (before !== undefined && key in before) return undefined; // pino keeps the first key's place
      const { prefix, secret } = flatKey(key);
      let text: string;
      if (value !== "" && secret) text = `"${REDACTED}"`;
      else if (typeof value === "string") text = JSON.stringify(redactSecrets(value, mask));
      else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
      else return undefined;
      line += prefix + text;
    }
    return line;
  };
  return (msg, head, tail) => {
    if (!logger.isLevelEnabled("info")) return true;
    let line = append(`${start}${Date.now()}${base}`, head, undefined);
    if (line !== undefined) line = append(line, tail, head);
    if (line === undefined) return false;
    // The message is masked by value only, as the logMethod hook does.
    stream.write(`${line},"msg":${JSON.stringify(mask(msg))}}\n`);
    return true;
  };
}

/** Bytes of log lines gathered before one write(2); lines wait at most LOG_FLUSH_MS for it. */
export const LOG_BATCH_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 100;

/**
 * Bytes of log lines a batched destination holds for a destination that does not take them (a
 * stdout pipe whose reader stalled) before it drops whole batches: memory stays bounded and the
 * server keeps answering; the lines dropped are counted (droppedLogLines, the metric
 * smartapp_log_lines_dropped_total) and a warning with their number is the first line written once
 * the destination takes lines again (docs/smartapp-webhook.md).
 */
export const LOG_MAX_PENDING_BYTES = 16 * 1024 * 1024;

let droppedLines = 0;

/** Log lines this process dropped because its log destination did not take them (LOG_MAX_PENDING_BYTES). */
export function droppedLogLines(): number {
  return droppedLines;
}

/**
 * Where JSON lines go by default (`dest`: a file descriptor or path): asynchronous writes of at least
 * LOG_BATCH_BYTES, or whatever is there every LOG_FLUSH_MS, and everything at exit.
 * A write per line was the webhook's largest system cost after the answer itself (docs/benchmarks.md).
 * The lines gather in an array joined once per batch: pino's own batching (sonic-boom's minLength)
 * appends each line to one growing string and measures that string's UTF-8 length on every line,
 * which flattened it, ≈ 8 KB allocated per request for a 200-byte line (docs/benchmarks.md).
 */
export function batchedDestination(dest: number | string, maxPendingBytes = LOG_MAX_PENDING_BYTES): DestinationStream {
  // sonic-boom's maxLength refuses a write that would hold more than that, with a "drop" event.
  return new LineBatch(destination({ dest, sync: false, maxLength: maxPendingBytes }));
}

/** The stream pino's destination() returns (sonic-boom); its `destroyed` is not in its types. */
type Sink = ReturnType<typeof destination>;

/** Batches that hold lines not yet handed to their sink; emptied at exit (below). */
const pendingBatches = new Set<LineBatch>();

class LineBatch implements DestinationStream {
  private lines: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Lines in the batch being handed to the sink, and whether the sink dropped it. */
  private handing = 0;
  private refused = false;
  /** Lines dropped since the sink last took a batch: told in a warning ahead of the next batch it takes. */
  private untold = 0;

  constructor(private readonly sink: Sink) {
    sink.on("drop", () => {
      this.refused = true;
    });
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.size += line.length;
    if (this.size >= LOG_BATCH_BYTES) this.release();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.release(), LOG_FLUSH_MS).unref();
      pendingBatches.add(this);
    }
    return true;
  }

  /** Hands the gathered lines to the sink as one string (one write(2) when the sink is idle). */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    pendingBatches.delete(this);
    if (this.lines.length === 0) return;
    if ((this.sink as { destroyed?: boolean }).destroyed === true) {
      this.lines = []; // nowhere to write any more: keep nothing
      this.size = 0;
      return;
    }
    let text = this.lines.length === 1 ? this.lines[0]! : this.lines.join("");
    if (this.untold > 0) text = droppedWarning(this.untold) + text;
    this.handing = this.lines.length;
    this.lines = [];
    this.size = 0;
    this.refused = false;
    this.sink.write(text); // a drop is emitted during the call
    if (this.refused) {
      droppedLines += this.handing;
      this.untold += this.handing;
    } else this.untold = 0;
  }

  flush(cb?: (err?: Error) => unknown): void {
    this.release();
    this.sink.flush(cb);
  }

  flushSync(): void {
    this.release();
    this.sink.flushSync();
  }

  end(): void {
    this.release();
    this.sink.end();
  }

  destroy(): void {
    this.release();
    this.sink.destroy();
  }
}

/** The line that tells how many lines were dropped, as the channel logger writes a warning. */
function droppedWarning(n: number): string {
  return `{"level":40,"time":${Date.now()},"component":${JSON.stringify(BASE.component)},"dropped":${n},"msg":"log lines dropped: the log destination did not take them in time"}\n`;
}

// Lines still gathering when the process ends: into the sink, which pino ends or writes out at exit
// (its own exit hook, in either order with these); at "exit" no write can wait, so flush here too.
process.on("beforeExit", () => {
  for (const batch of pendingBatches) batch.release();
});
process.on("exit", () => {
  for (const batch of pendingBatches) {
    try {
      batch.flushSync();
    } catch {
      // a file not open yet or already closed: nothing can be written any more
    }
  }
});
