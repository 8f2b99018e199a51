// Inbound message validation (spec §2): an ajv schema for the envelope, then per-messageName payload
// requirements. Unknown keys are accepted everywhere because the platform adds fields at any time.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { WebhookRequestError } from "./errors.js";
import type { ParsedBody } from "./parse.js";
import { INBOUND_MESSAGE_NAMES, type EnvelopeIds, type ServerAction, type SmartAppRequest, type SmartAppUuid } from "./types.js";

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });

const envelopeSchema = {
  type: "object",
  required: ["messageId", "sessionId", "messageName", "uuid", "payload"],
  properties: {
    messageId: { type: "integer" }, // parse.ts stands in a JS number; the exact token is kept aside
    sessionId: { type: "string" },
    messageName: { type: "string", minLength: 1 },
    uuid: {
      type: "object",
      required: ["userId", "userChannel"],
      properties: {
        userId: { type: ["string", "number"], minLength: 1 }, // one doc example has a number
        sub: { type: ["string", "null"] }, // absent for unauthenticated users; tolerate null
        userChannel: { type: "string" },
      },
    },
    payload: { type: "object" },
  },
};

// New form {action_id, parameters?} or the deprecated {type, payload} (salutejs converts it).
const serverActionSchema = {
  type: "object",
  if: { required: ["action_id"] },
  then: { properties: { action_id: { type: "string", minLength: 1 } } },
  else: { required: ["type"], properties: { type: { type: "string", minLength: 1 } } },
};

const payloadSchemas: Record<string, object> = {
  MESSAGE_TO_SKILL: {
    type: "object",
    properties: {
      message: { type: "object", properties: { original_text: { type: "string" } } },
    },
    // A voice launch (intent run_app) may come without text; every other utterance has it.
    if: { required: ["intent"], properties: { intent: { const: "run_app" } } },
    else: { required: ["message"], properties: { message: { type: "object", required: ["original_text"] } } },
  },
  SERVER_ACTION: { type: "object", required: ["server_action"], properties: { server_action: serverActionSchema } },
  RUN_APP: { type: "object", properties: { server_action: serverActionSchema } },
};

const validateEnvelope = ajv.compile(envelopeSchema);
const payloadValidators = new Map<string, ValidateFunction>(
  Object.entries(payloadSchemas).map(([name, schema]) => [name, ajv.compile(schema)]),
);

export function validateMessage(parsed: ParsedBody, maxIdLength: number = DEFAULT_MAX_ID_LENGTH): SmartAppRequest {
  const { body } = parsed;
  // The ids echoed by an error answer are worked out only when there is an error to answer.
  if (!validateEnvelope(body)) {
    throw new WebhookRequestError(400, `invalid SmartApp API message: ${describe(validateEnvelope.errors, "")}`, "invalid_message", readableIds(parsed, maxIdLength));
  }
  const messageName = body.messageName as string;
  if (!(INBOUND_MESSAGE_NAMES as readonly string[]).includes(messageName)) {
    const known = INBOUND_MESSAGE_NAMES.join(", ");
    // Quoted short: the reason is sent back and logged, and a name can be as long as the body.
    const shown = messageName.length > 64 ? `"${messageName.slice(0, 64)}…" (${messageName.length} characters)` : `"${messageName}"`;
    throw new WebhookRequestError(400, `unknown messageName ${shown}: expected one of ${known}`, "unknown_message_name", readableIds(parsed, maxIdLength));
  }
  const payload = body.payload as Record<string, unknown>;
  const validatePayload = payloadValidators.get(messageName);
  if (validatePayload && !validatePayload(payload)) {
    throw new WebhookRequestError(400, `invalid ${messageName} message: ${describe(validatePayload.errors, "payload")}`, "invalid_message", readableIds(parsed, maxIdLength));
  }
  const uuid = body.uuid as SmartAppUuid;
  return {
    messageId: parsed.messageId as string, // the schema guaranteed an integer token
    sessionId: body.sessionId as string,
    messageName,
    uuid,
    payload,
    serverAction: normaliseServerAction(payload.server_action),
    raw: body,
  };
}

/**
 * Longest accepted user and session id (docs/security.md). The user id becomes the session store's
 * key and is echoed in every answer and cached answer, so an unbounded one costs memory and disk
 * per request. Real ids are under 100 characters.
 */
export const DEFAULT_MAX_ID_LENGTH = 256;

/** The whole `uuid` object, echoed in every answer and cached answer: real ones are under 300 bytes. */
export const MAX_UUID_JSON_LENGTH = 4096;

/**
 * 400 when the messageId token, uuid.userId, uuid.sub, uuid.userChannel or
 * sessionId is longer than `max` characters, or
 * the uuid object (extra fields included) serialises to more than MAX_UUID_JSON_LENGTH characters.
 */
export function checkIdLengths(msg: SmartAppRequest, max: number = DEFAULT_MAX_ID_LENGTH): void {
  // The messageId's digits are echoed, cached as the dedup key beside the answer and logged with every
  // line of the request: real ids are at most 20 digits. Refused without echoing it.
  if (msg.messageId.length > max) throw new WebhookRequestError(400, `messageId is longer than ${max} characters`, "id_too_long");
  // Checked field by field, in this order: this runs on every request (no list of pairs built for it).
  const { uuid } = msg;
  const tooLong =
    longerThan(msg.sessionId, max) ? "sessionId"
    : longerThan(uuid.userId, max) ? "uuid.userId"
    : longerThan(uuid.sub, max) ? "uuid.sub"
    : longerThan(uuid.userChannel, max) ? "uuid.userChannel"
    : undefined;
  if (tooLong !== undefined) {
    throw new WebhookRequestError(400, `${tooLong} is longer than ${max} characters`, "id_too_long", { messageId: msg.messageId });
  }
  if (JSON.stringify(uuid).length > MAX_UUID_JSON_LENGTH) {
    throw new WebhookRequestError(400, `uuid is larger than ${MAX_UUID_JSON_LENGTH} characters as JSON`, "id_too_long", { messageId: msg.messageId });
  }
}

function longerThan(value: unknown, max: number): boolean {
  return typeof value === "string" && value.length > max;
}

/** {type, payload} → {action_id: type, parameters: payload}, as salutejs does; other keys kept. */
export function normaliseServerAction(value: unknown): ServerAction | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const sa = value as Record<string, unknown>;
  if (typeof sa.action_id === "string") return sa as ServerAction;
  if (typeof sa.type !== "string") return undefined;
  const { type, payload, ...rest } = sa;
  return { ...rest, action_id: type, ...(payload === undefined ? {} : { parameters: payload as Record<string, unknown> }) };
}

/**
 * The ids an error answer to an invalid message echoes: only those within the limits checkIdLengths
 * applies to a valid one, so a refused message cannot have a huge id sent back (or cached) either.
 */
function readableIds(parsed: ParsedBody, max: number): EnvelopeIds {
  const { body } = parsed;
  const ids: EnvelopeIds = {};
  if (parsed.messageId !== undefined && parsed.messageId.length <= max) ids.messageId = parsed.messageId;
  if (typeof body.sessionId === "string" && body.sessionId.length <= max) ids.sessionId = body.sessionId;
  const uuid = body.uuid;
  if (uuid !== null && typeof uuid === "object" && !Array.isArray(uuid)) {
    const u = uuid as Record<string, unknown>;
    const short = ["userId", "sub", "userChannel"].every((k) => typeof u[k] !== "string" || (u[k] as string).length <= max);
    if (short && JSON.stringify(uuid).length <= MAX_UUID_JSON_LENGTH) ids.uuid = uuid as SmartAppUuid;
  }
  return ids;
}

/** ajv errors as "uuid.userId is required; messageId must be integer", naming each field. */
function describe(errors: ErrorObject[] | null | undefined, base: string): string {
  const reasons: string[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === "if") continue; // the branch that failed reports the real problem
    const path = [base, ...e.instancePath.split("/").slice(1)].filter(Boolean).join(".");
    let reason: string;
    if (e.keyword === "required") {
      const field = [path, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join(".");
      reason = field.endsWith("server_action.type")
        ? `${field.slice(0, -".type".length)}.action_id is required (or the deprecated {type, payload} form)`
        : `${field} is required`;
    } else {
      reason = `${path || "message"} ${e.message ?? "is invalid"}`;
    }
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  return reasons.slice(0, 5).join("; ") || "does not match the schema";
}
