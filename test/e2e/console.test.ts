// The web console in a real browser (Debian's Chromium driven by playwright-core): a purchase in the
// demo shop through chat, buttons and the pay dialog, with the state, graph, raw messages and tests.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startServe, type RunningServer } from "./server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Flags for a closed network and a root user (docs/console.md, "Testing").
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  server = await startServe(repoRoot, ["--store", "memory"], {}, { sandbox: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const bot = () => page.locator("#log li.bot");

describe("the web console", () => {
  it("is announced by serve and opens at /console/", async () => {
    expect(server.output()).toContain(`console at ${server.url}/console/`);
    await page.goto(`${server.url}/console`);
    await expect.poll(() => page.locator("#project").textContent()).toBe("demo-shop");
    expect(await page.locator("#graph .node").count()).toBeGreaterThan(10);
  });

  it("chats through a whole purchase: text, a suggestion button, the pay dialog, PAY_DIALOG_FINISHED", async () => {
    await page.fill("#text", "хочу слона");
    await page.press("#text", "Enter");
    await expect.poll(() => bot().last().textContent()).toContain("Добавил: Слон");

    await page.locator("#suggestions button", { hasText: "Оформить заказ" }).click();
    await expect.poll(() => page.locator("#pay").isVisible()).toBe(true);
    expect(await page.locator("#pay-invoice").textContent()).toMatch(/^\d+$/);

    await page.locator("#pay-outcomes button", { hasText: /^success$/ }).click();
    await expect.poll(() => bot().last().textContent(), { timeout: 10_000 }).toBe("Оплата прошла, спасибо за покупку!");
    expect(await page.locator("#pay").isVisible()).toBe(false);
  });

  it("shows the explained turn beside each answer: the winner, the candidates, why, the session diff", async () => {
    const why = page.locator("#log li.why");
    await expect.poll(() => why.count()).toBeGreaterThanOrEqual(3);
    // The first answer, «хочу слона»: a global pattern of the demo won.
    const first = why.first();
    expect(await first.locator("summary").textContent()).toBe("why: /AddItem ← q!: * $Buy * $Item * (scenarios/main.sc:33)");
    expect(await first.locator("details").getAttribute("open")).toBeNull();
    await first.locator("summary").click();
    expect(await first.locator("details").getAttribute("open")).not.toBeNull();
    expect(await first.textContent()).toContain('text "хочу слона" in /');
    const selected = first.locator(".candidates tr.selected");
    expect(await selected.count()).toBe(1);
    expect(await selected.textContent()).toContain("scenarios/main.sc:33");
    expect(await first.locator(".candidates tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await first.locator(".reasons li").first().textContent()).toMatch(/is the best of \d+ matching patterns: weight/);
    expect(await first.locator(".diff").first().textContent()).toContain('+cart = {"elephant":1}');
    // The last answer came from the pay dialog's PAY_DIALOG_FINISHED event.
    const last = why.last();
    expect(await last.locator("summary").textContent()).toMatch(/^why: \/PayDialogFinished → \/Payment\/Paid ← event!: PAY_DIALOG_FINISHED \(scenarios\/[\w.]+:\d+\)$/);
    await last.locator("summary").click();
    expect(await last.textContent()).toContain("event PAY_DIALOG_FINISHED");
    expect(await last.textContent()).toContain("decided by event");

    // The API behind it reads only the console's own dialogs.
    const userId = await page.locator("#user").textContent();
    expect((await fetch(`${server.url}/console/api/users/${userId}/turns/1`)).status).toBe(200);
    expect((await fetch(`${server.url}/console/api/users/${userId}/turns/999`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/api/users/sub-someone-else/turns/1`)).status).toBe(403);
  });

  it("shows the stored state, lights the current state in the graph and keeps the raw messages", async () => {
    await expect.poll(() => page.locator("#context-path").textContent()).toBe("/Payment/Paid");
    expect(await page.locator("#session").textContent()).toContain("orderNo: 1");

    await page.locator("[role=tab][data-tab=graph]").click();
    expect(await page.locator("#graph .node.current").getAttribute("data-path")).toBe("/Payment/Paid");

    await page.locator("[role=tab][data-tab=raw]").click();
    expect(await page.locator("#raw-request").textContent()).toContain('"action_id": "PAY_DIALOG_FINISHED"');
    expect(await page.locator("#raw-response").textContent()).toContain('"messageName": "ANSWER_TO_USER"');

    const shot = process.env.CONSOLE_SCREENSHOT ?? path.join(mkdtempSync(path.join(tmpdir(), "console-")), "console.png");
    await page.locator("[role=tab][data-tab=state]").click();
    await page.screenshot({ path: shot });
    expect(existsSync(shot)).toBe(true);
  });

  it("runs the project's XML tests", async () => {
    await page.locator("[role=tab][data-tab=tests]").click();
    await page.locator("#run-tests").click();
    await expect.poll(() => page.locator("#tests-summary").textContent(), { timeout: 60_000 }).toMatch(/^\d+ passed, 0 failed, 0 skipped$/);
    expect(await page.locator("#tests tr.passed").count()).toBeGreaterThan(10);
  }, 90_000);

  it("sends a browser that opens the server to the console", async () => {
    await page.goto(server.url);
    expect(page.url()).toBe(`${server.url}/console/`);
  });

  it("never reads a dialog it did not start", async () => {
    const res = await fetch(`${server.url}/console/api/users/sub-someone-else`);
    expect(res.status).toBe(403);
  });
});
