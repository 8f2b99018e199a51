// Starts the real `smartapp serve` as a child process and speaks SmartApp API to it over HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningServer {
  url: string; // http://127.0.0.1:PORT
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `sandbox: true` also starts the local SmartPay sandbox (on a free port); by default there is none.
 * `startMs`: how long it may take to listen (default 30 s; several processes start slower).
 */
export function startServe(projectDir: string, args: string[] = [], env: Record<string, string> = {}, opts: { sandbox?: boolean; startMs?: number } = {}): Promise<RunningServer> {
  const sandboxArgs = opts.sandbox ? ["--sandbox-port", "0"] : ["--no-sandbox"];
  const child = spawn(process.execPath, ["--no-node-snapshot", "--import", "tsx", path.join(repoRoot, "src/cli/index.ts"), "serve", projectDir, "--port", "0", ...sandboxArgs, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), opts.startMs ?? 30_000);
    const onData = () => {
      // With --processes the primary prints the start once every process listens.
      const m = /serving .* at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && args.includes("--processes") && !/share the port/.test(out)) return;
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({
        url: m[1],
        child,
        output: () => out,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

let nextMessageId = 1000;

export function smartappMessage(messageName: string, payload: Record<string, unknown>, user = "user-1", extra: Record<string, unknown> = {}) {
  return {
    messageId: nextMessageId++,
    sessionId: `session-${user}`,
    messageName,
    uuid: { userId: `uid-${user}`, sub: `sub-${user}`, userChannel: "B2C" },
    payload: {
      app_info: { projectId: "project-1", applicationId: "app-1", appversionId: "v1", frontendType: "DIALOG" },
      character: { id: "sber", name: "Сбер", gender: "male", appeal: "official" },
      device: { platformType: "android", platformVersion: "9", surface: "SBERBOX", surfaceVersion: "1", deviceId: "d1", features: { appTypes: ["DIALOG"] }, capabilities: { screen: { available: true }, mic: { available: true }, speak: { available: true } } },
      meta: { time: { timezone_id: "Europe/Moscow", timezone_offset_sec: 10800, timestamp: 1700000000000 } },
      new_session: false,
      ...payload,
    },
    ...extra,
  };
}

export const say = (text: string, user?: string) =>
  smartappMessage("MESSAGE_TO_SKILL", { intent: "scenario", original_intent: "scenario", message: { original_text: text, normalized_text: text, asr_normalized_message: "", entities: {}, tokenized_elements_list: [] }, selected_item: {} }, user);

export async function post(url: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) {
  const res = await fetch(`${url}/webhook`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** The bubble texts of an ANSWER_TO_USER. */
export const bubbles = (answer: any): string[] => (answer?.payload?.items ?? []).filter((i: any) => i.bubble).map((i: any) => i.bubble.text);
