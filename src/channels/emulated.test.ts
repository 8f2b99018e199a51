import { describe, expect, it } from "vitest";
import { asChannel, parseChannelType } from "./emulated.js";

const turn = { user: "chat-user", seq: 3, nowMs: Date.UTC(2026, 0, 2, 3, 4, 5) };

describe("asChannel", () => {
  it("telegram: the channel type, a numeric user id, and a Telegram update carrying the text", () => {
    const r = asChannel({ query: "привет", data: {} }, "telegram", turn);
    expect(r.channelType).toBe("telegram");
    expect(r.channelUserId).toMatch(/^\d+$/);
    const id = Number(r.channelUserId);
    expect(r.rawRequest).toEqual({
      update_id: 3,
      message: {
        message_id: 3,
        from: { id, is_bot: false, first_name: "Test", last_name: "User", username: "test_user", language_code: "ru" },
        chat: { id, first_name: "Test", last_name: "User", username: "test_user", type: "private" },
        date: Math.floor(turn.nowMs / 1000),
        text: "привет",
      },
    });
    expect(r.userFrom).toEqual({ id: r.channelUserId, firstName: "Test", lastName: "User" });
    expect(r).toMatchObject({ query: "привет", data: {} });
    // the same user keeps the same id; another user gets another
    expect(asChannel({ query: "x" }, "telegram", { ...turn, seq: 4 }).channelUserId).toBe(r.channelUserId);
    expect(asChannel({ query: "x" }, "telegram", { ...turn, user: "someone-else" }).channelUserId).not.toBe(r.channelUserId);
  });

  it("an event from telegram has a message without text", () => {
    const r = asChannel({ event: "fileEvent", data: { eventData: {} } }, "telegram", turn);
    expect((r.rawRequest as { message: Record<string, unknown> }).message).not.toHaveProperty("text");
    expect(r.event).toBe("fileEvent");
  });

  it("another channel: its type and the user, an empty raw message", () => {
    expect(asChannel({ query: "hi" }, "chatwidget", turn)).toEqual({ query: "hi", channelType: "chatwidget", channelUserId: "chat-user", userFrom: { id: "chat-user", firstName: "Test", lastName: "User" }, rawRequest: {} });
  });

  it("what the request already sets wins: a test's own channelType, channelUserId, rawRequest", () => {
    const own = { query: "hi", channelType: "resterisk", channelUserId: "79990001122", rawRequest: { caller: "79990001122" } };
    expect(asChannel(own, "telegram", turn)).toMatchObject(own);
  });

  it("smartapp: only the type, the webhook's mapping stays", () => {
    expect(asChannel({ query: "hi" }, "smartapp", turn)).toEqual({ query: "hi", channelType: "smartapp" });
  });
});

describe("parseChannelType", () => {
  it("takes a channel type word and explains what is wrong with anything else", () => {
    expect(parseChannelType("telegram")).toBe("telegram");
    expect(parseChannelType("chat_api-2")).toBe("chat_api-2");
    expect(() => parseChannelType("two words")).toThrow('"two words" is not a channel type: one is a word like telegram');
    expect(() => parseChannelType("")).toThrow(/is not a channel type/);
  });
});
