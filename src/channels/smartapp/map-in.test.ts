import { describe, expect, it } from "vitest";
import * as fx from "./fixtures.js";
import { mapIn, type MapInOptions } from "./map-in.js";
import { parseBody } from "./parse.js";
import { validateMessage } from "./validate.js";

const mapped = (msg: unknown, opts: MapInOptions = {}) => mapIn(validateMessage(parseBody(JSON.stringify(msg))), opts);

describe("mapIn: MESSAGE_TO_SKILL", () => {
  it("maps a typed utterance to a text request with the channel fields", () => {
    const m = mapped(fx.messageToSkill("купи слона"));
    expect(m.request.query).toBe("купи слона");
    expect(m.request.event).toBeUndefined();
    expect(m.request.channelType).toBe("smartapp");
    expect(m.request.channelUserId).toBe(fx.uuid.sub);
    expect(m.request.questionId).toBe("1613470978201");
    expect(m.request.language).toBe("ru");
    expect(m.request.data).toEqual({});
    expect(m.userKey).toBe(fx.uuid.sub);
    expect(m.newSession).toBe(false);
    expect(m.messageId).toBe("1613470978201");
    const raw = m.request.rawRequest as ReturnType<typeof fx.messageToSkill>;
    expect(raw.messageId).toBe(1613470978201);
    expect(raw.payload.character).toEqual(fx.character);
    expect((raw.payload.meta as typeof fx.meta).current_app.state).toEqual({ screen: "catalog" });
    expect(raw.payload.intent_meta).toBeNull(); // rawRequest is the message as sent
    expect((raw.payload.meta as typeof fx.meta).time.timestamp).toBe(1613470978200); // other numbers are plain JS numbers
  });

  it("takes an intent written as a path as the recognised project intent; the assistant's own values are not", () => {
    const msg = fx.messageToSkill("хочу вернуть деньги");
    expect(mapped({ ...msg, payload: { ...msg.payload, intent: "/Support/Refund" } }).request.intent).toEqual({ path: "/Support/Refund", score: 1 });
    expect(mapped(msg).request.intent).toBeUndefined(); // "scenario": the engine classifies the text
    expect(mapped({ ...msg, payload: { ...msg.payload, intent: "/" } }).request.intent).toBeUndefined();
  });

  it("a voice launch without text is a launch: /start by default, runApp as an event when configured", () => {
    const start = mapped(fx.voiceLaunch());
    expect(start.request).toMatchObject({ query: "/start", data: { eventData: {} } });
    expect(start.newSession).toBe(true);
    const ev = mapped(fx.voiceLaunch(), { launch: "event" });
    expect(ev.request.event).toBe("runApp");
    expect(ev.request.query).toBeUndefined();
  });

  it("a voice launch with its phrase keeps the text unless voiceLaunch is 'launch'", () => {
    expect(mapped(fx.voiceLaunch("запусти магазин")).request.query).toBe("запусти магазин");
    expect(mapped(fx.voiceLaunch("запусти магазин"), { voiceLaunch: "launch" }).request.query).toBe("/start");
  });

  it("reads a language when the payload carries one", () => {
    const msg = fx.messageToSkill("hi");
    (msg.payload.meta as Record<string, unknown>) = { ...fx.meta, language: "en" };
    expect(mapped(msg).request.language).toBe("en");
  });

  it("reads the user's UTC offset from meta.time; a value no time zone has is left out", () => {
    expect(mapped(fx.messageToSkill("завтра")).request.timezoneOffsetSec).toBe(10800);
    for (const bad of [15 * 3600, 3.5, "10800", null]) {
      const msg = fx.messageToSkill("завтра");
      (msg.payload.meta as Record<string, unknown>) = { ...fx.meta, time: { ...fx.meta.time, timezone_offset_sec: bad } };
      expect(mapped(msg).request).not.toHaveProperty("timezoneOffsetSec");
    }
  });
});

describe("mapIn: RUN_APP", () => {
  it("a catalog launch (action_id run_app) is /start with its parameters as eventData", () => {
    const m = mapped(fx.runApp({ action_id: "run_app", parameters: { system_name_caller: "other" } }));
    expect(m.request.query).toBe("/start");
    expect(m.request.data).toEqual({ eventData: { system_name_caller: "other" } });
    expect(m.newSession).toBe(true);
  });

  it("a RUN_APP without server_action is a launch too", () => {
    expect(mapped(fx.runApp()).request.query).toBe("/start");
    expect(mapped(fx.runApp(), { launch: "event" }).request.event).toBe("runApp");
  });

  it("a RUN_APP with another action_id raises that event (app-to-app callback)", () => {
    const m = mapped(fx.runApp({ action_id: "CALLBACK_DONE", parameters: { ok: true } }));
    expect(m.request).toMatchObject({ event: "CALLBACK_DONE", data: { eventData: { ok: true } } });
  });
});

describe("mapIn: PAY_DIALOG_FINISHED", () => {
  for (const name of ["RUN_APP", "SERVER_ACTION"] as const) {
    it(`as ${name}: event PAY_DIALOG_FINISHED, eventData = parameters, and the seed form eventData[0]`, () => {
      const msg = name === "RUN_APP" ? fx.runApp(fx.payDialogFinished(2), false) : fx.serverAction(fx.payDialogFinished(2));
      const m = mapped(msg);
      expect(m.request.event).toBe("PAY_DIALOG_FINISHED");
      expect(m.request.query).toBeUndefined();
      const eventData = m.request.data?.eventData as Record<string | number, any>;
      expect(eventData.payment_response.response_code).toBe(2);
      expect(eventData.payment_response.invoice_id).toBe("3000");
      expect(eventData[0].response_code).toBe(2);
      expect(eventData.app_info).toEqual({ projectId: fx.appInfo.projectId, systemName: "payment_app" });
      // survives the trip to a worker thread
      expect(structuredClone(eventData)[0].response_code).toBe(2);
      expect(m.newSession).toBe(false);
    });
  }

  it("the seed shim can be switched off", () => {
    const eventData = mapped(fx.runApp(fx.payDialogFinished(0)), { payDialogSeedCompat: false }).request.data?.eventData as Record<string, unknown>;
    expect(eventData[0]).toBeUndefined();
    expect(eventData.payment_response).toEqual({ response_code: 0, invoice_id: "3000" });
  });
});

describe("mapIn: SERVER_ACTION", () => {
  it("raises the event named by action_id with parameters as eventData", () => {
    const m = mapped(fx.serverAction({ action_id: "DONE", parameters: { note: "молоко" } }));
    expect(m.request).toMatchObject({ event: "DONE", data: { eventData: { note: "молоко" } } });
  });

  it("normalises the deprecated {type, payload} form; rawRequest keeps the original", () => {
    const m = mapped(fx.serverAction({ type: "PAY_DIALOG_INIT", payload: { sku: "elephant" } }));
    expect(m.request).toMatchObject({ event: "PAY_DIALOG_INIT", data: { eventData: { sku: "elephant" } } });
    const raw = m.request.rawRequest as { payload: { server_action: unknown } };
    expect(raw.payload.server_action).toEqual({ type: "PAY_DIALOG_INIT", payload: { sku: "elephant" } });
  });

  it("a client cannot raise the payment core's events: payment.* and refund.* become client.<name>", () => {
    expect(mapped(fx.serverAction({ action_id: "payment.succeeded", parameters: { invoiceId: "x" } })).request.event).toBe("client.payment.succeeded");
    expect(mapped(fx.runApp({ action_id: "refund.succeeded" })).request.event).toBe("client.refund.succeeded");
    expect(mapped(fx.serverAction({ action_id: "paymentDone" })).request.event).toBe("paymentDone");
  });

  it("without parameters eventData is an empty object", () => {
    expect(mapped(fx.serverAction({ action_id: "refresh" })).request.data).toEqual({ eventData: {} });
  });
});

describe("mapIn: payload events", () => {
  const base = () => fx.messageToSkill("x").payload;
  it("CLOSE_APP is an event with the payload as eventData", () => {
    const m = mapped(fx.envelope("CLOSE_APP", { ...base(), intent: "close_app" }));
    expect(m.request.event).toBe("CLOSE_APP");
    expect((m.request.data?.eventData as Record<string, unknown>).intent).toBe("close_app");
  });

  it("TAKE_PROFILE_DATA exposes eventData.profile_data", () => {
    const profile = { customer_name: "Иван", address: { city: "Москва" } };
    const m = mapped(fx.envelope("TAKE_PROFILE_DATA", { ...base(), profile_data: profile, status_code: { code: 1, description: "SUCCESS" } }));
    expect(m.request.event).toBe("TAKE_PROFILE_DATA");
    expect(m.request.data?.eventData).toMatchObject({ profile_data: profile, status_code: { code: 1 } });
  });

  it("RATING_RESULT carries the estimation", () => {
    const m = mapped(fx.envelope("RATING_RESULT", { ...base(), rating: { estimation: 5 }, status_code: { code: 1, description: "SUCCESS" } }));
    expect(m.request).toMatchObject({ event: "RATING_RESULT", data: { eventData: { rating: { estimation: 5 } } } });
  });

  it("TAKE_RUNTIME_PERMISSIONS offers status_code both directly and under .payload", () => {
    const m = mapped(fx.envelope("TAKE_RUNTIME_PERMISSIONS", { ...base(), status_code: { code: 1 } }));
    const eventData = m.request.data?.eventData as any;
    expect(m.request.event).toBe("TAKE_RUNTIME_PERMISSIONS");
    expect(eventData.status_code.code).toBe(1);
    expect(eventData.payload.status_code.code).toBe(1);
    expect(() => JSON.stringify(eventData)).not.toThrow();
  });
});

describe("mapIn: keys and options", () => {
  it("keys by sub, falling back to userId; or by userId when configured", () => {
    const msg = fx.messageToSkill("x");
    expect(mapped(msg, { sessionKey: "userId" }).userKey).toBe(fx.uuid.userId);
    const anon = { ...msg, uuid: { userId: 123, userChannel: "B2C" } };
    expect(mapped(anon).userKey).toBe("123");
    expect(mapped(anon).request.channelUserId).toBe("123");
  });

  it("channelType is configurable; new_session sets newSession", () => {
    const msg = fx.messageToSkill("x", { new_session: true });
    const m = mapped(msg, { channelType: "salute" });
    expect(m.request.channelType).toBe("salute");
    expect(m.newSession).toBe(true);
  });

  it("keeps a messageId above 2^53 exact: questionId and rawRequest carry the digits as a string", () => {
    const text = JSON.stringify(fx.messageToSkill("x")).replace('"messageId":1613470978201', '"messageId":18446744073709551615');
    const m = mapIn(validateMessage(parseBody(text)));
    expect(m.messageId).toBe("18446744073709551615");
    expect(m.request.questionId).toBe("18446744073709551615");
    expect((m.request.rawRequest as { messageId: unknown }).messageId).toBe("18446744073709551615");
  });
});
