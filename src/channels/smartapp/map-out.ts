// TurnResult → SmartApp API answer (spec smartapp-api.md §3 and §6.3). Layout choices marked [Inf]
// in docs/smartapp-webhook.md.
import type { Reply, TurnResult } from "../../engine/types.js";
import { splitBubbleText } from "./bubbles.js";
import type { EnvelopeIds, SmartAppAnswer } from "./types.js";

export interface AnswerContext extends EnvelopeIds {
  /** The request payload: `device` and `projectName` are copied into answers, as salutejs does. */
  requestPayload?: Record<string, unknown>;
}

/** Error codes of ERROR answers the channel makes itself [Inf: the platform only says "number"]. */
export const ERROR_CODES = { turnFailed: 500, deadline: 504 } as const;

export const SENT_REPLY_TYPES = new Set(["text", "buttons", "inlineButtons", "image", "card", "cardList", "raw"]);

export function errorAnswer(ids: EnvelopeIds, code: number, description: string): SmartAppAnswer {
  return { messageName: "ERROR", messageId: ids.messageId, sessionId: ids.sessionId, uuid: ids.uuid, payload: { code, description } };
}

interface Speech {
  value: string;
  ssml: boolean;
}

export function mapOut(result: TurnResult, ctx: AnswerContext): SmartAppAnswer {
  const ids = { messageId: ctx.messageId, sessionId: ctx.sessionId, uuid: ctx.uuid };
  const replies = result.replies.filter((r) => SENT_REPLY_TYPES.has(r.type));
  if (replies.length === 0) {
    if (result.error) return errorAnswer(ids, ERROR_CODES.turnFailed, `the scenario failed (${result.error.kind} error)`);
    return { ...ids, messageName: "NOTHING_FOUND", payload: {} };
  }

  const items: unknown[] = [];
  const speech: Speech[] = [];
  const buttons: unknown[] = [];
  const rawBodies: Record<string, unknown>[] = [];
  let messageName = "ANSWER_TO_USER";
  let autoListening: boolean | undefined;

  for (const reply of replies) {
    if (typeof reply.auto_listening === "boolean") autoListening = (autoListening ?? false) || reply.auto_listening;
    switch (reply.type) {
      case "text":
        append(items, textBubbles(reply));
        addSpeech(speech, reply);
        break;
      case "buttons":
      case "inlineButtons":
        append(buttons, suggestionButtons(reply.buttons));
        break;
      case "image":
        if (typeof reply.imageUrl === "string") items.push({ card: listCard([imageCell(reply.imageUrl, reply.hash)]) });
        break;
      case "card":
        items.push({ card: cardFromReply(reply) });
        break;
      case "cardList":
        items.push({ card: cardListFromReply(reply) });
        append(buttons, suggestionButtons(reply.buttons));
        break;
      case "raw":
        if (isObject(reply.body)) rawBodies.push(reply.body);
        if (typeof reply.messageName === "string" && reply.messageName !== "") messageName = reply.messageName;
        break;
    }
  }

  const spoken = joinSpeech(speech);
  const copied = copiedFields(ctx.requestPayload);
  if (messageName !== "ANSWER_TO_USER") {
    // Another message (POLICY_RUN_APP, CALL_RATING, NOTHING_FOUND…) carries only what raw replies
    // put in it; bubbles and buttons have no place there, but the spoken text stays (spec §6.4).
    let payload: Record<string, unknown> = {};
    if (messageName === "POLICY_RUN_APP" && spoken) payload = { ...spoken };
    for (const body of rawBodies) payload = deepMerge(payload, body);
    const withIds = messageName === "NOTHING_FOUND" || messageName === "ERROR" ? payload : { ...copied, ...payload };
    return { ...ids, messageName, payload: withIds };
  }
  // Built field by field: a literal mixing spreads and fields cost several µs per answer.
  let payload: Record<string, unknown> = copied;
  if (spoken) {
    payload.pronounceText = spoken.pronounceText;
    if (spoken.pronounceTextType !== undefined) payload.pronounceTextType = spoken.pronounceTextType;
  }
  payload.items = items;
  if (buttons.length > 0) payload.suggestions = { buttons };
  if (autoListening !== undefined) payload.auto_listening = autoListening;
  if (result.endSession) payload.finished = true;
  for (const body of rawBodies) payload = deepMerge(payload, body);
  return { messageId: ids.messageId, sessionId: ids.sessionId, uuid: ids.uuid, messageName, payload };
}

/**
 * Appends one by one: `push(...list)` passes every element as an argument on the stack, and a
 * script's reply with a few hundred thousand buttons overflowed it, so the turn's committed answer
 * became a 500 "internal error" (docs/security.md, "Third red-team round").
 */
function append(to: unknown[], list: readonly unknown[]): void {
  for (const x of list) to.push(x);
}

function copiedFields(requestPayload: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (requestPayload?.projectName !== undefined) out.projectName = requestPayload.projectName;
  if (requestPayload?.device !== undefined) out.device = requestPayload.device;
  return out;
}

function textBubbles(reply: Reply): unknown[] {
  // JAICP's `markdown` is the markdown version of the text; SmartApp's bubble flag is a boolean.
  const md = typeof reply.markdown === "string" && reply.markdown !== "" ? reply.markdown : undefined;
  const text = md ?? (typeof reply.text === "string" ? reply.text : "");
  const markdown = md !== undefined ? true : typeof reply.markdown === "boolean" ? reply.markdown : undefined;
  const expand = typeof reply.expand_policy === "string" ? reply.expand_policy : undefined;
  return splitBubbleText(text).map((t) => ({ bubble: { text: t, markdown, expand_policy: expand } }));
}

function addSpeech(speech: Speech[], reply: Reply): void {
  if (typeof reply.ssml === "string" && reply.ssml.trim() !== "") speech.push({ value: reply.ssml, ssml: true });
  else if (typeof reply.tts === "string" && reply.tts.trim() !== "") speech.push({ value: reply.tts, ssml: false });
  else if (typeof reply.text === "string" && reply.text.trim() !== "") speech.push({ value: reply.text, ssml: false });
}

function joinSpeech(speech: Speech[]): { pronounceText: string; pronounceTextType?: string } | undefined {
  if (speech.length === 0) return undefined;
  if (!speech.some((s) => s.ssml)) return { pronounceText: speech.map((s) => s.value.trim()).join(" ") };
  // Mixing SSML and plain text: one <speak> document, plain parts XML-escaped.
  const inner = speech.map((s) => (s.ssml ? s.value.trim().replace(/^<speak>([\s\S]*)<\/speak>$/, "$1") : escapeXml(s.value.trim())));
  return { pronounceText: `<speak>${inner.join(" ")}</speak>`, pronounceTextType: "application/ssml" };
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

function suggestionButtons(list: unknown): unknown[] {
  if (!Array.isArray(list)) return [];
  const out: unknown[] = [];
  for (const b of list) {
    const button = typeof b === "string" ? { text: b } : isObject(b) ? b : undefined;
    const title = typeof button?.text === "string" ? button.text : undefined;
    if (!button || !title) continue;
    out.push({ title, action: buttonAction(title, button.url) });
  }
  return out;
}

function buttonAction(text: string, url: unknown): Record<string, unknown> {
  // A button press comes back as the button's text, which the engine matches (buttons / transitions).
  if (typeof url === "string" && url !== "") return { type: "deep_link", deep_link: url };
  return { type: "text", text, should_send_to_backend: true };
}

function listCard(cells: unknown[]): Record<string, unknown> {
  return { type: "list_card", cells };
}

function imageCell(url: string, hash: unknown): Record<string, unknown> {
  return { type: "image_cell_view", content: { url, hash: typeof hash === "string" ? hash : undefined } };
}

function textCell(text: string, typeface: string, color?: string): Record<string, unknown> {
  return { type: "text_cell_view", content: { text, typeface, text_color: color } };
}

function cardFromReply(reply: Reply): Record<string, unknown> {
  const cells: unknown[] = [];
  if (typeof reply.imageUrl === "string" && reply.imageUrl !== "") cells.push(imageCell(reply.imageUrl, reply.hash));
  if (typeof reply.title === "string" && reply.title !== "") cells.push(textCell(reply.title, "headline3"));
  if (typeof reply.description === "string" && reply.description !== "") cells.push(textCell(reply.description, "body1", "secondary"));
  const cardButtons = [reply.button, ...(Array.isArray(reply.buttons) ? reply.buttons : [])];
  for (const b of cardButtons) {
    if (!isObject(b) || typeof b.text !== "string" || b.text === "") continue;
    cells.push({
      type: "button_cell_view",
      content: { text: b.text, typeface: "button1", style: "default", type: "accept", actions: [buttonAction(b.text, b.url)] },
    });
  }
  return listCard(cells);
}

function cardListFromReply(reply: Reply): Record<string, unknown> {
  const cells: unknown[] = [];
  if (typeof reply.title === "string" && reply.title !== "") cells.push(textCell(reply.title, "headline3"));
  if (typeof reply.subtitle === "string" && reply.subtitle !== "") cells.push(textCell(reply.subtitle, "body1", "secondary"));
  for (const c of Array.isArray(reply.cells) ? reply.cells : []) {
    if (!isObject(c)) continue;
    const title = typeof c.title === "string" ? c.title : "";
    const action = isObject(c.action)
      ? typeof c.action.url === "string"
        ? buttonAction(title, c.action.url)
        : typeof c.action.text === "string"
          ? buttonAction(c.action.text, undefined)
          : undefined
      : undefined;
    cells.push({
      type: "left_right_cell_view",
      left: {
        type: "simple_left_view",
        texts: { title: { text: title }, subtitle: typeof c.subtitle === "string" ? { text: c.subtitle } : undefined },
        icon_and_value: typeof c.iconUrl === "string" ? { icon: { address: { type: "url", url: c.iconUrl, hash: c.hash } } } : undefined,
      },
      right: typeof c.value === "string" || typeof c.value === "number" ? { type: "detail_right_view", detail: { text: String(c.value) } } : undefined,
      actions: action ? [action] : undefined,
    });
  }
  return listCard(cells);
}

/** Objects merge key by key, arrays concatenate (items, suggestions.buttons), anything else: last wins. */
export function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) continue;
    // Own members only, always defined as data: a "__proto__" key never reaches Object.prototype.
    const cur = Object.hasOwn(out, k) ? out[k] : undefined;
    let value: unknown = v;
    if (Array.isArray(cur) && Array.isArray(v)) value = [...cur, ...v];
    else if (isObject(cur) && isObject(v)) value = deepMerge(cur, v);
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
