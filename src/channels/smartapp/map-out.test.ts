import { describe, expect, it } from "vitest";
import type { Reply, TurnResult } from "../../engine/types.js";
import { emptyUserState } from "../../engine/types.js";
import { splitBubbleText } from "./bubbles.js";
import * as fx from "./fixtures.js";
import { mapOut, type AnswerContext } from "./map-out.js";
import { serializeAnswer, stripNulls } from "./serialize.js";

const result = (replies: Reply[], extra: Partial<TurnResult> = {}): TurnResult => ({
  replies,
  response: { replies },
  state: emptyUserState(),
  endSession: false,
  mails: [],
  ...extra,
});
const request = fx.messageToSkill("купи слона");
const ctx: AnswerContext = { messageId: "1613470978201", sessionId: request.sessionId, uuid: request.uuid, requestPayload: request.payload };
const answer = (replies: Reply[], extra: Partial<TurnResult> = {}) => mapOut(result(replies, extra), ctx);
const wire = (replies: Reply[], extra: Partial<TurnResult> = {}) => JSON.parse(serializeAnswer(answer(replies, extra)));

describe("mapOut: text", () => {
  it("a text reply is a bubble and the pronounceText; ids, device and projectName are echoed", () => {
    const a = wire([{ type: "text", text: "Привет!", state: "/Start" }]);
    expect(a).toEqual({
      messageName: "ANSWER_TO_USER",
      messageId: 1613470978201,
      sessionId: request.sessionId,
      uuid: request.uuid,
      payload: {
        projectName: request.payload.projectName,
        device: request.payload.device,
        pronounceText: "Привет!",
        items: [{ bubble: { text: "Привет!" } }],
      },
    });
  });

  it("several text replies: several bubbles, speech joined; tts wins over text", () => {
    const p = wire([{ type: "text", text: "Один." }, { type: "text", text: "2 руб.", tts: "два рубля" }]).payload;
    expect(p.items).toEqual([{ bubble: { text: "Один." } }, { bubble: { text: "2 руб." } }]);
    expect(p.pronounceText).toBe("Один. два рубля");
    expect(p.pronounceTextType).toBeUndefined();
  });

  it("ssml sets application/ssml and plain parts are escaped into the same <speak>", () => {
    const p = wire([
      { type: "text", text: "A & B" },
      { type: "text", text: "Пауза", ssml: "<speak>Пауза<break time='1s'/></speak>" },
    ]).payload;
    expect(p.pronounceTextType).toBe("application/ssml");
    expect(p.pronounceText).toBe("<speak>A &amp; B Пауза<break time='1s'/></speak>");
  });

  it("markdown: a JAICP markdown string becomes the bubble text with markdown:true; expand_policy passes", () => {
    const p = wire([{ type: "text", text: "bold", markdown: "**bold**", expand_policy: "force_expand" }]).payload;
    expect(p.items).toEqual([{ bubble: { text: "**bold**", markdown: true, expand_policy: "force_expand" } }]);
    expect(p.pronounceText).toBe("bold");
  });

  it("text over 250 characters is split into bubbles at sentence boundaries", () => {
    const sentence = "Это предложение длиной ровно в пятьдесят символов. "; // 51 with the space
    const text = sentence.repeat(8).trim();
    const p = wire([{ type: "text", text }]).payload;
    const bubbles = p.items.map((i: any) => i.bubble.text as string);
    expect(bubbles.length).toBe(2);
    for (const b of bubbles) {
      expect(Array.from(b).length).toBeLessThanOrEqual(250);
      expect(b.endsWith(".")).toBe(true);
    }
    expect(bubbles.join(" ")).toBe(text);
    expect(p.pronounceText).toBe(text); // speech is not split
  });

  it("auto_listening from any reply; finished when the session ended", () => {
    const p = wire([{ type: "text", text: "a" }, { type: "text", text: "b", auto_listening: true }], { endSession: true }).payload;
    expect(p.auto_listening).toBe(true);
    expect(p.finished).toBe(true);
    expect(wire([{ type: "text", text: "a" }]).payload.finished).toBeUndefined();
  });
});

describe("splitBubbleText", () => {
  it("falls back to words, then cuts a single over-long word; never exceeds the limit", () => {
    const words = "слово ".repeat(100).trim();
    const parts = splitBubbleText(words);
    expect(parts.every((p) => Array.from(p).length <= 250)).toBe(true);
    expect(parts.join(" ")).toBe(words);
    const long = "x".repeat(600);
    expect(splitBubbleText(long).map((p) => p.length)).toEqual([250, 250, 100]);
  });

  it("does not cut surrogate pairs and does not split on decimal points", () => {
    const emoji = "😀".repeat(300);
    const parts = splitBubbleText(emoji);
    expect(parts.map((p) => Array.from(p).length)).toEqual([250, 50]);
    expect(parts.join("")).toBe(emoji);
    expect(splitBubbleText("Цена 3.14 руб. Ок.", 12)).toEqual(["Цена 3.14", "руб. Ок."]);
  });
});

describe("mapOut: buttons, images, cards", () => {
  it("a reply with 500,000 buttons (a script listing a remote service's results) becomes as many suggestions, not a stack overflow", () => {
    const many = Array.from({ length: 500_000 }, (_, i) => `b${i}`);
    const a = answer([{ type: "buttons", buttons: many }, { type: "cardList", cells: [], buttons: many.slice(0, 3) }]);
    const buttons = (a.payload as { suggestions: { buttons: { title: string }[] } }).suggestions.buttons;
    expect(buttons).toHaveLength(500_003);
    expect(buttons[499_999]!.title).toBe("b499999");
  });

  it("buttons become suggestions: text actions sent to the backend, deep links for url", () => {
    const p = wire([{ type: "text", text: "Выберите" }, { type: "buttons", buttons: [{ text: "Да", transition: "/Yes" }, { text: "Сайт", url: "https://example.com" }, "Нет"] }]).payload;
    expect(p.suggestions).toEqual({
      buttons: [
        { title: "Да", action: { type: "text", text: "Да", should_send_to_backend: true } },
        { title: "Сайт", action: { type: "deep_link", deep_link: "https://example.com" } },
        { title: "Нет", action: { type: "text", text: "Нет", should_send_to_backend: true } },
      ],
    });
  });

  it("an image is a list_card with one image cell", () => {
    const p = wire([{ type: "image", imageUrl: "https://img.example/elephant.png", hash: "abc" }]).payload;
    expect(p.items).toEqual([{ card: { type: "list_card", cells: [{ type: "image_cell_view", content: { url: "https://img.example/elephant.png", hash: "abc" } }] } }]);
    expect(p.pronounceText).toBeUndefined();
  });

  it("a card reply is a list_card: image, title, description, button", () => {
    const p = wire([{ type: "card", title: "Слон", description: "Большой", imageUrl: "https://img.example/e.png", button: { text: "Купить", url: "https://shop.example" }, auto_listening: true }]).payload;
    expect(p.items[0].card.type).toBe("list_card");
    expect(p.items[0].card.cells.map((c: any) => c.type)).toEqual(["image_cell_view", "text_cell_view", "text_cell_view", "button_cell_view"]);
    expect(p.items[0].card.cells[1].content.text).toBe("Слон");
    expect(p.items[0].card.cells[3].content.actions).toEqual([{ type: "deep_link", deep_link: "https://shop.example" }]);
    expect(p.auto_listening).toBe(true);
  });

  it("a cardList reply is a list_card with one left_right cell per entry", () => {
    const p = wire([{ type: "cardList", title: "Корзина", cells: [{ title: "Слон", subtitle: "1 шт.", value: "100 ₽", action: { text: "слон" } }] }]).payload;
    const cells = p.items[0].card.cells;
    expect(cells[0]).toEqual({ type: "text_cell_view", content: { text: "Корзина", typeface: "headline3" } });
    expect(cells[1].type).toBe("left_right_cell_view");
    expect(cells[1].left.texts).toEqual({ title: { text: "Слон" }, subtitle: { text: "1 шт." } });
    expect(cells[1].actions).toEqual([{ type: "text", text: "слон", should_send_to_backend: true }]);
  });

  it("internal replies (timeout, switch) are not sent; alone they give NOTHING_FOUND", () => {
    const a = wire([{ type: "timeout", interval: 5, targetState: "/T" }]);
    expect(a).toEqual({ messageName: "NOTHING_FOUND", messageId: 1613470978201, sessionId: request.sessionId, uuid: request.uuid, payload: {} });
    const b = wire([{ type: "text", text: "a" }, { type: "timeout", interval: 5, targetState: "/T" }]);
    expect(b.payload.items).toHaveLength(1);
  });
});

describe("mapOut: raw", () => {
  it("raw bodies deep-merge: items concatenated, last pronounceText wins, commands pass through", () => {
    const p = wire([
      { type: "text", text: "Готово" },
      { type: "raw", body: { items: [{ command: { type: "smart_app_data", smart_app_data: { type: "cart", count: 1 } } }], pronounceText: "первое", emotion: { emotionId: "radost" } } },
      { type: "raw", body: { pronounceText: "второе", pronounceTextType: "application/ssml" } },
    ]).payload;
    expect(p.items).toEqual([{ bubble: { text: "Готово" } }, { command: { type: "smart_app_data", smart_app_data: { type: "cart", count: 1 } } }]);
    expect(p.pronounceText).toBe("второе");
    expect(p.pronounceTextType).toBe("application/ssml");
    expect(p.emotion).toEqual({ emotionId: "radost" });
  });

  it("$reactions.pay's raw reply is exactly the salutejs askPayment wire form (§4.2)", () => {
    const pay: Reply = {
      type: "raw",
      messageName: "POLICY_RUN_APP",
      body: { server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: "3000", app_info: { projectId: fx.appInfo.projectId } } } },
    };
    const text = serializeAnswer(answer([pay]));
    const expected =
      `{"messageName":"POLICY_RUN_APP","messageId":1613470978201,"sessionId":"${request.sessionId}","uuid":${JSON.stringify(request.uuid)},` +
      `"payload":{"projectName":"${request.payload.projectName}","device":${JSON.stringify(request.payload.device)},` +
      `"server_action":{"app_info":{"systemName":"payment_app"},"parameters":{"invoice_id":"3000","app_info":{"projectId":"${fx.appInfo.projectId}"}}}}}`;
    expect(text).toBe(expected);
  });

  it("POLICY_RUN_APP keeps the other replies' pronounceText and drops their items and buttons", () => {
    const p = wire([
      { type: "text", text: "Открываю оплату" },
      { type: "buttons", buttons: [{ text: "Отмена" }] },
      { type: "raw", messageName: "POLICY_RUN_APP", body: { server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: "1" } } } },
    ]);
    expect(p.messageName).toBe("POLICY_RUN_APP");
    expect(p.payload.pronounceText).toBe("Открываю оплату");
    expect(p.payload.items).toBeUndefined();
    expect(p.payload.suggestions).toBeUndefined();
    expect(p.payload.server_action.parameters.invoice_id).toBe("1");
  });

  it("raw messageName CALL_RATING and NOTHING_FOUND take over the answer", () => {
    expect(wire([{ type: "raw", messageName: "CALL_RATING", body: {} }]).messageName).toBe("CALL_RATING");
    const nf = wire([{ type: "raw", messageName: "NOTHING_FOUND", body: {} }]);
    expect(nf.messageName).toBe("NOTHING_FOUND");
    expect(nf.payload).toEqual({});
  });
});

describe("mapOut: nothing and errors", () => {
  it("no replies → NOTHING_FOUND with {}", () => {
    expect(wire([]).messageName).toBe("NOTHING_FOUND");
    expect(wire([]).payload).toEqual({});
  });

  it("a turn error with no replies → ERROR {code, description}; with replies the replies are sent", () => {
    const err = { kind: "script" as const, message: "TypeError: x is undefined" };
    const a = wire([], { error: err });
    expect(a.messageName).toBe("ERROR");
    expect(a.payload).toEqual({ code: 500, description: "the scenario failed (script error)" });
    expect(a.messageId).toBe(1613470978201);
    expect(wire([{ type: "text", text: "Что-то пошло не так" }], { error: err }).messageName).toBe("ANSWER_TO_USER");
  });
});

describe("serialisation", () => {
  it("strips null, undefined and non-finite numbers recursively, in arrays too", () => {
    expect(stripNulls({ a: null, b: undefined, c: [1, null, { d: null, e: NaN, f: 0 }], g: { h: Infinity } })).toEqual({ c: [1, { f: 0 }], g: {} });
  });

  it("answers are one line with no null even when replies carry nulls", () => {
    const text = serializeAnswer(answer([{ type: "text", text: "a\nb", tts: null as unknown as string }, { type: "raw", body: { emotion: null, items: [null, { bubble: { text: "c\u2028", markdown: null } }] } }]));
    expect(text).not.toMatch(/\n|\u2028|null/);
    const a = JSON.parse(text);
    expect(a.payload.items).toEqual([{ bubble: { text: "a\nb" } }, { bubble: { text: "c\u2028" } }]);
  });

  it("writes a payload without nulls as it is, and any other exactly as its stripped copy", () => {
    const proto = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as Record<string, unknown>;
    const payloads: Record<string, unknown>[] = [
      { items: [{ bubble: { text: "a", markdown: undefined } }], pronounceText: "a", device: { surface: "SBERBOX" }, finished: true, n: 0 },
      { items: [1, "a", true, { f: () => 1, s: Symbol("s"), u: undefined }], nested: { deep: [[{ ok: -0 }]] } },
      { items: [undefined, () => 1, Symbol("s"), null, 1], e: NaN, i: -Infinity },
      { at: new Date(0), boxed: Object(1) as object, map: new Map([[1, 2]]), bare: Object.assign(Object.create(null) as object, { z: null, k: 1 }) },
      { proto, sparse: [1, , 3] }, // eslint-disable-line no-sparse-arrays
    ];
    for (const payload of payloads) {
      const text = serializeAnswer({ messageName: "ANSWER_TO_USER", sessionId: "s", payload });
      expect(text).toBe(`{"messageName":"ANSWER_TO_USER","sessionId":"s","payload":${JSON.stringify(stripNulls(payload))}}`);
    }
  });

  it("splices the messageId token unchanged, even above 2^53", () => {
    const text = serializeAnswer({ ...answer([{ type: "text", text: "a" }]), messageId: "18446744073709551615" });
    expect(text).toContain('"messageId":18446744073709551615,');
  });
});
