// The SmartApp API webhook: POST JSON in, one SmartApp API message out, within the 7 s budget.
// Invalid input gets a 4xx with a reason and never reaches the executor; nothing here may crash the
// process (express catches async errors; late turns are always awaited and logged).
import { randomUUID } from "node:crypto";
import { listenApp } from "../../util/listen.js";
import { maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import express, { type Express, type NextFunction, type Request, type Response, type Router } from "express";
import { TurnRefusedError, type TurnExecutor, type TurnOptions, type TurnOutcome } from "../types.js";
import type { TurnResult } from "../../engine/types.js";
import type { TurnExplanation } from "../../engine/explain.js";
import { Admission, type Intake } from "./admission.js";
import { inRanges } from "../../util/ip-ranges.js";
import { WebhookRequestError } from "./errors.js";
import { createLogger, logFlat, redactExplanation, redactSecrets, type Logger } from "./logging.js";
import { mapIn, type MapInOptions } from "./map-in.js";
import { ERROR_CODES, errorAnswer, mapOut } from "./map-out.js";
import { WebhookMetrics } from "./metrics.js";
import { parseBody } from "./parse.js";
import { serializeAnswer } from "./serialize.js";
import type { EnvelopeIds } from "./types.js";
import { checkIdLengths, validateMessage } from "./validate.js";

export interface WebhookOptions extends MapInOptions {
  executor: TurnExecutor;
  /** Webhook path; use a secret one, the platform sends no credentials (spec §1). */
  path?: string;
  /** Answer ERROR after this long; the turn still finishes and is committed. Default 6000 (budget: 7 s). */
  deadlineMs?: number;
  /**
   * Addresses / CIDR ranges of reverse proxies in front of the server: a request from one of them has
   * `req.ip` from its X-Forwarded-For (express's "trust proxy"). Default none: `req.ip` is the peer.
   */
  trustProxy?: readonly string[];
  /** Largest accepted body in bytes, or a size string such as "1mb". Default 1 MB. */
  bodyLimit?: number | string;
  /** Deepest object/array nesting a body may have; deeper gets 400. Default 64 (docs/security.md). */
  maxJsonDepth?: number;
  /** Longest uuid.userId / uuid.sub / uuid.userChannel / sessionId; longer gets 400. Default 256. */
  maxIdLength?: number;
  /** Turns waiting or running in this process, all users; the next request gets 503. Default DEFAULT_MAX_TURNS (admission.ts). */
  maxTurns?: number;
  /** Bytes of request bodies those turns hold; a request that would go over gets 503. Default DEFAULT_MAX_HELD_BYTES. */
  maxHeldBytes?: number;
  /** Of those, bytes one client address may hold (behind `trustProxy`, the forwarded client's). Default a quarter of maxHeldBytes. */
  maxHeldBytesPerAddress?: number;
  logger?: Logger;
  /** Pass one in to hand metrics.observeStore to the executor before the app exists. */
  metrics?: WebhookMetrics;
  /** More routes on the same server (the web console), tried after the webhook's own. */
  routes?: Router[];
  /**
   * Turns of these users are explained (docs/engine.md, "The explained turn") and handed to
   * onExplained before the answer is sent (the web console's own users). With LOG_LEVEL=debug every
   * turn is explained and logged.
   */
  explainUser?: (userKey: string) => boolean;
  onExplained?: (userKey: string, messageId: string, explanation: TurnExplanation) => void;
}

/** What one request carries from its start to its log line. */
interface Locals {
  reqId: string;
  log: Logger;
  started: number;
  turn?: Record<string, string | number | undefined>;
  /** The request's turn, once it started: what it holds is given back when it ends (docs/security.md, "Limits"). */
  running?: Promise<void>;
  /** What the request holds against the process-wide bound, from its body's first byte. */
  intake?: Intake;
  /** Bytes of the body as they came over the wire (compressed, if it was). */
  arrived?: number;
  /** The response closed (answered, or the connection went away): what is held is given back as the turn ends. */
  closed?: boolean;
}

/**
 * A request's Locals (also express's res.locals): the request's child logger is made only when
 * something logs besides the closing line, by a getter every request shares.
 */
class RequestLocals implements Locals {
  readonly started = performance.now();
  turn?: Record<string, string | number | undefined>;
  running?: Promise<void>;
  intake?: Intake;
  arrived?: number;
  closed?: boolean;
  private child: Logger | undefined;

  constructor(
    private readonly root: Logger,
    readonly reqId: string,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({ reqId: this.reqId }));
  }
}

export interface WebhookApp extends Express {
  metrics: WebhookMetrics;
  /** Serves POST <path> straight from node:http when it can (true), else leaves the request to express (false). */
  handleFast(req: IncomingMessage, res: ServerResponse): boolean;
  /** Resolves when no turn is running (also turns that outlived their deadline). */
  drain(): Promise<void>;
  /** From now on: healthz says 503 and responses close their connection. */
  beginShutdown(): void;
}

export function createWebhookApp(opts: WebhookOptions): WebhookApp {
  const path = opts.path ?? "/webhook";
  const deadlineMs = opts.deadlineMs ?? 6000;
  const log = opts.logger ?? createLogger();
  const metrics = opts.metrics ?? new WebhookMetrics();
  // Turns running (also those past their deadline), and who waits for none to be: a count, not a
  // set of promises, so a request adds no entry and no promise of its own.
  let running = 0;
  let drained: (() => void)[] = [];
  const turnEnded = (): void => {
    if (--running > 0 || drained.length === 0) return;
    const waiting = drained;
    drained = [];
    for (const resolve of waiting) resolve();
  };
  const admission = new Admission({ maxTurns: opts.maxTurns, maxHeldBytes: opts.maxHeldBytes, maxHeldBytesPerAddress: opts.maxHeldBytesPerAddress });
  const proxies = opts.trustProxy?.length ? opts.trustProxy : undefined;
  metrics.watchAdmission(admission);
  let shuttingDown = false;

  const app = express() as WebhookApp;
  app.disable("x-powered-by");
  app.set("etag", false);
  if (opts.trustProxy?.length) app.set("trust proxy", [...opts.trustProxy]);
  app.metrics = metrics;
  app.beginShutdown = () => {
    shuttingDown = true;
  };
  app.drain = async () => {
    while (running > 0) await new Promise<void>((resolve) => drained.push(resolve));
  };

  /**
   * Request id, per-request logger, and one `close` listener for the rest of the request's life
   * (one listener where there were three): the closing log line once the answer is
   * out, and giving back what the request holds (countBody, hold). A response emits `close` after
   * `finish`, and also when its connection goes away first, then without a log line, as before.
   */
  function beginRequest(given: string | undefined, method: string, reqPath: string, res: ServerResponse, headersLater = false): Locals {
    const reqId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    const locals = new RequestLocals(log, reqId);
    if (!headersLater) {
      res.setHeader("X-Request-Id", reqId);
      if (shuttingDown) res.setHeader("Connection", "close");
    }
    res.once("close", () => {
      locals.closed = true;
      if (res.writableFinished) {
        const ms = Math.round(performance.now() - locals.started);
        // The same line the child would write: its binding (reqId) comes first.
        logFlat(log, "request", { reqId, method, path: reqPath, status: res.statusCode, ms }, locals.turn);
      }
      settle(locals);
    });
    return locals;
  }

  /**
   * Once the response closed: a body not admitted (the client went away, the request timeout's 408
   * closed the connection, or it was refused) is given back now, an admitted one when its turn ends.
   */
  function settle(locals: Locals): void {
    const intake = locals.intake;
    if (intake === undefined || intake.released) return;
    if (intake.admitted && locals.running) void locals.running.then(() => intake.release());
    else intake.release();
  }

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals = beginRequest(req.get("x-request-id"), req.method, req.path, res) as unknown as Response["locals"];
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.status(shuttingDown ? 503 : 200).json({ status: shuttingDown ? "shutting_down" : "ok" });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.text());
  });

  /** POST <path> with the body read: answers through `respond`; a bad request throws WebhookRequestError. */
  async function webhook(raw: unknown, headers: unknown, locals: Locals, respond: (status: number, body: string) => void): Promise<void> {
    const text = decodeUtf8(raw);
    const msg = validateMessage(parseBody(text, { maxDepth: opts.maxJsonDepth }), opts.maxIdLength);
    checkIdLengths(msg, opts.maxIdLength);
    const { userKey, request, newSession, messageId } = mapIn(msg, opts);
    const ids: EnvelopeIds = { messageId: msg.messageId, sessionId: msg.sessionId, uuid: msg.uuid };
    locals.turn = { messageName: msg.messageName, messageId, sessionId: msg.sessionId, userKey };
    if (log.isLevelEnabled("debug")) locals.log.debug({ headers: redactSecrets(headers), body: redactSecrets(msg.raw) }, "webhook message");

    let answerName = "";
    const render = (result: TurnResult): string => {
      const answer = mapOut(result, { ...ids, requestPayload: msg.payload });
      answerName = answer.messageName;
      return serializeAnswer(answer);
    };
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;

    // Explaining costs time: only for a debug log or a user who asked (the console's).
    const explain = log.isLevelEnabled("debug") || opts.explainUser?.(userKey) === true;
    const options: TurnOptions = { deadlineMs, newSession, messageId, render };
    if (explain) options.explain = true;
    // One promise settles with whichever comes first, the turn or the deadline (no race of two
    // promises per request); the turn is tracked until it ends either way.
    let timer: NodeJS.Timeout | undefined;
    let turnRunning: Promise<void> | undefined;
    const winner = await new Promise<TurnOutcome | "deadline" | Error>((resolve) => {
      timer = setTimeout(resolve, deadlineMs, "deadline");
      let turn: Promise<TurnOutcome>;
      try {
        turn = opts.executor.run(userKey, request, options);
      } catch (err) {
        turn = Promise.reject(err); // a synchronous throw in run() is a failed turn like any other
      }
      running++;
      const tracked = turn.then(
        (outcome) => {
          resolve(outcome);
          try {
            noteResult(outcome, locals);
          } finally {
            turnEnded();
          }
        },
        (err: unknown) => {
          resolve(err instanceof Error ? err : new Error(String(err)));
          try {
            if (err instanceof TurnRefusedError) return; // answered below with its reason; nothing ran
            metrics.error("executor");
            locals.log.error({ err: redactSecrets(err) }, "turn failed");
          } finally {
            turnEnded();
          }
        },
      );
      turnRunning = tracked;
      locals.running = tracked;
    });
    clearTimeout(timer);

    if (winner === "deadline") {
      // Answer now; the turn goes on, commits, and caches its answer for a retry of this messageId.
      metrics.error("deadline");
      metrics.turn(msg.messageName, "deadline", seconds());
      locals.log.warn({ deadlineMs }, "deadline reached; answering ERROR while the turn finishes");
      void turnRunning?.then(() => locals.log.info({ ms: Math.round(seconds() * 1000) }, "turn finished after the deadline"));
      respond(200, serializeAnswer(errorAnswer(ids, ERROR_CODES.deadline, `the scenario did not answer within ${deadlineMs} ms`)));
      return;
    }
    if (winner instanceof TurnRefusedError) {
      metrics.error("turn_refused");
      metrics.turn(msg.messageName, "refused", seconds());
      locals.log.warn({ reason: winner.message }, "turn refused");
      respond(winner.status, serializeAnswer(errorAnswer(ids, winner.status, winner.message)));
      return;
    }
    if (winner instanceof Error) {
      metrics.turn(msg.messageName, "failed", seconds());
      respond(200, serializeAnswer(errorAnswer(ids, ERROR_CODES.turnFailed, "internal error while running the scenario")));
      return;
    }
    const explanation = winner.result.explanation;
    if (explanation && messageId !== undefined && opts.explainUser?.(userKey)) opts.onExplained?.(userKey, messageId, explanation);
    const body = winner.body ?? render(winner.result);
    metrics.turn(msg.messageName, winner.cached ? "cached" : answerName || "unknown", seconds());
    locals.turn.answer = winner.cached ? "cached" : answerName;
    respond(200, body);
  }

  const bodyLimitBytes = byteSize(opts.bodyLimit ?? DEFAULT_BODY_LIMIT);

  // What a request holds (admission.ts) is counted from its body's first byte: the bytes as they
  // arrive, so a burst of large uploads is bounded while still arriving, and a turn once the body is
  // in (a client sending headers and then little or nothing holds no turn place, only what it sent).
  // Everything is given back once: at a refusal; when the response closes before the body is admitted
  // (the client went away, or the request timeout's 408 closed the connection); else when its answer
  // is sent and its turn has ended (a turn answered at the deadline still holds its body): settle().
  // `keep` gets each chunk counted; none after a refusal.
  // A body past the body limit is given back at once: the parser answers it 413 and drops the rest,
  // so it must not hold bytes that refuse everyone else while it streams in.
  function countBody(req: IncomingMessage, locals: Locals, refused: (e: WebhookRequestError) => void, keep?: (chunk: Buffer) => void): Intake {
    const intake = admission.open(clientAddress(req, proxies));
    locals.intake = intake;
    let arrived = 0;
    locals.arrived = 0;
    req.on("data", (chunk: Buffer) => {
      if (intake.released) return;
      arrived += chunk.length;
      locals.arrived = arrived;
      if (arrived > bodyLimitBytes) return intake.release();
      const e = intake.take(chunk.length);
      if (e) refused(e);
      else keep?.(chunk);
    });
    return intake;
  }

  /**
   * Once the body is in and a turn taken: given back when the answer is out and the turn ended,
   * by the response's close listener (beginRequest). Gone already (the client left right after its
   * body, and the listener found nothing admitted): the turn still runs, and is waited for.
   */
  function hold(locals: Locals): void {
    if (locals.closed) queueMicrotask(() => settle(locals));
  }

  /** Express's path: counts the body as express.raw reads it (a refusal mid-body answers 503 and closes the connection). */
  function countExpressBody(req: Request, res: Response, next: NextFunction): void {
    countBody(req, res.locals as Locals, (e) => {
      res.setHeader("Connection", "close"); // express.raw still reads the rest; closing ends that
      failRequest(res, e);
    });
    next();
  }

  /** Express's path, once express.raw has read the body: takes a turn. */
  function admit(req: Request, res: Response, next: NextFunction): void {
    const locals = res.locals as Locals;
    let intake = locals.intake ?? admission.open(clientAddress(req, proxies)); // always set by countExpressBody
    if (intake.released) {
      if (res.headersSent) return; // refused while its body arrived: answered already
      intake = admission.open(clientAddress(req, proxies)); // closed just before this step: the body is in all the same
      locals.intake = intake;
    }
    const size = Buffer.isBuffer(req.body) ? req.body.length : 0;
    const inflated = inflationError(size, locals.arrived ?? size);
    if (inflated) {
      intake.release();
      return next(inflated);
    }
    const refused = intake.admit(size);
    if (refused) return next(refused);
    hold(locals);
    next();
  }

  app.post(path, requireJson, countExpressBody, express.raw({ type: () => true, limit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT }), admit, async (req, res) => {
    await webhook(req.body, req.headers, res.locals as Locals, (status, body) => sendAnswer(res, status, body));
  });

  // The same route without express: node:http hands POST <path> here first (startWebhookServer).
  // Only the common case is taken (identity encoding, a Content-Length within the limit, a JSON
  // content type); anything else goes on to express, which answers it as before.
  const fastLimit = typeof opts.bodyLimit === "string" ? undefined : (opts.bodyLimit ?? DEFAULT_BODY_LIMIT);
  app.handleFast = (req, res) => {
    if (req.method !== "POST" || fastLimit === undefined) return false;
    const url = req.url ?? "";
    const q = url.indexOf("?");
    if ((q < 0 ? url : url.slice(0, q)) !== path) return false;
    const encoding = req.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
    const length = Number(req.headers["content-length"]);
    if (req.headers["content-length"] === undefined || !Number.isSafeInteger(length) || length > fastLimit) return false;
    const type = req.headers["content-type"];
    if (!JSON_TYPES.has(type ?? "") && contentTypeError(type)) return false;
    const given = req.headers["x-request-id"];
    // The headers go out in one writeHead with a flat list: no header map is built per response.
    const locals = beginRequest(typeof given === "string" ? given : undefined, "POST", path, res, true);
    const respond = (status: number, body: string): void => {
      const headers = ["X-Request-Id", locals.reqId, "Content-Type", "application/json; charset=utf-8", "Content-Length", String(Buffer.byteLength(body))];
      if (shuttingDown) headers.push("Connection", "close");
      if (status === 503) headers.push("Retry-After", RETRY_AFTER_SECONDS);
      res.writeHead(status, headers);
      res.end(body);
    };
    const chunks: Buffer[] = [];
    // Refused mid-body: answered at once; the rest of the body is read and dropped, so the
    // connection stays usable.
    const intake = countBody(
      req,
      locals,
      (e) => {
        chunks.length = 0;
        failWith(locals, respond, e);
      },
      (c) => chunks.push(c),
    );
    req.on("error", ignore); // an aborted request: the socket is gone, nothing to answer
    req.on("end", () => {
      if (intake.released) return;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const refused = intake.admit(raw?.length ?? 0);
      if (refused) return failWith(locals, respond, refused);
      hold(locals);
      webhook(raw, req.headers, locals, respond).catch((err: unknown) => {
        const e = toRequestError(err, opts.bodyLimit);
        if (e.status >= 500) locals.log.error({ err: redactSecrets(err) }, "unexpected error");
        if (!res.headersSent) failWith(locals, respond, e);
      });
    });
    return true;
  };

  app.all(path, (req, res) => {
    res.setHeader("Allow", "POST");
    failRequest(res, new WebhookRequestError(405, `method ${req.method} not allowed: the webhook takes POST`, "method_not_allowed"));
  });

  for (const router of opts.routes ?? []) app.use(router);

  // Someone opening the server in a browser learns where things are.
  app.get("/", (_req, res) => {
    res.json({ service: "smartapp", webhook: `POST ${path}`, health: "GET /healthz", metrics: "GET /metrics" });
  });

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = toRequestError(err, opts.bodyLimit);
    // An overload refusal is expected under a flood (and logged nowhere on the fast path either).
    if (e.status >= 500 && e.kind !== "overloaded") (res.locals.log as Logger | undefined ?? log).error({ err: redactSecrets(err) }, "unexpected error");
    if (res.headersSent) return;
    failRequest(res, e);
  });

  function failRequest(res: Response, e: WebhookRequestError): void {
    failWith(res.locals as Locals, (status, body) => sendAnswer(res, status, body), e);
  }

  function failWith(locals: Locals, respond: (status: number, body: string) => void, e: WebhookRequestError): void {
    metrics.error(e.kind);
    locals.turn = { ...locals.turn, error: e.reason };
    respond(e.status, serializeAnswer(errorAnswer(e.ids, e.status, e.reason)));
  }

  function noteResult(outcome: TurnOutcome, locals: Locals): void {
    const explanation = outcome.result.explanation;
    if (explanation && log.isLevelEnabled("debug")) locals.log.debug({ explanation: redactExplanation(explanation) }, "turn explained");
    const error = outcome.result.error;
    if (error && !outcome.cached) {
      metrics.error(`turn_${error.kind}`);
      locals.log.warn({ kind: error.kind, message: redactSecrets(error.message), pos: error.pos }, "turn reported an error");
    }
  }

  return app;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A body limit in bytes: a number as is, a size string ("512kb", "1mb") as express.raw reads it. */
export function byteSize(limit: number | string): number {
  if (typeof limit === "number") return limit;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) return Infinity; // express.raw refuses such a limit itself
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b" | "kb" | "mb" | "gb"];
  return Math.floor(Number(m[1]) * unit);
}

/** Any body this small is taken however well it was compressed: real messages are a few KB. */
export const MIN_INFLATION_CHECKED = 64 * 1024;
/** The most a compressed body may grow as it is inflated (when it ends up over MIN_INFLATION_CHECKED). */
export const MAX_INFLATION_RATIO = 20;

/**
 * 413 when a compressed body inflated past MAX_INFLATION_RATIO times the bytes that came over the
 * wire. Parsing and handing a body on costs the main thread per inflated byte (up to half a second
 * for 1 MB of `{},{},…`), and 1 MB of such JSON gzips to 1 KB: without a bound a client uploading
 * 2 KB/s held the main thread, and so every user, for good (docs/security.md, "Seventh red-team round").
 */
export function inflationError(inflated: number, sent: number): WebhookRequestError | undefined {
  if (inflated <= MIN_INFLATION_CHECKED || inflated <= sent * MAX_INFLATION_RATIO) return undefined;
  return new WebhookRequestError(413, `the compressed body inflates to ${inflated} bytes, more than ${MAX_INFLATION_RATIO} times the ${sent} bytes sent`, "too_large");
}

/** A 503 (too much held, or the worker pool's queue full) tells the client when to try again. */
const RETRY_AFTER_SECONDS = "1";

function sendAnswer(res: Response, status: number, body: string): void {
  if (status === 503) res.setHeader("Retry-After", RETRY_AFTER_SECONDS);
  res.status(status).type("application/json; charset=utf-8").send(body);
}

/** The assistant sends application/json; anything else is refused before the body is read. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  next(contentTypeError(req.get("content-type")));
}

/** Content-Type values that contentTypeError accepts, as clients send them: checked without parsing. */
export const JSON_TYPES: ReadonlySet<string> = new Set(["application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json;charset=utf-8", "application/json;charset=UTF-8"]);

const ignore = (): void => undefined;

export function contentTypeError(header: string | undefined): WebhookRequestError | undefined {
  const [type = "", ...params] = (header ?? "").split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/json" && !/^application\/[\w.+-]+\+json$/.test(type)) {
    return new WebhookRequestError(415, `Content-Type must be application/json, got ${header ? `"${header}"` : "none"}`, "unsupported_media_type");
  }
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    return new WebhookRequestError(415, `charset ${charset} is not supported: send UTF-8`, "unsupported_media_type");
  }
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(body: unknown): string {
  if (!Buffer.isBuffer(body)) return "";
  try {
    return utf8.decode(body);
  } catch {
    throw new WebhookRequestError(400, "body is not valid UTF-8", "invalid_json");
  }
}

/** body-parser and other errors as a status with a reason. */
function toRequestError(err: unknown, limit: number | string | undefined): WebhookRequestError {
  if (err instanceof WebhookRequestError) return err;
  const e = (err ?? {}) as { type?: string; status?: number; message?: string; limit?: number };
  switch (e.type) {
    case "entity.too.large":
      return new WebhookRequestError(413, `body exceeds the limit of ${e.limit ?? limit ?? 1048576} bytes`, "too_large");
    case "encoding.unsupported":
      return new WebhookRequestError(415, e.message ?? "unsupported content encoding", "unsupported_media_type");
    case "request.aborted":
    case "request.size.invalid":
      return new WebhookRequestError(400, e.message ?? "the request body was incomplete", "bad_body");
  }
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return new WebhookRequestError(e.status, e.message ?? "bad request", "bad_request");
  }
  return new WebhookRequestError(500, "internal error", "internal");
}

export interface StartOptions extends WebhookOptions {
  port?: number; // 0 (default): an ephemeral port
  host?: string; // default 127.0.0.1
  /** After close() stops accepting, give in-flight turns this long before cutting connections. Default 30 s. */
  shutdownTimeoutMs?: number;
  /**
   * A request's headers and body must arrive within this long, else 408 and the connection is
   * closed (docs/security.md, "Limits"). Default DEFAULT_REQUEST_TIMEOUT_MS. Running the turn is not
   * counted: the clock stops once the body is in.
   */
  requestTimeoutMs?: number;
  /**
   * A connection on which nothing moves for this long (the client neither sends nor reads) is
   * closed (docs/security.md, "Limits"). Default DEFAULT_IDLE_TIMEOUT_MS; never shorter than the
   * deadline plus a second, so a turn always gets its answer out.
   */
  idleTimeoutMs?: number;
}

/**
 * Node times out no connection once its request is in: a client that pipelines requests and never
 * reads their answers held its connection, the queued answers and a socket forever. A minute is far
 * beyond the platform's 7 s budget.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * The platform sends a whole message at once and waits 7 s for the answer, so 10 s to receive one
 * is generous. Node's own defaults (60 s for headers, 300 s for the request, checked every 30 s)
 * let a client that trickles a byte at a time hold a connection, its socket and its buffers for
 * five minutes.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface RunningWebhook {
  url: string; // base URL, e.g. http://127.0.0.1:34567 (the webhook is at url + path)
  server: Server;
  app: WebhookApp;
  /** Stop accepting, let turns in flight finish and answer, then resolve. The executor is not closed. */
  close(): Promise<void>;
}

/**
 * Status line and reason for a request node:http could not parse: 408 for one not received in time,
 * 431 for a request line and headers over node's size limit (a 100 KB URL or 3,000 headers; RFC 6585
 * names that status, as node does when no clientError handler is set), 400 for the rest.
 */
function clientErrorAnswer(err: NodeJS.ErrnoException, headerLimit: number): [string, string] {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return ["408 Request Timeout", "the request was not received in time"];
  if (err.code === "HPE_HEADER_OVERFLOW") return ["431 Request Header Fields Too Large", `the request line and headers are larger than ${headerLimit} bytes`];
  return ["400 Bad Request", `malformed HTTP request (${err.code ?? "parse error"})`];
}

export async function startWebhookServer(opts: StartOptions): Promise<RunningWebhook> {
  const app = createWebhookApp(opts);
  const host = opts.host ?? "127.0.0.1";
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!app.handleFast(req, res)) app(req, res);
  };
  const { server, origin: url } = await listenApp(handler, opts.port ?? 0, host, {
    requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: Math.max(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, (opts.deadlineMs ?? 6000) + 1000),
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP: answer if the socket can still take it, never throw.
    const [status, reason] = clientErrorAnswer(err, maxHeaderSize);
    const body = JSON.stringify({ error: reason });
    // Closed once the answer is out, also when the client keeps its side open: a body cut off by the
    // request timeout is given back (admission) only when its connection closes.
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
    else socket.destroy();
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      app.beginShutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections go idle once their last answer is sent; close them as they do.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 25);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), opts.shutdownTimeoutMs ?? 30_000);
      });
      const result = await Promise.race([Promise.all([closed, app.drain()]), timeout]);
      clearTimeout(timer);
      clearInterval(sweeper);
      if (result === "timeout") {
        server.closeAllConnections();
        await closed;
      }
    })();
    return closing;
  };
  return { url, server, app, close };
}

/**
 * The client a request's bytes count against (Admission's per-address bound): the peer, or behind
 * trusted proxies the last X-Forwarded-For hop that is not one of them, as express's `req.ip`.
 */
export function clientAddress(req: IncomingMessage, proxies: readonly string[] | undefined): string {
  const peer = req.socket.remoteAddress ?? "";
  if (!proxies || !inRanges(peer, proxies)) return peer;
  const forwarded = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? "")).split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!inRanges(hops[i]!, proxies)) return hops[i]!;
  return hops[0] ?? peer;
}
