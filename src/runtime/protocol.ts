// Messages between the main thread and turn workers.
import type { TurnResult } from "../engine/types.js";

export interface WorkerInit {
  projectDir: string;
  modules: string[];
  cpuMs?: number;
  secrets: Record<string, string>;
}

export interface TurnMessage {
  type: "turn";
  id: number;
  request: unknown;
  state: unknown;
  options?: { testContext?: Record<string, unknown> };
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "loadError"; error: string }
  | { type: "result"; id: number; result: TurnResult }
  | { type: "failed"; id: number; error: string }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string };
