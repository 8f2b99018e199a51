// Options shared by several subcommands.
import path from "node:path";

/** Module folders from SMARTAPP_MODULES (path-delimiter separated). */
export function modulesFromEnv(): string[] {
  return (process.env.SMARTAPP_MODULES ?? "").split(path.delimiter).filter(Boolean);
}
