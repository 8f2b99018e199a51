// The script host: public entry points.
export { createScriptHost, type ScriptHostOptions } from "./host.js";
export { ScriptError, NewSessionSignal } from "./types.js";
export type { BoundHandler, ScriptHost, TurnScope, TurnSnapshot } from "./types.js";
