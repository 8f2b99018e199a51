// The typed model of an XML dialog test file (spec dsl.md §7) and of its results.
// Everything here is plain JSON so it can cross worker_threads boundaries.
import type { BotRequest, Reply } from "../engine/types.js";
import type { TurnExplanation } from "../engine/explain.js";

export interface Position {
  line: number; // 1-based
  col: number; // 1-based
}

export interface MockDef extends Position {
  method: string; // upper-case
  url: string; // template with ${} already substituted from <parameters>
  body?: { expected: unknown; strict: boolean; field?: string };
  response: { type: "json" | "xml" | "text"; status: number; body: string };
}

interface ItemBase extends Position {
  tag: string; // the element name as written, for reports
  source: string; // a short rendering of the element, e.g. `<q>hello</q>`
}

// Steps: each sends one request to the engine.
export type StepItem = ItemBase &
  (
    | { kind: "q"; text: string }
    | { kind: "event"; name: string; data?: Record<string, unknown> }
    | { kind: "request"; request: BotRequest }
    | { kind: "timeout" }
    // The payer's action on the checkout page of a `$yookassa` payment link; its typed events are the turns.
    | { kind: "yookassa"; action: "pay" | "decline" | "abandon"; orderId?: string }
  );

// Set-up: changes what the following steps see.
export type SetupItem = ItemBase &
  (
    | { kind: "state"; path: string }
    | { kind: "context"; target: "session" | "client"; value: Record<string, unknown> }
    | { kind: "dateTime"; ms: number }
    | { kind: "random"; values: number[] }
    | { kind: "requestData"; data: Record<string, unknown> }
    | { kind: "rawRequest"; raw: unknown }
    | { kind: "mockData"; mock: MockDef }
  );

// Assertions: checked against the most recent step's response.
export type AssertItem = ItemBase &
  (
    | { kind: "a"; text?: string; contains?: string; state?: string; cls?: string }
    | { kind: "responseData"; field?: string; expected: unknown }
    | { kind: "timeoutReply"; interval?: number; targetState?: string }
    | { kind: "newSession"; message?: string; data?: unknown; hasData: boolean }
    | { kind: "mail"; recipient?: string; subject?: string; body?: string }
  );

export type CaseItem = StepItem | SetupItem | AssertItem;

export const STEP_KINDS = new Set(["q", "event", "request", "timeout", "yookassa"]);
export const isStep = (item: CaseItem): item is StepItem => STEP_KINDS.has(item.kind);

export interface Problem extends Position {
  message: string;
}

export interface TestCase extends Position {
  id: string; // the id attribute, or "case <n>" when missing
  integration: boolean; // the case's own attribute, else the file's
  steps: CaseItem[]; // every element of §7.2 in document order
  errors: Problem[]; // elements that could not be understood (bad JSON, …): the case fails on them
}

export interface TestFile {
  file: string; // path relative to the project folder (as reported)
  integration: boolean;
  mocks: MockDef[]; // file-level <mockData>
  cases: TestCase[];
  warnings: Problem[]; // unknown elements / attributes
  error?: Problem; // malformed XML: the whole file fails
}

// ---- results ----

export interface StepRef {
  index: number; // 1-based count of request-sending steps in the case
  element: string; // e.g. `<q>hello</q>`
  line: number;
}

export interface Failure {
  file: string;
  line: number; // line of the failing assertion (or element)
  message: string;
  step?: StepRef; // the step whose response was being checked
  expected?: Record<string, unknown>;
  actual?: Record<string, unknown>;
  replies?: Reply[]; // the full reply list of that step
  logs?: string[]; // warn/error logs of that step
  explanation?: TurnExplanation; // how the engine decided that step (docs/engine.md, "The explained turn")
}

export type CaseStatus = "passed" | "failed" | "skipped";

/** What a case walked through (`smartapp test --coverage`): states entered and `from -> to` moves. */
export interface CaseCoverage {
  states: string[];
  transitions: [string, string][];
}

export interface CaseResult {
  file: string;
  id: string;
  line: number;
  status: CaseStatus;
  reason?: string; // why it was skipped
  failure?: Failure;
  durationMs: number;
  coverage?: CaseCoverage; // only when the run collects coverage
  /** When the case needs intent classification (src/testing/intent-cases.ts): turns an intent decided, the intent state a failed step expected. */
  intent?: { turns: number; expected?: string };
  /** HTTP calls the case made without a mock (answered as failed requests): what it checked did not come from a live service. */
  unmockedCalls?: number;
  /** Those calls' distinct "METHOD url" without the query string, in the order first made. */
  unmockedUrls?: string[];
}

export interface FileResult {
  file: string;
  error?: Problem; // malformed XML
  warnings: Problem[];
  cases: CaseResult[];
}
