// The typed model of an XML dialog test file (spec dsl.md §7) and of its results.
// Everything here is plain JSON so it can cross worker_threads boundaries.
import type { BotRequest, Reply } from "../engine/types.js";
import type { TurnExplanation } from "../engine/explain.js";

/** Where an element is in its XML test file. */
export interface Position {
  line: number; // 1-based
  col: number; // 1-based
}

/** One `<mockData>`: the request it answers and the response it gives (spec dsl.md §7.3). */
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

/** Steps: each sends one request to the engine. */
export type StepItem = ItemBase &
  (
    | { kind: "q"; text: string }
    | { kind: "event"; name: string; data?: Record<string, unknown> }
    | { kind: "request"; request: BotRequest }
    | { kind: "timeout" }
    // The payer's action on the checkout page of a `$yookassa` payment link; its typed events are the turns.
    | { kind: "yookassa"; action: "pay" | "decline" | "abandon"; orderId?: string }
  );

/** Set-up: changes what the following steps see. */
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

/** Assertions: checked against the most recent step's response. */
export type AssertItem = ItemBase &
  (
    | { kind: "a"; text?: string; contains?: string; state?: string; cls?: string }
    | { kind: "responseData"; field?: string; expected: unknown }
    | { kind: "timeoutReply"; interval?: number; targetState?: string }
    | { kind: "newSession"; message?: string; data?: unknown; hasData: boolean }
    | { kind: "mail"; recipient?: string; subject?: string; body?: string }
  );

/** Any element of a case, in document order. */
export type CaseItem = StepItem | SetupItem | AssertItem;

/** The kinds of CaseItem that send a request (StepItem). */
export const STEP_KINDS = new Set(["q", "event", "request", "timeout", "yookassa"]);
/** Whether a case item sends a request, as opposed to setting up or asserting. */
export const isStep = (item: CaseItem): item is StepItem => STEP_KINDS.has(item.kind);

/** A problem in a test file at an element's position: a warning or an error, depending on where it is reported. */
export interface Problem extends Position {
  message: string;
}

/** One `<test-case>` of a test file. */
export interface TestCase extends Position {
  id: string; // the id attribute, or "case <n>" when missing
  integration: boolean; // the case's own attribute, else the file's
  steps: CaseItem[]; // every element of §7.2 in document order
  errors: Problem[]; // elements that could not be understood (bad JSON, …): the case fails on them
}

/** A parsed XML test file: its cases, file-level mocks and problems. */
export interface TestFile {
  file: string; // path relative to the project folder (as reported)
  integration: boolean;
  mocks: MockDef[]; // file-level <mockData>
  cases: TestCase[];
  warnings: Problem[]; // unknown elements / attributes
  error?: Problem; // malformed XML: the whole file fails
}

// ---- results ----

/** Which step of a case a failure belongs to, for the report. */
export interface StepRef {
  index: number; // 1-based count of request-sending steps in the case
  element: string; // e.g. `<q>hello</q>`
  line: number;
}

/** The first failed check of a case, with what the report needs to explain it. */
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

/** How a case ended; a skipped case (an integration case where real HTTP is not available) gives a reason. */
export type CaseStatus = "passed" | "failed" | "skipped";

/** What a case walked through (`smartapp test --coverage`): states entered and `from -> to` moves. */
export interface CaseCoverage {
  states: string[];
  transitions: [string, string][];
}

/** The outcome of one case. Plain JSON: it comes back from a worker thread. */
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

/** The results of one test file; a malformed file has an error and no cases. */
export interface FileResult {
  file: string;
  error?: Problem; // malformed XML
  warnings: Problem[];
  cases: CaseResult[];
}
