// `smartapp chat`: a terminal REPL over the same runtime the webhook uses (workers, real $http,
// the SmartPay sandbox). Lines are phrases; slash commands inspect and steer the dialog.
import readline from "node:readline";
import { startRuntime } from "../runtime/runtime.js";
import type { BotRequest, Reply, TurnResult } from "../engine/types.js";
import { mapIn } from "../channels/smartapp/map-in.js";
import { asChannel, SMARTAPP_CHANNEL } from "../channels/emulated.js";
import { startLocalSandbox, type LocalSandbox } from "./local-sandbox.js";
import { PAY_OUTCOMES, payDialog, type PayOutcome } from "../payments/sandbox/pay-dialog.js";
import { secretMasker } from "../util/secrets.js";
import { paymentsFrom, secretValues, type SmartappConfig } from "./config.js";
import { reloadMessage, watchedFolders, watchProject } from "./watch.js";
import { formatExplanation } from "../engine/explain-text.js";
import type { TurnExplanation } from "../engine/explain.js";

const USER = "chat-user";
const HELP =
  "type a phrase, a button number, or: /intent /PATH [phrase], /event NAME {json}, /timeout (fire the scheduled timeout), " +
  "/canvas {json} (Canvas app state), /pay [pay|decline|abandon] (the payer on the last YooKassa link, in the local emulator), /why (how the last turn was decided), /state, /session, /client, /reset, /help, /quit";

/** Options of `smartapp chat`: modules, allowed hosts, environment, the streams to talk over, watch mode. */
export interface ChatOptions {
  modules: string[];
  allowHttp?: string[];
  env?: string[];
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Reload the project when one of its files is saved (default: when talking to a terminal). */
  watch?: boolean;
  /** `$request.channelType` of every turn, with that channel's request shape (src/channels/emulated.ts); default smartapp. */
  channel?: string;
}

/**
 * `smartapp chat`: talks to the project in the terminal, with the local payment sandbox unless SmartPay is
 * configured.
 */
export async function chat(dir: string, opts: ChatOptions, config: SmartappConfig): Promise<void> {
  const out = opts.output ?? process.stdout;
  let sandbox: LocalSandbox | undefined;
  if (!config.payments.url) sandbox = await startLocalSandbox({ port: 0, host: "127.0.0.1" }, config);
  // Error texts and script logs are shown here; secret values are masked as in the server's logs.
  const mask = secretMasker([...secretValues(config), ...(sandbox ? [sandbox.adminToken] : [])]);
  const print = (s: string) => out.write(mask(s) + "\n");
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime({
      dir,
      modules: opts.modules,
      store: "memory",
      minWorkers: 1,
      payments: sandbox?.payments ?? paymentsFrom(config),
      secrets: config.secrets,
      environment: config.environment,
      envDeclared: opts.env,
      allowHttp: opts.allowHttp,
      // $jsapi.log and the runtime's own messages, shown in the conversation.
      log: (level, message) => print(`  [${level}] ${message}`),
      // $yookassa pays on the sandbox's emulator; its links are paid with /pay (no notifications reach a chat).
      yookassa: sandbox ? { url: sandbox.yookassa.url, shopId: config.yookassa.shopId ?? "sandbox-shop", secretKey: sandbox.yookassa.secretKey, returnUrl: ((home) => () => home)(`${sandbox.url}/`) } : undefined,
      // A payment event is a turn of its own: shown like the turns you type.
      onPaymentEventTurn: (event, result) => {
        print(`  [payment event ${event.name}]`);
        show(result);
      },
    });
  } catch (err) {
    await sandbox?.close(); // a project that does not load must not leave the sandbox listening
    throw err;
  }
  const channel = opts.channel ?? SMARTAPP_CHANNEL;
  print(`smartapp chat: "${runtime.project.config.name ?? dir}"${channel === SMARTAPP_CHANNEL ? "" : ` as channel ${channel}`} — ${HELP}`);

  let buttons: string[] = [];
  let pendingInvoice: string | undefined;
  let yookassaLink: string | undefined; // the payment id of the last YooKassa link shown
  let messageId = 1;
  let canvasState: unknown; // sent as payload.meta.current_app.state, as the assistant does for a Canvas app
  let lastExplanation: TurnExplanation | undefined; // what /why prints

  // What you type becomes the SmartApp API message the assistant would send, mapped exactly as the
  // webhook maps it, so scripts see the same $request here as in production.
  async function send(
    messageName: string,
    payload: Record<string, unknown>,
    serverAction?: { action_id: string; parameters: Record<string, unknown> },
    adjust: (request: BotRequest) => BotRequest = (r) => r,
  ): Promise<void> {
    const meta = canvasState === undefined ? {} : { meta: { current_app: { app_info: { projectId: "local-project" }, state: canvasState } } };
    const raw = {
      messageName,
      messageId: messageId++,
      sessionId: "chat-session",
      uuid: { userId: USER, sub: USER, userChannel: "B2C" },
      payload: { app_info: { projectId: "local-project", applicationId: "local-app", frontendType: "DIALOG" }, character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" }, ...meta, ...payload, ...(serverAction ? { server_action: serverAction } : {}) },
    };
    const mapped = mapIn({ ...raw, messageId: String(raw.messageId), serverAction, raw }).request;
    // Another channel: what the text, event or intent means stays; who sent it and how is that channel's.
    const request = channel === SMARTAPP_CHANNEL ? mapped : asChannel({ ...mapped, channelType: undefined, channelUserId: undefined, rawRequest: undefined }, channel, { user: USER, seq: raw.messageId });
    // Every chat turn is explained: /why prints the last one.
    const { result } = await runtime.executor.run(USER, adjust(request), { explain: true });
    lastExplanation = result.explanation;
    show(result);
  }

  function show(result: TurnResult): void {
    buttons = [];
    for (const r of result.replies) if (r.type !== "timeout") print(describe(r)); // the timeout gets its own line below
    if (result.error) {
      const at = result.error.pos ? `${result.error.pos.file}:${result.error.pos.line}:${result.error.pos.col}: ` : "";
      print(`  ! ${result.error.kind} error: ${at}${result.error.message}`);
    }
    if (result.nlu) print("  " + describeNlu(result.nlu));
    if (result.replies.length === 0) print("  (no reply)");
    if (result.timeout) print(`  (timeout to ${result.timeout.targetState} in ${result.timeout.interval} s: /timeout fires it now)`);
    if (yookassaLink && result.replies.some((r) => JSON.stringify(r).includes(`__checkout/${yookassaLink}`))) print(`  YooKassa link of payment ${yookassaLink}: /pay pays it in the local emulator (/pay decline, /pay abandon)`);
    if (pendingInvoice) print("  pay dialog for invoice " + pendingInvoice + ": " + PAY_OUTCOMES.map((o, i) => `${i + 1}) ${o}`).join("  "));
  }

  function describe(r: Reply): string {
    const at = r.state ? ` (${r.state})` : "";
    switch (r.type) {
      case "text":
        return `  [text]${at} ${String(r.text)}`;
      case "buttons":
      case "inlineButtons": {
        // Numbered once, across every button reply of the turn: type the number to press one.
        const list = (r.buttons as { text: string }[]) ?? [];
        const first = buttons.length;
        for (const b of list) buttons.push(b.text); // one by one: a spread of 200,000 overflows the stack
        const link = (list as { url?: string }[]).map((b) => (typeof b.url === "string" ? /__checkout\/([^/?#]+)/.exec(b.url) : null)).find(Boolean);
        if (link) yookassaLink = link[1];
        return `  [${r.type}]${at} ${list.map((b, i) => `${first + i + 1}) ${b.text}`).join("  ")}`;
      }
      case "raw": {
        const body = r.body as { server_action?: { app_info?: { systemName?: string }; parameters?: { invoice_id?: string } } } | undefined;
        if (r.messageName === "POLICY_RUN_APP" && body?.server_action?.app_info?.systemName === "payment_app") {
          pendingInvoice = String(body.server_action.parameters?.invoice_id);
          return `  [pay]${at} invoice ${pendingInvoice}`;
        }
        return `  [raw ${String(r.messageName ?? "ANSWER_TO_USER")}]${at} ${JSON.stringify(r.body)}`;
      }
      default: {
        const { type, state: _state, ...rest } = r;
        return `  [${type}]${at} ${JSON.stringify(rest)}`;
      }
    }
  }

  function describeNlu(nlu: NonNullable<TurnResult["nlu"]>): string {
    const intent = nlu.intent ? `intent ${nlu.intent.path} ${nlu.intent.score.toFixed(2)}${nlu.intent.source === "request" ? " (given)" : ""}` : "no intent";
    const sel = nlu.selected ? `; selected ${nlu.selected.ruleType} → ${nlu.selected.clazz} (${nlu.selected.score.toFixed(2)})` : "; nothing selected";
    return `nlu: ${intent}${sel}`;
  }

  async function pay(outcome: PayOutcome): Promise<void> {
    const invoiceId = pendingInvoice!;
    pendingInvoice = undefined;
    if (!sandbox) {
      print("  the pay dialog needs the local sandbox (SMARTPAY_URL is set)");
      return;
    }
    const code = await payDialog({ sandboxUrl: sandbox.url, adminToken: sandbox.adminToken, invoiceId, outcome });
    const parameters = { payment_response: { response_code: code, invoice_id: invoiceId }, app_info: { projectId: "local-project", systemName: "payment_app" } };
    print(`  pay dialog: ${outcome} → response_code ${code}`);
    await send("RUN_APP", { intent: "run_app" }, { action_id: "PAY_DIALOG_FINISHED", parameters });
  }

  /** The payer on the emulator's checkout page of the last link; the payment's event turn is shown as it runs. */
  async function payLink(action: string): Promise<void> {
    if (!["pay", "decline", "abandon"].includes(action)) return void print("  /pay, /pay decline or /pay abandon");
    if (!sandbox || !runtime.yookassa) return void print("  /pay needs the local sandbox's YooKassa emulator (SMARTPAY_URL is set)");
    if (!yookassaLink) return void print("  no YooKassa link yet: let the scenario make one ($yookassa.createPayment)");
    const res = await fetch(`${sandbox.yookassa.url}/__sandbox/payments/${yookassaLink}/${action}`, { method: "POST", headers: { "x-sandbox-admin-token": sandbox.adminToken, "content-type": "application/json" }, body: "{}" });
    const answer = (await res.json()) as { status?: string; description?: string };
    if (!res.ok) return void print(`  the emulator refused: ${answer.description ?? res.status}`);
    print(`  YooKassa payment ${yookassaLink}: ${action} → ${answer.status}`);
    // What YooKassa's notification would make the server do: read the payment, raise its event, deliver it now.
    const seen = await runtime.yookassa.service.getPayment({ paymentId: yookassaLink });
    const invoiceId = typeof seen.invoiceId === "string" ? seen.invoiceId : undefined;
    // Its turn is printed before the event counts as delivered: wait for that (the core's own timer may be the one delivering).
    for (let i = 0; i < 100; i++) {
      await runtime.payments.dispatchOnce();
      if (!invoiceId || (await runtime.payments.store.events(invoiceId)).every((e) => e.deliveredAt !== undefined)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function handle(line: string): Promise<boolean> {
    const text = line.trim();
    if (!text) return true;
    if (pendingInvoice) {
      const n = Number(text);
      const outcome = (Number.isInteger(n) ? PAY_OUTCOMES[n - 1] : PAY_OUTCOMES.find((o) => o === text)) as PayOutcome | undefined;
      if (outcome) {
        await pay(outcome);
        return true;
      }
      pendingInvoice = undefined;
    }
    if (text === "/quit" || text === "/exit") return false;
    if (text === "/help") print(HELP);
    else if (text === "/pay" || text.startsWith("/pay ")) await payLink(text.slice("/pay".length).trim() || "pay");
    else if (text === "/why") print(lastExplanation ? formatExplanation(lastExplanation).map((l) => "  " + l).join("\n") : "  nothing to explain yet: send a phrase first");
    else if (text === "/reset") {
      await runtime.store.delete(USER);
      print("  session and client cleared");
    } else if (text === "/state" || text === "/session" || text === "/client") {
      const st = await runtime.store.load(USER);
      const value = text === "/state" ? st?.contextPath ?? "/" : text === "/session" ? st?.session ?? {} : st?.client ?? {};
      print("  " + JSON.stringify(value, null, 2).replace(/\n/g, "\n  "));
    } else if (text === "/timeout") {
      await send("MESSAGE_TO_SKILL", { intent: "scenario", message: { original_text: "" } }, undefined, (r) => ({ ...r, query: undefined, timeout: true }));
    } else if (text === "/canvas" || text.startsWith("/canvas ")) {
      const json = text.slice("/canvas".length).trim();
      try {
        canvasState = json ? JSON.parse(json) : undefined;
      } catch {
        print("  the Canvas state must be JSON");
        return true;
      }
      print(canvasState === undefined ? "  no Canvas state is sent now" : "  the next messages carry this Canvas state (payload.meta.current_app.state)");
    } else if (text.startsWith("/intent ")) {
      // The assistant's intent field, as a channel that recognised the intent itself would send it.
      const m = /^\/intent\s+(\S+)\s*(.*)$/.exec(text)!;
      const path = m[1]!.startsWith("/") ? m[1]! : "/" + m[1]!;
      await send("MESSAGE_TO_SKILL", { intent: path, message: { original_text: m[2] || path } });
    } else if (text.startsWith("/event ")) {
      const m = /^\/event\s+(\S+)\s*(.*)$/.exec(text)!;
      let eventData: Record<string, unknown> = {};
      try {
        eventData = m[2] ? JSON.parse(m[2]) : {};
        if (typeof eventData !== "object" || eventData === null || Array.isArray(eventData)) throw new Error("not an object");
      } catch {
        print("  event data must be a JSON object");
        return true;
      }
      await send("SERVER_ACTION", {}, { action_id: m[1], parameters: eventData });
    } else {
      const n = Number(text);
      const query = Number.isInteger(n) && n >= 1 && n <= buttons.length ? buttons[n - 1] : text;
      await send("MESSAGE_TO_SKILL", { intent: "scenario", message: { original_text: query } });
    }
    return true;
  }

  const input = opts.input ?? process.stdin;
  // On a terminal: line editing and history (Up/Down). Piped input is echoed after the prompt, so a
  // transcript reads like the conversation it was.
  const terminal = (input as { isTTY?: boolean }).isTTY === true && (out as { isTTY?: boolean }).isTTY === true;
  const rl = readline.createInterface({ input, output: out, terminal, prompt: "> ", historySize: terminal ? 500 : 0 });
  const watcher =
    (opts.watch ?? terminal)
      ? watchProject(
          () => watchedFolders(runtime.project),
          async (files) => {
            out.write("\n" + mask(await reloadMessage(runtime.project.dir, files, () => runtime.reload())));
            rl.prompt();
          },
        )
      : undefined;
  rl.prompt();
  try {
    for await (const line of rl) {
      if (!terminal) out.write(line + "\n");
      try {
        if (!(await handle(line))) break;
      } catch (err) {
        print(`  ! ${err instanceof Error ? err.message : String(err)}`);
      }
      rl.prompt();
    }
  } finally {
    watcher?.close();
    rl.close();
    await runtime.close();
    await sandbox?.close();
  }
}
