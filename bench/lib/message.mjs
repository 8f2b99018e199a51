// The SmartApp API message the webhook benchmarks send: one MESSAGE_TO_SKILL per request, the same
// shape for webhook.mjs and webhook-ab.mjs so their numbers compare.

/** A MESSAGE_TO_SKILL body for user `user` saying `text`, as JSON. */
export function message(id, user, text) {
  return JSON.stringify({
    messageId: id,
    sessionId: `s-${user}`,
    messageName: "MESSAGE_TO_SKILL",
    uuid: { userId: `u-${user}`, sub: `u-${user}`, userChannel: "B2C" },
    payload: {
      intent: "scenario",
      message: { original_text: text, normalized_text: text, human_normalized_text: text },
      app_info: { projectId: "bench", applicationId: "bench", frontendType: "DIALOG" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      device: { platformType: "android", surface: "SBERBOX" },
      meta: { time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 0 } },
      new_session: false,
    },
  });
}
