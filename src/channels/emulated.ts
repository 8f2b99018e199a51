// Requests as JAICP channels other than the SmartApp webhook send them, for `smartapp chat --channel`
// and `smartapp test --channel`: real projects branch on `$request.channelType` and read the channel's
// own message in `$request.rawRequest` (docs/testing.md, "Channels"). Only what scripts read is
// emulated: the channel type, the user's id and name, and Telegram's update shape.
import type { BotRequest } from "../engine/types.js";

/** The channel the runtime itself serves; a request of it keeps the webhook's own mapping. */
export const SMARTAPP_CHANNEL = "smartapp";

const CHANNEL_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** A `--channel` value, or an error that says what one looks like. */
export function parseChannelType(value: string): string {
  if (!CHANNEL_TYPE.test(value)) {
    throw new Error(`${JSON.stringify(value)} is not a channel type: one is a word like telegram, chatwidget, resterisk or ${SMARTAPP_CHANNEL}`);
  }
  return value;
}

export interface ChannelTurn {
  /** Who talks: becomes the channel's user id (a number in Telegram, derived from this). */
  user: string;
  /** The turn's number in the dialog: Telegram's update and message ids. */
  seq: number;
  /** The clock for Telegram's message date; default the real one. */
  nowMs?: number;
}

/**
 * The request as a turn of `channelType` carries it: `channelType`, `channelUserId`, `userFrom` and
 * a `rawRequest` of the channel's shape. What the request already sets wins (a test's `<request>` or
 * `<rawRequest>`), so a project's own fixtures keep their meaning.
 */
export function asChannel(request: BotRequest, channelType: string, turn: ChannelTurn): BotRequest {
  if (channelType === SMARTAPP_CHANNEL) return { ...request, channelType: request.channelType ?? channelType };
  const id = channelType === "telegram" ? String(telegramId(turn.user)) : turn.user;
  const out: BotRequest = { ...request, channelType: request.channelType ?? channelType, channelUserId: request.channelUserId ?? id };
  out.userFrom ??= { id, firstName: "Test", lastName: "User" };
  if (out.rawRequest === undefined) out.rawRequest = channelType === "telegram" ? telegramUpdate(request, Number(id), turn) : {};
  return out;
}

/** A Telegram Bot API Update with a private chat's text message (the button texts come as text too). */
function telegramUpdate(request: BotRequest, id: number, turn: ChannelTurn): Record<string, unknown> {
  const user = { id, is_bot: false, first_name: "Test", last_name: "User", username: "test_user", language_code: "ru" };
  const message: Record<string, unknown> = {
    message_id: turn.seq,
    from: user,
    chat: { id, first_name: user.first_name, last_name: user.last_name, username: user.username, type: "private" },
    date: Math.floor((turn.nowMs ?? Date.now()) / 1000),
  };
  if (typeof request.query === "string") message.text = request.query;
  return { update_id: turn.seq, message };
}

/** A stable positive id per user name, in the range Telegram's user ids take. */
function telegramId(user: string): number {
  let h = 5381;
  for (let i = 0; i < user.length; i++) h = (h * 33 + user.charCodeAt(i)) % 2_000_000_000;
  return 100_000_000 + h;
}
