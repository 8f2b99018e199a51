// Worker thread entry: loads the project once, then runs turns one at a time. Everything a script
// does synchronously ($http, $payment) goes through the sync bridge to the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { loadProject } from "../project/loader.js";
import { createEngine } from "../engine/index.js";
import type { BotRequest, HostServices, HttpRequest, HttpResponse, UserState } from "../engine/types.js";
import { callSync, type BridgeEnds } from "./sync-bridge.js";
import { projectSecret } from "../util/secrets.js";
import { TurnMeter, type CloseMessage, type WorkerInit, type WorkerMessage, type TurnMessage } from "./protocol.js";

const init = workerData as WorkerInit & { bridge: BridgeEnds["worker"] };
const port = parentPort!;
const send = (msg: WorkerMessage) => port.postMessage(msg);
const meter = new TurnMeter(init.meter);

// Host calls may legitimately wait long ($http allows 25 s); the margin covers the main thread's own work.
const HOST_CALL_TIMEOUT_MS = 30_000;

const services: HostServices = {
  http: (req: HttpRequest) => meter.waiting(() => callSync(init.bridge, "http", req, req.timeoutMs + 5_000) as HttpResponse),
  call: (op, args) => meter.waiting(() => callSync(init.bridge, op, args, HOST_CALL_TIMEOUT_MS)),
  now: () => Date.now(),
  random: (max) => Math.floor(Math.random() * max),
  log: (level, message) => send({ type: "log", level, message }),
  env: (name) => (Object.hasOwn(init.env, name) ? init.env[name] : undefined),
  secret: (name) => projectSecret(name, init.secrets),
};

try {
  const project = loadProject(init.projectDir, { modules: init.modules });
  const engine = createEngine(project, services, { cpuMs: init.realmCallMs, memoryMb: init.scriptMemoryMb });
  port.on("message", (msg: TurnMessage | CloseMessage) => {
    if (msg.type === "close") {
      engine.dispose();
      port.close(); // nothing else keeps the thread alive: it exits
      return;
    }
    meter.startTurn();
    try {
      const result = engine.process(msg.request as BotRequest, msg.state as UserState, msg.options);
      send({ type: "result", id: msg.id, result });
    } catch (err) {
      send({ type: "failed", id: msg.id, error: err instanceof Error ? err.message : String(err) });
    } finally {
      meter.endTurn();
    }
  });
  send({ type: "ready" });
} catch (err) {
  send({ type: "loadError", error: err instanceof Error ? err.message : String(err) });
  port.close(); // nothing left to do: the thread exits by itself (the engine freed its isolate)
}
