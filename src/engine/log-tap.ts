// The explained turn wants every log line of its turn (the engine's and the scripts'). The engine's
// HostServices pass through this tap; it forwards to the real logger and, only while a turn is
// being explained, also to that turn's collector.
import type { HostServices } from "./types.js";

export interface LogTap {
  sink?: (level: "debug" | "info" | "warn" | "error", message: string, source: "script" | "engine") => void;
}

/** `services` with `log` also reported to `tap.sink` when one is set; every other call goes straight through. */
export function tapLogs(services: HostServices, tap: LogTap, source: "script" | "engine"): HostServices {
  return {
    http: (req) => services.http(req),
    call: (op, args) => services.call(op, args),
    now: () => services.now(),
    random: (max) => services.random(max),
    seed: () => services.seed(),
    log: (level, message) => {
      tap.sink?.(level, message, source);
      services.log(level, message);
    },
    env: (name) => services.env(name),
    secret: (name) => services.secret(name),
  };
}
