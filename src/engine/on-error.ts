// The text of messages.onError; used by the engine and by the runtime when a turn cannot run at all.
import type { ChatbotConfig } from "../project/model.js";

/** messages.onError of chatbot.yaml, localised by $request.language [D]; undefined → silence. */
export function onErrorText(config: ChatbotConfig, language: string | undefined, random: (max: number) => number): string | undefined {
  const cfg = config.messages?.onError;
  if (!cfg) return undefined;
  let text = language ? cfg.locales?.[language] : undefined;
  const list = cfg.defaultMessages?.filter((m) => typeof m === "string") ?? [];
  if (text === undefined && list.length > 0) text = list[Math.min(list.length - 1, Math.max(0, random(list.length)))];
  text ??= cfg.defaultMessage;
  return typeof text === "string" && text !== "" ? text : undefined;
}
