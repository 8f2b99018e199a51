// Which names are tags, and where each may appear. Only these names make a line a tag line (spec §2.1).

/** Tags that make a state reachable (spec §2.5); a trailing `!` makes the trigger global. */
export const TRIGGER_TAGS = new Set([
  "q", "q!", "e", "e!", "eg", "eg!", "intent", "intent!", "intentGroup", "intentGroup!", "event", "event!",
]);

/** Tags that run when a state is entered (spec §2.9), allowed inside states and inside `if:`/`random:`. */
export const REACTION_TAGS = new Set([
  "a", "script", "scriptEs6", "go", "go!", "if", "elseif", "else", "random",
  "buttons", "inlineButtons", "image", "audio", "video", "timeout", "newSession",
]);

/** Tags that build the file's structure; each is allowed only in its own places (top level, theme, state). */
export const STRUCTURE_TAGS = new Set(["require", "patterns", "init", "theme", "state"]);

/** J-Graph / visual-editor action tags seen in real projects (spec §2.11). */
export const ACTION_TAGS = new Set([
  "InputText", "HttpRequest", "EndSession", "SetCallResult", "InputNumber", "SetScenarioAction",
  "SetAutomationStatus", "Repeatable", "SberCard", "CounterWithTransition", "GoogleSheets", "Email",
  "InputPhoneNumber", "TransferToOperator", "TransferCallToOperator", "TelegramPayment", "Confirmation",
  "CardList", "Sms",
]);

/** Tags whose value may carry `|| key = value` parameters (spec §2.9, last paragraph). */
export const PARAM_TAGS = new Set(["state", "theme", "a", "image", "audio", "video", "timeout", ...TRIGGER_TAGS]);

/** Tags that must have a value. */
export const VALUE_REQUIRED = new Set([
  "theme", "require", "a", "go", "go!", "if", "elseif", "image", "audio", "video", "timeout", ...TRIGGER_TAGS,
]);

/** A line that may be a tag: `name:` or `name!:` then the value; the name still has to be known (TagSet). */
export const TAG_LINE = /^([A-Za-z_][A-Za-z0-9_]*!?):(.*)$/;

/** The known tag names of one project: the built-in ones plus its `customTags`, which count as action tags. */
export class TagSet {
  private readonly custom: Set<string>;
  constructor(customTags: readonly string[] = []) {
    this.custom = new Set(customTags);
  }

  isAction(name: string): boolean {
    return ACTION_TAGS.has(name) || this.custom.has(name);
  }

  isKnown(name: string): boolean {
    return TRIGGER_TAGS.has(name) || REACTION_TAGS.has(name) || STRUCTURE_TAGS.has(name) || this.isAction(name);
  }

  /** Every tag name, for the "did you mean" of an unknown one. */
  names(): string[] {
    return [...TRIGGER_TAGS, ...REACTION_TAGS, ...STRUCTURE_TAGS, ...ACTION_TAGS, ...this.custom];
  }
}
