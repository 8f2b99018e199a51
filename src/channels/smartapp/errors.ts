// A webhook request we refuse: the HTTP status, a reason a person can act on, and whatever ids we
// could read so the ERROR answer can still echo them.
import type { EnvelopeIds } from "./types.js";

export class WebhookRequestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly kind: string, // metrics label: invalid_json, invalid_message, unknown_message_name, …
    readonly ids: EnvelopeIds = {},
  ) {
    super(reason);
    this.name = "WebhookRequestError";
  }
}
