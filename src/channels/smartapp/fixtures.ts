// Realistic SmartApp API requests (spec smartapp-api.md §2.4 templates) for tests and demos.
export const appInfo = {
  projectId: "b3c1a2d4-1111-4c2e-9f3a-0d1e2f3a4b5c",
  applicationId: "7d1f3e2a-2222-4b6c-8a9d-1e2f3a4b5c6d",
  appversionId: "0a9b8c7d-3333-4e5f-a6b7-c8d9e0f1a2b3",
  frontendType: "DIALOG",
  systemName: "shop",
  frontendEndpoint: "None",
};

export const character = { id: "sber", name: "Сбер", gender: "male", appeal: "official" };

export const device = {
  deviceId: "ff5a3d3e4c1b2a99",
  platformType: "android",
  platformVersion: "11",
  surface: "SBERBOX",
  surfaceVersion: "1.93.20221214",
  features: { appTypes: ["DIALOG", "WEB_APP", "APK", "CHAT_APP"] },
  capabilities: { screen: { available: true }, mic: { available: true }, speak: { available: true } },
  additionalInfo: {},
};

export const meta = {
  time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 1613470978200 },
  current_app: { app_info: appInfo, state: { screen: "catalog" } },
};

export const uuid = { userId: "webdbg_userid_4q2f8x3k1m", sub: "En8RwpZ0dRFqG3Uy5xqCpXn9c8M=", userChannel: "B2C" };

const common = (newSession: boolean) => ({ app_info: appInfo, character, device, meta, new_session: newSession, projectName: "b3c1a2d4-shop" });

export function envelope(messageName: string, payload: Record<string, unknown>, messageId: number | bigint = 1613470978201) {
  return { messageId, sessionId: "8a8a4d2d-5c3b-4e7f-9a1b-2c3d4e5f6a7b", messageName, uuid, payload };
}

export const messageToSkill = (text: string, extra: Record<string, unknown> = {}) =>
  envelope("MESSAGE_TO_SKILL", {
    ...common(false),
    intent: "scenario",
    original_intent: "scenario",
    intent_meta: null,
    message: {
      original_text: text,
      normalized_text: text.toLowerCase(),
      asr_normalized_message: "",
      human_normalized_text: text.toLowerCase(),
      original_message_name: "MESSAGE_FROM_USER",
      entities: {},
      tokenized_elements_list: [],
    },
    selected_item: {},
    annotations: { censor_data: { classes: ["politicians", "obscene", "model_response"], probas: [0, 0, 0.01] } },
    ...extra,
  });

export const voiceLaunch = (text = "") =>
  envelope("MESSAGE_TO_SKILL", {
    ...common(true),
    intent: "run_app",
    original_intent: "run_app",
    ...(text ? { message: { original_text: text, normalized_text: text, entities: {}, tokenized_elements_list: [] } } : {}),
  });

export const serverAction = (serverActionBody: Record<string, unknown>) =>
  envelope("SERVER_ACTION", { ...common(false), server_action: serverActionBody });

export const runApp = (serverActionBody?: Record<string, unknown>, newSession = true) =>
  envelope("RUN_APP", { ...common(newSession), intent: "run_app", ...(serverActionBody ? { server_action: serverActionBody } : {}) });

export const payDialogFinished = (responseCode: number, invoiceId = "3000") => ({
  action_id: "PAY_DIALOG_FINISHED",
  parameters: {
    payment_response: { response_code: responseCode, invoice_id: invoiceId },
    app_info: { projectId: appInfo.projectId, systemName: "payment_app" },
  },
});
