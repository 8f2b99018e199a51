// SmartApp API wire shapes (spec smartapp-api.md §2–§3) as far as the channel reads or writes them.
// Unknown keys are always allowed: the platform adds fields at any time.

export interface SmartAppUuid {
  userId: string | number;
  sub?: string;
  userChannel: string;
  [key: string]: unknown;
}

export interface ServerAction {
  action_id: string;
  parameters?: Record<string, unknown>;
  app_info?: Record<string, unknown>;
  [key: string]: unknown;
}

/** An inbound message after parsing and validation. `messageId` is the exact JSON number token. */
export interface SmartAppRequest {
  messageId: string;
  sessionId: string;
  messageName: string;
  uuid: SmartAppUuid;
  payload: Record<string, unknown>;
  /** payload.server_action in the new form (the deprecated {type, payload} form is converted). */
  serverAction?: ServerAction;
  /** The message as parsed, numbers as JS numbers except messageId (see rawRequest in map-in). */
  raw: Record<string, unknown>;
}

/** The ids an answer echoes; any may be missing when the request was unreadable. */
export interface EnvelopeIds {
  messageId?: string; // JSON integer token, spliced into the answer unchanged
  sessionId?: string;
  uuid?: unknown;
}

/** An outbound message before serialisation. */
export interface SmartAppAnswer extends EnvelopeIds {
  messageName: string;
  payload: Record<string, unknown>;
}

/** Inbound message names the channel understands (spec §2.2). */
export const INBOUND_MESSAGE_NAMES = [
  "MESSAGE_TO_SKILL",
  "SERVER_ACTION",
  "RUN_APP",
  "CLOSE_APP",
  "TAKE_PROFILE_DATA",
  "RATING_RESULT",
  "TAKE_RUNTIME_PERMISSIONS",
] as const;
