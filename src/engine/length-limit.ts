// `nlp.lengthLimit` of chatbot.yaml: a text longer than it is not matched (docs/security.md, Limits).
// Matching a text costs more than its length (an entity such as `$Number` tries every start), so
// every place that matches a user's text — the scenario and the emulated slot-filling bot — asks here.
import type { ChatbotConfig } from "../project/model.js";

/** The limit when chatbot.yaml sets no `symbols`. */
export const DEFAULT_LENGTH_LIMIT_SYMBOLS = 400;

/** Whether `text` is over the project's `nlp.lengthLimit` (symbols, or words when set). */
export function overLengthLimit(config: Pick<ChatbotConfig, "nlp">, text: string): boolean {
  const cfg = config.nlp?.lengthLimit;
  if (cfg?.enabled === false) return false;
  const symbols = typeof cfg?.symbols === "number" ? cfg.symbols : DEFAULT_LENGTH_LIMIT_SYMBOLS;
  // A negative limit (`words: -1`, as real projects write it) means no limit.
  if (symbols >= 0 && text.length > symbols) return true;
  return typeof cfg?.words === "number" && cfg.words >= 0 && text.split(/\s+/).filter((w) => w !== "").length > cfg.words;
}
