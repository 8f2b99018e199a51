// Worker thread entry: loads the project once, then runs turns one at a time. Everything a script
// does synchronously ($http, $payment) goes through the sync bridge to the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { loadProject } from "../project/loader.js";
import { createEngine } from "../engine/index.js";
import type { BotRequest, HostServices, HttpRequest, HttpResponse, UserState } from "../engine/types.js";
import { callSync, type BridgeEnds } from "./sync-bridge.js";
import { projectSecret } from "../util/secrets.js";
import { TurnAbandoned } from "../engine/errors.js";
import { freshSeed } from "../sandbox/host.js";
import { secureFraction } from "../util/secure-random.js";
import { TurnMeter, type CloseMessage, type TapedHttp, type TurnTape, type WorkerInit, type WorkerMessage, type TurnMessage } from "./protocol.js";

const init = workerData as WorkerInit & { bridge: BridgeEnds["worker"] };
const port = parentPort!;
const send = (msg: WorkerMessage) => port.postMessage(msg);
const meter = new TurnMeter(init.meter);
const demand = new Int32Array(init.demand);


/** Methods that are safe by HTTP's definition (RFC 9110, 9.2.1): a run stopped at one may ask again. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

// Host calls may legitimately wait long ($http allows 25 s); the margin covers the main thread's own work.
const HOST_CALL_TIMEOUT_MS = 30_000;

/**
 * The run in progress. A suspendable run does not wait for a new `$http` answer: it records the
 * request and stops (every later host call throws, logs are dropped), and the pool runs the turn
 * again with the answer on the tape. A run that made any other host call ($payment, $yookassa…)
 * never suspends, so a call with an effect is never made by a run that is thrown away.
 */
interface Run {
  tape: TurnTape;
  httpAt: number;
  nowAt: number;
  randomAt: number;
  seedAt: number;
  suspendable: boolean;
  suspended?: { call: HttpRequest; key: string };
  logs: { level: "debug" | "info" | "warn" | "error"; message: string }[];
}

let run: Run = newRun(undefined, false);

function newRun(tape: TurnTape | undefined, suspendable: boolean): Run {
  return { tape: tape ?? { http: [], now: [], random: [], seeds: [] }, httpAt: 0, nowAt: 0, randomAt: 0, seedAt: 0, suspendable, logs: [] };
}

/**
 * Thrown at the call the run stops at. A script may catch it inside the isolate and go on, but the
 * next entry into user code (or host call) unwinds the turn without its error path; the run is dropped.
 */
class Suspended extends TurnAbandoned {
  constructor() {
    super("the turn waits for $http and runs again with the answer");
  }
}

function http(req: HttpRequest): HttpResponse {
  if (run.suspended) throw new Suspended();
  const key = JSON.stringify(req);
  const taped = run.tape.http[run.httpAt];
  if (taped !== undefined) {
    if (taped.key === key) {
      run.httpAt++;
      if (!taped.reply.ok) throw new Error(taped.reply.error);
      return taped.reply.value;
    }
    run.tape.http.length = run.httpAt; // this run asks for something else: the rest of the tape is not its
    // Nor would a next run's be: what the script asks depends on more than the tape holds (a value
    // kept from load time or another turn, say), so another suspension would only throw away one more run and request.
    run.suspendable = false;
  }
  // A request that is not safe may have an effect (a charge): only a run that is kept makes it, and its
  // re-run could not be trusted to ask for it by the same key (an id built from state outside the tape).
  if (!SAFE_METHODS.has(req.method)) run.suspendable = false;
  // Suspend only when other turns wait for a worker: a re-run costs a fresh context, a blocked worker costs nothing else.
  if (run.suspendable && Atomics.load(demand, 0) > 0) {
    run.suspended = { call: req, key };
    throw new Suspended();
  }
  const call = () => meter.waiting(() => callSync(init.bridge, "http", req, req.timeoutMs + 5_000) as HttpResponse);
  if (!run.suspendable) return call();
  // A call made here by a run that may still suspend goes on the tape: its re-run replays it.
  let reply: TapedHttp["reply"];
  try {
    reply = { ok: true, value: call() };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
    throw err;
  } finally {
    run.tape.http.push({ key, reply: reply! });
    run.httpAt++;
  }
  return reply.value;
}

/** A clock reading, random number or seed: the earlier run's, in order, then new ones (recorded for the next run). */
function taped<T>(values: T[], at: "nowAt" | "randomAt" | "seedAt", fresh: () => T): T {
  if (run[at] < values.length) return values[run[at]++]!;
  const v = fresh();
  values.push(v);
  run[at]++;
  return v;
}

const services: HostServices = {
  http,
  call: (op, args) => {
    if (run.suspended) throw new Suspended();
    run.suspendable = false;
    return meter.waiting(() => callSync(init.bridge, op, args, HOST_CALL_TIMEOUT_MS));
  },
  now: () => taped(run.tape.now, "nowAt", Date.now),
  random: (max) => {
    const v = taped(run.tape.random, "randomAt", secureFraction);
    return Math.floor(v * max);
  },
  // From randomBytes, not this thread's Math.random: a user who recovers their realm's seed from its
  // outputs must learn nothing of other turns' seeds. On its own tape: a re-run draws what the first run drew.
  seed: () => taped(run.tape.seeds, "seedAt", freshSeed),
  log: (level, message) => {
    if (!run.suspended) run.logs.push({ level, message });
  },
  env: (name) => (Object.hasOwn(init.env, name) ? init.env[name] : undefined),
  secret: (name) => projectSecret(name, init.secrets),
};

/** The call the run stopped at, with what the next run replays: the answers it used, every clock reading, random number and seed. */
function sendSuspended(id: number, stop: { call: HttpRequest; key: string }): void {
  const { tape } = run;
  send({ type: "suspended", id, call: stop.call, key: stop.key, tape: { http: tape.http.slice(0, run.httpAt), now: tape.now, random: tape.random, seeds: tape.seeds } });
}

/** The run's log lines, sent before its result (a run that suspended sends none). */
function flushLogs(): void {
  for (const { level, message } of run.logs) send({ type: "log", level, message });
  run.logs = [];
}

try {
  const project = loadProject(init.projectDir, { modules: init.modules });
  const engine = createEngine(project, services, {
    cpuMs: init.realmCallMs,
    memoryMb: init.scriptMemoryMb,
    beforeUserCode: () => {
      if (run.suspended) throw new Suspended();
    },
  });
  port.on("message", (msg: TurnMessage | CloseMessage) => {
    if (msg.type === "close") {
      engine.dispose();
      port.close(); // nothing else keeps the thread alive: it exits
      return;
    }
    run = newRun(msg.tape, msg.suspendable === true);
    meter.startTurn();
    try {
      const result = engine.process(msg.request as BotRequest, msg.state as UserState, msg.options);
      const stop = run.suspended;
      if (stop) {
        sendSuspended(msg.id, stop);
      } else {
        flushLogs();
        send({ type: "result", id: msg.id, result });
      }
    } catch (err) {
      if (run.suspended) {
        sendSuspended(msg.id, run.suspended);
      } else {
        flushLogs();
        send({ type: "failed", id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      meter.endTurn();
    }
  });
  send({ type: "ready" });
} catch (err) {
  send({ type: "loadError", error: err instanceof Error ? err.message : String(err) });
  port.close(); // nothing left to do: the thread exits by itself (the engine freed its isolate)
}
