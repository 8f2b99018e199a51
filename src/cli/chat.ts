// `smartapp chat`: a terminal REPL over the same runtime the webhook uses (workers, real $http,
// the SmartPay sandbox). Lines are phrases; slash commands inspect and steer the dialog.
import readline from "node:readline";
import { startRuntime } from "../runtime/runtime.js";
import type { Reply, TurnResult } from "../engine/types.js";
import { mapIn } from "../channels/smartapp/map-in.js";
import { startLocalSandbox, type LocalSandbox } from "./local-sandbox.js";
import { PAY_OUTCOMES, payDialog, type PayOutcome } from "../payments/sandbox/pay-dialog.js";

const USER = "chat-user";
const HELP = "type a phrase, a button number, or: /intent /PATH [phrase], /event NAME {json}, /state, /session, /client, /reset, /help, /quit";

export async function chat(dir: string, opts: { modules: string[]; input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }): Promise<void> {
  const out = opts.output ?? process.stdout;
  const print = (s: string) => out.write(s + "\n");
  let sandbox: LocalSandbox | undefined;
  if (!process.env.SMARTPAY_URL) sandbox = await startLocalSandbox({ port: 0, host: "127.0.0.1" });
  const runtime = await startRuntime({ dir, modules: opts.modules, store: "memory", minWorkers: 1, payments: sandbox?.payments });
  print(`smartapp chat: "${runtime.project.config.name ?? dir}" — ${HELP}`);

  let buttons: string[] = [];
  let pendingInvoice: string | undefined;
  let messageId = 1;

  // What you type becomes the SmartApp API message the assistant would send, mapped exactly as the
  // webhook maps it, so scripts see the same $request here as in production.
  async function send(messageName: string, payload: Record<string, unknown>, serverAction?: { action_id: string; parameters: Record<string, unknown> }): Promise<void> {
    const raw = {
      messageName,
      messageId: messageId++,
      sessionId: "chat-session",
      uuid: { userId: USER, sub: USER, userChannel: "B2C" },
      payload: { app_info: { projectId: "local-project", applicationId: "local-app", frontendType: "DIALOG" }, character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" }, ...payload, ...(serverAction ? { server_action: serverAction } : {}) },
    };
    const { request } = mapIn({ ...raw, messageId: String(raw.messageId), serverAction, raw });
    const { result } = await runtime.executor.run(USER, request);
    show(result);
  }

  function show(result: TurnResult): void {
    buttons = [];
    for (const r of result.replies) print(describe(r));
    if (result.error) print(`  ! ${result.error.kind} error: ${result.error.message}`);
    if (result.nlu) print("  " + describeNlu(result.nlu));
    if (result.replies.length === 0) print("  (no reply)");
    if (buttons.length > 0) print("  buttons: " + buttons.map((b, i) => `${i + 1}) ${b}`).join("  "));
    if (pendingInvoice) print("  pay dialog for invoice " + pendingInvoice + ": " + PAY_OUTCOMES.map((o, i) => `${i + 1}) ${o}`).join("  "));
  }

  function describe(r: Reply): string {
    const at = r.state ? ` (${r.state})` : "";
    switch (r.type) {
      case "text":
        return `  [text]${at} ${String(r.text)}`;
      case "buttons":
      case "inlineButtons": {
        const list = (r.buttons as { text: string }[]) ?? [];
        buttons.push(...list.map((b) => b.text));
        return `  [${r.type}]${at} ${list.map((b) => b.text).join(" | ")}`;
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
    const code = await payDialog({ sandboxUrl: sandbox.url, invoiceId, outcome });
    const parameters = { payment_response: { response_code: code, invoice_id: invoiceId }, app_info: { projectId: "local-project", systemName: "payment_app" } };
    print(`  pay dialog: ${outcome} → response_code ${code}`);
    await send("RUN_APP", { intent: "run_app" }, { action_id: "PAY_DIALOG_FINISHED", parameters });
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
    else if (text === "/reset") {
      await runtime.store.delete(USER);
      print("  session and client cleared");
    } else if (text === "/state" || text === "/session" || text === "/client") {
      const st = await runtime.store.load(USER);
      const value = text === "/state" ? st?.contextPath ?? "/" : text === "/session" ? st?.session ?? {} : st?.client ?? {};
      print("  " + JSON.stringify(value, null, 2).replace(/\n/g, "\n  "));
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

  const rl = readline.createInterface({ input: opts.input ?? process.stdin, output: out, terminal: false, prompt: "> " });
  rl.prompt();
  try {
    for await (const line of rl) {
      try {
        if (!(await handle(line))) break;
      } catch (err) {
        print(`  ! ${err instanceof Error ? err.message : String(err)}`);
      }
      rl.prompt();
    }
  } finally {
    rl.close();
    await runtime.close();
    await sandbox?.close();
  }
}
