// Intents and system entities through the real entry points: `smartapp serve` over HTTP (the text
// classified, the assistant's own intent field taken) and `smartapp chat` (/intent, the nlu line).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "../../src/cli/chat.js";
import { readConfig } from "../../src/cli/config.js";
import { terminal } from "../helpers/terminal.js";
import { bubbles, post, repoRoot, say, smartappMessage, startServe, type RunningServer } from "./server.js";

const fixture = path.join(repoRoot, "test/fixtures/engine/nlu");

describe("webhook with the project's NLU data", () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "e2e-nlu-"));
    cpSync(fixture, dir, { recursive: true });
    server = await startServe(dir, ["--store", "memory"]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("classifies original_text into the project's intent", async () => {
    const r = await post(server.url, say("добрый день", "nlu-1"));
    expect(r.status).toBe(200);
    expect(bubbles(r.json)).toEqual(["greeting /Greeting"]);
  });

  it("takes the assistant's intent field when it names a project intent", async () => {
    const msg = smartappMessage("MESSAGE_TO_SKILL", { intent: "/Support/Operator", message: { original_text: "что-то совсем другое" } }, "nlu-2");
    expect(bubbles((await post(server.url, msg)).json)).toEqual(["support /Support/Operator"]);
  });

  it("fills entities offline: a date and time, a phone number, a geo slot", async () => {
    expect(bubbles((await post(server.url, say("запишите меня на завтра в 6 вечера", "nlu-3"))).json)[0]).toMatch(/^booked \d{4}-\d{1,2}-\d{1,2} 18:0$/);
    expect(bubbles((await post(server.url, say("мой телефон +7 (911) 344-55-93", "nlu-4"))).json)).toEqual(["phone 79113445593"]);
    expect(bubbles((await post(server.url, say("какая погода в казани", "nlu-5"))).json)).toEqual(["weather /Weather", "in казань / казань / казань"]);
  });
});

describe("webhook with required slots (docs/nlu.md, \"Slot filling\")", () => {
  let dir: string;
  let server: RunningServer | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "e2e-slots-"));
    cpSync(path.join(repoRoot, "test/fixtures/engine/slots"), dir, { recursive: true });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("asks for the missing slot, keeps the filling in the SQLite store across a restart, then answers with it", async () => {
    server = await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("хочу большую пиццу", "slots-1"))).json)).toEqual(["Сколько штук?"]);
    await server.stop();
    server = await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("3", "slots-1"))).json)).toEqual(["order L x 3 (/Order, 3)"]);
  }, 120_000);

  it("gives two slots of one entity the phrase's numbers in turn, and an answer to the slot still empty", async () => {
    await server?.stop();
    server = await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("цены от 10 до 25", "slots-2"))).json)).toEqual(["range 10..25"]);
    expect(bubbles((await post(server.url, say("цена от 10", "slots-3"))).json)).toEqual(["Цена до?"]);
    expect(bubbles((await post(server.url, say("25", "slots-3"))).json)).toEqual(["range 10..25"]);
  }, 120_000);

  it("keeps the filling across a SERVER_ACTION event (a payment's PAY_DIALOG_FINISHED) and takes the next text as the answer", async () => {
    server ??= await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("хочу пиццу", "slots-4"))).json)).toEqual(["Какой размер?"]);
    const paid = smartappMessage("SERVER_ACTION", { server_action: { action_id: "PAY_DIALOG_FINISHED", parameters: {} } }, "slots-4");
    expect(bubbles((await post(server.url, paid)).json)).toEqual(["paid"]);
    expect(bubbles((await post(server.url, say("маленькую", "slots-4"))).json)).toEqual(["Сколько штук?"]);
    expect(bubbles((await post(server.url, say("2", "slots-4"))).json)).toEqual(["order S x 2 (/Order, 2)"]);
  }, 120_000);

  it("fills an array slot with every value in the phrase", async () => {
    server ??= await startServe(dir, ["--store", "sqlite"]);
    expect(bubbles((await post(server.url, say("билет 7 числа 3 14 15", "slots-5"))).json)).toEqual(["ticket 7: 3+14+15"]);
  }, 120_000);
});

describe("chat with the project's NLU data", () => {
  it("prints the recognised intent and forces one with /intent", async () => {
    const { input, output, text: printed } = terminal();
    const running = chat(fixture, { modules: [], input, output, watch: false }, readConfig({}));
    input.write("добрый день\n/intent /Support/Refund что-нибудь\n");
    input.end();
    await running;
    const turns = printed().split("> ").slice(1);
    expect(turns[0]).toContain("greeting /Greeting");
    expect(turns[0]).toMatch(/nlu: intent \/Greeting \d\.\d\d; selected intent → \/Greeting/);
    expect(turns[1]).toContain("support /Support/Refund");
    expect(turns[1]).toContain("nlu: intent /Support/Refund 1.00 (given)");
  });
});
