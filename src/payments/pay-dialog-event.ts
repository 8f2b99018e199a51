// The one mapping of the pay dialog's return (PAY_DIALOG_FINISHED) into $request.data.eventData,
// used by every entry point: the webhook (src/channels/smartapp/map-in.ts), `smartapp chat` (which
// goes through map-in) and XML tests (src/testing/run-case.ts). See docs/payments.md.

/** The server_action a pay dialog ends with (spec §4.3). */
export const PAY_DIALOG_FINISHED = "PAY_DIALOG_FINISHED";

/**
 * `server_action.parameters` → eventData. SmartApp Code gives the parameters as they are
 * (`eventData.payment_response.response_code`); seed 003 reads `eventData[0].response_code`, so the
 * result is also offered under the key "0" unless `seedCompat` is false. A plain "0" key (not a
 * non-enumerable one) survives structured cloning into the engine's worker and JSON round-trips.
 */
export function payDialogEventData(parameters: unknown, seedCompat = true): unknown {
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) return parameters ?? {};
  const eventData: Record<string, unknown> = { ...(parameters as Record<string, unknown>) };
  const result = eventData.payment_response;
  if (seedCompat && result !== undefined && eventData[0] === undefined) eventData[0] = result;
  return eventData;
}
