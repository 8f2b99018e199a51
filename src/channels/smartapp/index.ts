// The SmartApp API webhook channel: public surface.
export { createWebhookApp, startWebhookServer, type RunningWebhook, type StartOptions, type WebhookApp, type WebhookOptions } from "./server.js";
export { mapIn, LAUNCH_EVENT, LAUNCH_QUERY, PAY_DIALOG_FINISHED, type MapInOptions, type MappedRequest } from "./map-in.js";
export { mapOut, errorAnswer, deepMerge, ERROR_CODES, SENT_REPLY_TYPES, type AnswerContext } from "./map-out.js";
export { parseBody, messageIdValue, type ParsedBody } from "./parse.js";
export { validateMessage, normaliseServerAction } from "./validate.js";
export { serializeAnswer, stripNulls } from "./serialize.js";
export { splitBubbleText, MAX_BUBBLE_CHARS } from "./bubbles.js";
export { WebhookMetrics } from "./metrics.js";
export { createLogger, redactSecrets, REDACTED } from "./logging.js";
export { WebhookRequestError } from "./errors.js";
export * from "./types.js";
