// Required-slot prompting as the platform does it (docs/nlu.md, "Slot filling"). zb-common's
// `slotfilling/slotFilling.sc` answers a turn whose intent lacks a required slot with a
// `context-switch` reply to the platform's bot `cailapub-slotfilling`; that bot asks the slots'
// prompts, fills them from the user's answers and comes back with a request to
// `/SlotFilling/return` whose `data.slots` the project's own code puts into `$parseTree`. Offline
// there is no such bot, so the engine plays it. What it has asked so far lives in the user's stored
// state (`UserState.slotFilling`): it survives a restart, and the webhook, chat and the XML test
// runner, which all go through `Engine.process`, behave alike.
import type { BotRequest, FoundEntity, FoundSlot, HostServices, IntentClassifier, IntentSlotDef, Reply, SlotFillingState, TurnResult, UserState } from "./types.js";
import type { ChatbotConfig } from "../project/model.js";
import { userWallClock } from "../nlu/clock.js";
import { overLengthLimit } from "./length-limit.js";
import type { ParseNode } from "../patterns/types.js";

/** The platform's slot-filling bot, the target of zb-common's context switch. */
export const SLOT_FILLING_BOT = "cailapub-slotfilling";

/** zb-common's settings when `injector.slotfilling` leaves them out. */
const DEFAULTS = { maxSlotRetries: 2, stopOnAnyIntent: false, stopOnAnyIntentThreshold: 0.2, targetState: "/SlotFilling/return" };

export interface SlotFillingEnv {
  project: { config: Pick<ChatbotConfig, "nlp"> };
  classifier?: IntentClassifier;
  services: HostServices;
  timezone?: string; // the NLU project's default, for dates said in an answer
}

type RunTurn = (request: BotRequest, state: UserState) => TurnResult;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A slot's value as the platform sends it: a string as is, anything else as JSON text (zb-common parses it back). */
export const slotText = (value: unknown): string => (typeof value === "string" ? value : (JSON.stringify(value) ?? ""));

/**
 * The filled slots of an intent hypothesis as a list (`debugInfo.slots`, what zb-common's preProcess
 * compares): an array slot (named in `arrays`, its value a list) gives one item per value, each with
 * `array: true`, the items zb-common's `/SlotFilling/return` pushes onto `$parseTree._<Slot>`.
 */
export function foundSlots(slots: Record<string, unknown> | undefined, arrays: readonly string[] = []): FoundSlot[] {
  return Object.entries(slots ?? {}).flatMap(([name, value]): FoundSlot[] =>
    arrays.includes(name) && Array.isArray(value) ? value.map((v) => ({ name, value: slotText(v), array: true })) : [{ name, value: slotText(value), array: false }],
  );
}

/**
 * `$context.entities` for the slots filled from the phrase: one item per entity node, `{pattern,
 * startPos, length, value, slot}` as the platform documents `$entities` (`value` always a string).
 * `startPos` counts the phrase's words split at spaces and punctuation [I].
 */
export function slotEntities(text: string, nodes: Record<string, ParseNode[]>, defs: readonly IntentSlotDef[]): FoundEntity[] {
  const phrase = wordsOf(text);
  const out: FoundEntity[] = [];
  for (const [slot, list] of Object.entries(nodes)) {
    const pattern = defs.find((d) => d.name === slot)?.entity ?? slot;
    for (const node of list) {
      const ws = wordsOf(node.text);
      out.push({ pattern, startPos: indexOfRun(phrase, ws, out), length: ws.length, value: slotText(node.value ?? node.text), slot });
    }
  }
  return out.sort((a, b) => a.startPos - b.startPos);
}

const wordsOf = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");

/** Where `run` starts in `phrase`, past the runs already placed (two slots of one entity, "от 10 до 10"). */
function indexOfRun(phrase: readonly string[], run: readonly string[], placed: readonly FoundEntity[]): number {
  if (run.length === 0) return -1;
  for (let i = 0; i + run.length <= phrase.length; i++) {
    if (run.every((w, k) => phrase[i + k] === w) && !placed.some((p) => p.startPos === i)) return i;
  }
  return -1;
}

/** `$context.intent.slots` on the platform: the intent's required slots, with their prompts. */
export function requiredSlots(classifier: IntentClassifier | undefined, path: string): IntentSlotDef[] {
  return (classifier?.slotsOf?.(path) ?? []).filter((s) => s.required);
}

/**
 * One request, with slot filling around it: an answer to a prompt is handled by the emulated bot
 * (another prompt, or the request back to the project); an answer that ends the filling without its
 * slots runs in the scenario, and so does any other request, the filling kept for the next text. A
 * turn that switches to the bot starts one.
 */
export function processWithSlotFilling(env: SlotFillingEnv, request: BotRequest, state: UserState, run: RunTurn): TurnResult {
  // A stored filling is ours, but a store may hold anything: one not of this shape is dropped.
  const ongoing = isFilling(state.slotFilling) ? state.slotFilling : undefined;
  if (!ongoing && state.slotFilling === undefined) return startIfSwitched(request, run(request, state), run);
  const rest: UserState = { ...state };
  delete rest.slotFilling;
  if (!ongoing) return startIfSwitched(request, run(request, rest), run);
  if (!isAnswer(request)) return keptAcross(ongoing, state, startIfSwitched(request, run(request, rest), run));
  const step = answer(env, ongoing, request);
  if (step.kind === "ask") return promptTurn(rest, step.filling, step.slot);
  if (step.kind === "return") return startIfSwitched(request, run(returnRequest(request, step.filling), rest), run);
  return startIfSwitched(request, run(request, rest), run);
}

/**
 * An event, a timeout or a request with its own target is not the user's answer: it runs in the
 * scenario and the filling goes on, its next text answering the prompt — a payment's
 * `PAY_DIALOG_FINISHED` must not lose the order being asked for [I]. A turn that starts a filling of
 * its own replaces it; one that ends the session or starts a new one ($reactions.newSession,
 * $jsapi.startSession/stopSession) ends it: a new session begins with no prompt of the old one.
 */
function keptAcross(filling: SlotFillingState, before: UserState, result: TurnResult): TurnResult {
  if (result.state.slotFilling !== undefined) return result;
  if (result.endSession || result.newSession !== undefined || result.state.sessionId !== before.sessionId) return result;
  return { ...result, state: { ...result.state, slotFilling: filling } };
}

const isFilling = (v: unknown): v is SlotFillingState =>
  isObject(v) && isObject(v.intent) && Array.isArray(v.required) && Array.isArray(v.known) && typeof v.retries === "number" && typeof v.targetState === "string";

/** A text from the user; events, timeouts and requests with their own target go to the scenario. */
const isAnswer = (r: BotRequest): r is BotRequest & { query: string } =>
  typeof r.query === "string" && r.event === undefined && r.targetState === undefined && r.timeout !== true;

type Step = { kind: "ask"; filling: SlotFillingState; slot: IntentSlotDef } | { kind: "return"; filling: SlotFillingState } | { kind: "stop" };

/**
 * The bot's reading of one answer. It stops — the answer then runs in the scenario — on `/start`,
 * on an answer longer than `nlp.lengthLimit` (matched for nothing, as in the scenario), on an
 * answer that fills no slot but is an intent above `stopOnAnyIntentThreshold` when
 * `stopOnAnyIntent` is set, and when the slot it asks for stays empty `maxSlotRetries` times (the
 * platform's docs, cited in docs/nlu.md).
 */
function answer(env: SlotFillingEnv, filling: SlotFillingState, request: BotRequest & { query: string }): Step {
  const text = request.query.trim();
  if (/^\/start$/i.test(text)) return { kind: "stop" };
  // What the scenario would not match is no answer either: its lengthLimit event (or silence) answers it.
  if (overLengthLimit(env.project.config, request.query)) return { kind: "stop" };
  const asked = nextToAsk(filling);
  const path = typeof filling.intent.path === "string" ? filling.intent.path : "";
  const now = userWallClock(env.services.now(), request.timezoneOffsetSec, env.timezone);
  // The slots already filled take no occurrence: an answer's entity goes to the slots still empty.
  const filled = new Set(filling.known.map((k) => k.name));
  const nodes = path !== "" ? (env.classifier?.fillSlots?.(path, text, now, filled) ?? {}) : {};
  const known = [...filling.known];
  for (const slot of filling.required) {
    if (known.some((k) => k.name === slot.name)) continue;
    for (const node of nodes[slot.name] ?? []) known.push({ name: slot.name, value: slotText(node.value ?? node.text), array: slot.array });
  }
  // An answer that fills a slot is an answer, whatever intent it also resembles (a number slot's
  // answer is often an intent of its own, like `/Number` with the phrase `@duckling.number`) [I].
  if (known.length === filling.known.length && filling.stopOnAnyIntent && env.classifier) {
    const best = env.classifier.classify(text)[0];
    if (best && best.score > filling.stopOnAnyIntentThreshold) return { kind: "stop" };
  }
  const next = nextToAsk({ ...filling, known });
  if (!next) return { kind: "return", filling: { ...filling, known } };
  const retries = next.name === asked?.name ? filling.retries + 1 : 0;
  if (retries >= filling.maxSlotRetries) return { kind: "stop" };
  return { kind: "ask", filling: { ...filling, known, retries }, slot: next };
}

/** The first required slot still empty that has a prompt to ask (a slot without prompts cannot be asked for) [I]. */
function nextToAsk(filling: Pick<SlotFillingState, "required" | "known">): IntentSlotDef | undefined {
  return filling.required.find((s) => s.prompts.length > 0 && !filling.known.some((k) => k.name === s.name));
}

/** The platform asks a slot's prompts in order, the first one first [I]: the n-th retry asks the next. */
const promptOf = (slot: IntentSlotDef, retries: number): string => slot.prompts[retries % slot.prompts.length]!;

/** The bot's answer: the prompt, stamped with the intent's state it leads to; the scenario's state is untouched. */
function promptTurn(state: UserState, filling: SlotFillingState, slot: IntentSlotDef): TurnResult {
  const reply: Reply = { type: "text", text: promptOf(slot, filling.retries), state: filling.promptState };
  const next: UserState = { ...state, slotFilling: filling };
  delete next.lastButtons;
  return { replies: [reply], response: { replies: [reply] }, state: next, endSession: false, mails: [] };
}

const CHANNEL_FIELDS = ["channelType", "channelUserId", "botId", "questionId", "language", "timezoneOffsetSec", "rawRequest", "userFrom"] as const;

/** The bot's request back to the project: the user's last text, to the switch's target state, with the slots. */
function returnRequest(request: BotRequest, filling: SlotFillingState): BotRequest {
  const back: BotRequest = {};
  for (const k of CHANNEL_FIELDS) if (request[k] !== undefined) (back as Record<string, unknown>)[k] = request[k];
  const data = isObject(request.data) ? request.data : {};
  return { ...back, query: request.query, targetState: filling.targetState, data: { ...data, slots: filling.known, intent: filling.intent, entities: filling.entities } };
}

const isSwitch = (r: Reply): boolean => r.type === "context-switch" && r.targetBotId === SLOT_FILLING_BOT;

function withoutSwitch(result: TurnResult): TurnResult {
  if (!result.replies.some(isSwitch)) return result;
  const replies = result.replies.filter((r) => !isSwitch(r));
  return { ...result, replies, response: { ...result.response, replies } };
}

/**
 * A turn that answered with the context switch to the slot-filling bot: the switch is not sent to
 * the user; the bot asks the first prompt in the same answer, as on the platform, and the filling is
 * kept in the new state. With no slot it can ask for, the bot goes back to the project at once.
 */
function startIfSwitched(request: BotRequest, result: TurnResult, run: RunTurn): TurnResult {
  const sw = result.replies.find(isSwitch);
  if (!sw) return result;
  const replies = result.replies.filter((r) => !isSwitch(r));
  const promptState = result.nlu?.selected?.clazz ?? result.finalState ?? result.state.contextPath;
  const filling = fillingFrom(sw.parameters, promptState);
  const state: UserState = { ...result.state };
  if (!filling) return { ...result, replies, response: { ...result.response, replies } };
  const slot = nextToAsk(filling);
  if (!slot) {
    // Going back at once; a switch that turn makes again has nothing to ask either: it is dropped,
    // never sent to the user, and never followed round again.
    const back = withoutSwitch(run(returnRequest(request, filling), state));
    const all = [...replies, ...back.replies];
    return { ...back, replies: all, response: { ...back.response, replies: all }, mails: [...result.mails, ...back.mails] };
  }
  const prompt = promptTurn(state, filling, slot);
  const all = [...replies, ...prompt.replies];
  return { ...result, replies: all, response: { ...result.response, replies: all }, state: prompt.state };
}

/** The switch's `parameters` as zb-common builds them; null when they are not that shape (the switch is then dropped). */
function fillingFrom(parameters: unknown, promptState: string): SlotFillingState | null {
  if (!isObject(parameters) || !isObject(parameters.intent)) return null;
  const intent = parameters.intent;
  const required = (Array.isArray(intent.slots) ? intent.slots : []).filter(isObject).filter((s) => typeof s.name === "string" && s.name !== "").map(
    (s): IntentSlotDef => ({
      name: s.name as string,
      entity: typeof s.entity === "string" ? s.entity : "",
      required: true,
      array: s.array === true,
      prompts: (Array.isArray(s.prompts) ? s.prompts : []).filter((p): p is string => typeof p === "string" && p.trim() !== ""),
    }),
  );
  const known = (Array.isArray(parameters.slots) ? parameters.slots : [])
    .filter(isObject)
    .filter((s) => typeof s.name === "string")
    .map((s): FoundSlot => ({ name: s.name as string, value: slotText(s.value), array: s.array === true }));
  const num = (v: unknown, dflt: number) => (typeof v === "number" && Number.isFinite(v) ? v : dflt);
  return {
    intent,
    required,
    known,
    entities: Array.isArray(parameters.entities) ? parameters.entities : [],
    retries: 0,
    maxSlotRetries: num(parameters.maxSlotRetries, DEFAULTS.maxSlotRetries),
    stopOnAnyIntent: typeof parameters.stopOnAnyIntent === "boolean" ? parameters.stopOnAnyIntent : DEFAULTS.stopOnAnyIntent,
    stopOnAnyIntentThreshold: num(parameters.stopOnAnyIntentThreshold, DEFAULTS.stopOnAnyIntentThreshold),
    targetState: typeof parameters.targetState === "string" && parameters.targetState.trim() !== "" ? parameters.targetState : DEFAULTS.targetState,
    promptState,
  };
}
