// Types of scripts/fuzz.mjs for the CI test (test/security/fuzz.test.ts).
export interface FuzzOptions {
  n: number;
  seed: number;
  store: "memory" | "sqlite";
  dir: string;
  concurrency: number;
  idleMs: number;
  warmup: number;
  src: boolean;
}

export interface FuzzResult {
  ok: boolean;
  requests: number;
  problems: Record<"crash" | "5xx" | "invalid-json" | "messageId-mismatch" | "duplicate-answer-mismatch" | "hang" | "transport", number>;
  rssMb: { start?: number; peak?: number; idle?: number; idleToStart?: number };
  categories: Record<string, { sent: number; statuses: Record<string, number> }>;
  examples: unknown[];
}

export const CATEGORIES: readonly string[];
export function fuzz(opts: FuzzOptions): Promise<FuzzResult>;
