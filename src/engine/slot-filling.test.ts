// The emulated slot-filling bot around a scripted turn: what the user gets when the project's own
// return turn (`/SlotFilling/return`) switches to the bot again.
import { describe, expect, it } from "vitest";
import { processWithSlotFilling, SLOT_FILLING_BOT, type SlotFillingEnv } from "./slot-filling.js";
import { emptyUserState, type BotRequest, type HostServices, type Reply, type SlotFillingState, type TurnResult, type UserState } from "./types.js";

const env: SlotFillingEnv = { project: { config: {} }, services: { now: () => Date.UTC(2026, 0, 1) } as unknown as HostServices };

const filling = (): SlotFillingState => ({
  intent: { path: "/Order" },
  required: [{ name: "Size", entity: "Size", required: true, array: false, prompts: ["Какой размер?"] }],
  known: [{ name: "Size", value: "L", array: false }],
  entities: [],
  retries: 0,
  maxSlotRetries: 2,
  stopOnAnyIntent: false,
  stopOnAnyIntentThreshold: 0.2,
  targetState: "/SlotFilling/return",
  promptState: "/Order",
});

const turn = (replies: Reply[], state: UserState): TurnResult => ({ replies, response: { replies }, state, endSession: false, mails: [] });

/** A switch whose one required slot is still missing; `prompts` decides whether the bot can ask for it. */
const switchAgain = (prompts: string[]): Reply => ({
  type: "context-switch",
  targetBotId: SLOT_FILLING_BOT,
  parameters: { intent: { path: "/Order", slots: [{ name: "Count", entity: "duckling.number", prompts }] }, slots: [], targetState: "/SlotFilling/return" },
});

describe("the return turn switches to the slot-filling bot again", () => {
  const answer: BotRequest = { query: "большую" };

  it("with nothing the bot can ask, the switch is dropped and not followed again: the user never gets a context-switch", () => {
    const runs: BotRequest[] = [];
    const result = processWithSlotFilling(env, answer, { ...emptyUserState(), slotFilling: filling() }, (request, state) => {
      runs.push(request);
      return turn([{ type: "text", text: "back" }, switchAgain([])], state);
    });
    expect(result.replies).toEqual([{ type: "text", text: "back" }, { type: "text", text: "back" }]);
    expect(runs.map((r) => r.targetState)).toEqual(["/SlotFilling/return", "/SlotFilling/return"]);
    expect(result.state.slotFilling).toBeUndefined();
  });

  it("with a prompt to ask, a new filling starts and its prompt is the answer", () => {
    const result = processWithSlotFilling(env, answer, { ...emptyUserState(), slotFilling: filling() }, (_request, state) => turn([switchAgain(["Сколько штук?"])], state));
    expect(result.replies).toEqual([{ type: "text", text: "Сколько штук?", state: "/" }]);
    expect(result.state.slotFilling?.required.map((s) => s.name)).toEqual(["Count"]);
  });
});
