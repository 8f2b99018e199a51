// The web console (`/console`): a page that plays the assistant against this very webhook, and a
// small read-only API beside it. It can read only the dialogs it started itself (user keys with
// CONSOLE_USER_PREFIX), so turning it on never exposes real users' sessions (docs/console.md).
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { stateGraph } from "../project/graph.js";
import type { Project } from "../project/model.js";
import type { SessionStore } from "../storage/types.js";
import { PAY_OUTCOMES, payDialog, type PayOutcome } from "../payments/sandbox/pay-dialog.js";
import { runTests, type RunTestsOptions } from "../testing/runner.js";
import type { TurnExplanations } from "./explanations.js";
import type { Failure } from "../testing/model.js";
import { explainMismatch } from "../engine/explain-text.js";

/** The failed step's explanation, as the test report prints it. */
const whyOf = (f: Failure): string => explainMismatch(f.explanation!, typeof f.expected?.state === "string" ? f.expected.state : undefined).join("\n");

/** Every dialog the console starts has a user key (uuid.sub) that begins with this. */
export const CONSOLE_USER_PREFIX = "console-";

const ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../console");

/** What the console's routes need: the current project, the session store and the runtime to talk to. */
export interface ConsoleOptions {
  /** The project as loaded now (a reload under `serve --watch` changes it). */
  project: () => Project;
  store: SessionStore;
  /** Path of the webhook on the same server; the page posts SmartApp API messages to it. */
  webhookPath: string;
  /** The local SmartPay sandbox, when `serve` started one: the pay dialog's outcomes become buttons. */
  sandbox?: { url: string; adminToken: string };
  /** What "run tests" passes to the runner: the same settings `smartapp test` would get. */
  testOptions: RunTestsOptions;
  /** The explained turns of the console's dialogs (the webhook records them: serve.ts). */
  explanations?: TurnExplanations;
  /**
   * Host names the console answers besides IP addresses and localhost (`serve`: the `--host` it
   * listens on when that is a name, and `--console-host`), lower case. Any other name in Host is
   * refused, so a web page whose name an attacker re-points at this server (DNS rebinding) cannot
   * read it, on a loopback address or any other.
   */
  hosts?: readonly string[];
}

/** An IP address (v4, or v6 in brackets) or localhost, with an optional port. */
const LOCAL_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost|[\w-]+\.localhost)(?::\d{1,5})?$/i;

/** The name in a Host header without its port, lower case, without a final dot. */
function hostName(host: string): string {
  const name = host.replace(/:\d{1,5}$/, "").toLowerCase();
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

/**
 * Why a request may not reach the console, or undefined. The Host must name this machine directly (an
 * IP address, which no page can re-point, or localhost) or be one of `hosts`: a page's own name
 * resolved to this server (DNS rebinding) is not. A browser names the page that sent a request in
 * Origin (also on a cross-site form post or a no-cors fetch): one from another origin may not make
 * the console act (run tests, move a payment).
 */
export function consoleRefusal(method: string, host: string | undefined, origin: string | undefined, hosts: readonly string[], forwardedHost?: string): string | undefined {
  if (!LOCAL_HOST.test(host ?? "") && !hosts.includes(hostName(host ?? ""))) {
    const named = hosts.length > 0 ? `, localhost or ${hosts.join(", ")}` : " or localhost";
    return `the console answers only requests to this machine by IP address${named} (Host: ${JSON.stringify(host ?? "")}); add a name with --console-host`;
  }
  if (method === "GET" || method === "HEAD" || origin === undefined) return undefined;
  let from: string;
  try {
    from = new URL(origin).host;
  } catch {
    from = origin;
  }
  // Behind a reverse proxy the page's host arrives as X-Forwarded-Host; a cross-site page cannot set
  // that header without a CORS preflight, which the console never grants.
  const own = [host, forwardedHost?.split(",")[0]?.trim()].filter((h): h is string => !!h).map((h) => h.toLowerCase());
  if (!own.includes(from.toLowerCase())) return `the console takes ${method} requests only from its own page (Origin ${JSON.stringify(origin)})`;
  return undefined;
}

/** Console dialogs only: a key without the console's prefix is refused. */
function ownDialog(key: string, res: express.Response): boolean {
  if (key.startsWith(CONSOLE_USER_PREFIX)) return true;
  res.status(403).json({ error: `the console reads only its own dialogs (user keys starting with "${CONSOLE_USER_PREFIX}")` });
  return false;
}

/** The web console's HTTP API and its static page (docs/console.md). */
export function consoleRouter(opts: ConsoleOptions): Router {
  const router = express.Router();
  // The graph is made once per loaded project.
  const graphs = new WeakMap<Project, ReturnType<typeof stateGraph>>();
  const graph = () => {
    const project = opts.project();
    let g = graphs.get(project);
    if (!g) graphs.set(project, (g = stateGraph(project)));
    return g;
  };
  let testsRunning: Promise<unknown> | undefined;
  const hosts = (opts.hosts ?? []).map(hostName);

  router.use("/console", (req, res, next) => {
    const forwarded = req.headers["x-forwarded-host"];
    const why = consoleRefusal(req.method, req.headers.host, req.headers.origin, hosts, Array.isArray(forwarded) ? forwarded[0] : forwarded);
    if (why) res.status(403).json({ error: why });
    else next();
  });
  router.get("/", (_req, res) => res.redirect(302, "/console/"));
  router.get("/console", (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (!req.path.endsWith("/")) return res.redirect(301, "/console/");
    next();
  });
  const api = express.Router();
  api.use(express.json({ limit: "16kb" }));

  api.get("/info", (_req, res) => {
    res.json({
      name: opts.project().config.name ?? path.basename(opts.project().dir),
      webhookPath: opts.webhookPath,
      userPrefix: CONSOLE_USER_PREFIX,
      payOutcomes: opts.sandbox ? PAY_OUTCOMES : [],
    });
  });

  api.get("/graph", (_req, res) => {
    res.json(graph());
  });

  api.get("/users/:key", async (req, res) => {
    const key = req.params.key;
    if (!ownDialog(key, res)) return;
    const state = await opts.store.load(key);
    res.json(state ? { contextPath: state.contextPath, session: state.session, client: state.client } : { contextPath: "/", session: {}, client: {} });
  });

  api.get("/users/:key/turns/:messageId", (req, res) => {
    const { key, messageId } = req.params;
    if (!ownDialog(key, res)) return;
    const explanation = opts.explanations?.get(key, messageId);
    if (!explanation) {
      res.status(404).json({ error: `no explained turn ${messageId} for ${key} (only recent turns of this server's console dialogs are kept)` });
      return;
    }
    res.json(explanation);
  });

  api.post("/pay", async (req, res) => {
    const { invoiceId, outcome } = (req.body ?? {}) as { invoiceId?: unknown; outcome?: unknown };
    if (!opts.sandbox) {
      res.status(409).json({ error: "the pay dialog needs the local SmartPay sandbox (SMARTPAY_URL points elsewhere, or --no-sandbox)" });
      return;
    }
    if (typeof invoiceId !== "string" || invoiceId === "" || !PAY_OUTCOMES.includes(outcome as PayOutcome)) {
      res.status(400).json({ error: `expected {invoiceId: string, outcome: one of ${PAY_OUTCOMES.join(", ")}}` });
      return;
    }
    try {
      const { url, adminToken } = opts.sandbox;
      res.json({ responseCode: await payDialog({ sandboxUrl: url, adminToken, invoiceId, outcome: outcome as PayOutcome }) });
    } catch (err) {
      res.status(502).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });

  api.post("/tests", async (req, res) => {
    if (testsRunning) {
      res.status(409).json({ error: "the tests are already running" });
      return;
    }
    // A test run may take minutes with nothing on the wire: the server's idle timeout (a minute,
    // src/channels/smartapp/server.ts) is lifted for this one request.
    const idle = req.socket.timeout ?? 0;
    req.socket.setTimeout(0);
    res.on("finish", () => req.socket.setTimeout(idle));
    const out = new PassThrough();
    out.resume();
    const run = runTests(opts.project().dir, { ...opts.testOptions, out, color: false, progress: false });
    testsRunning = run;
    try {
      const r = await run;
      res.json({
        passed: r.passed,
        failed: r.failed,
        skipped: r.skipped,
        error: r.error,
        cases: r.files.flatMap((f) =>
          f.cases.map((c) => ({ file: c.file, line: c.line, id: c.id, status: c.status, failure: c.failure?.message, ...(c.failure?.explanation ? { why: whyOf(c.failure) } : {}) })),
        ),
      });
    } finally {
      testsRunning = undefined;
    }
  });

  router.use("/console/api", api);
  router.use("/console", express.static(ASSETS, { index: "index.html" }));
  return router;
}
