// The SmartPay sandbox that `serve` and `chat` start when no real SmartPay is configured.
import { startSandbox } from "../payments/sandbox/server.js";
import { SandboxClock } from "../payments/sandbox/core.js";
import { createYooKassaEmulator } from "../payments/yookassa/emulator.js";

export const SANDBOX_TOKEN = "sandbox-token";

export interface LocalSandbox {
  url: string;
  payments: { baseUrl: string; token: string };
  close(): Promise<void>;
}

export async function startLocalSandbox(opts: { port: number; host: string }): Promise<LocalSandbox> {
  const token = process.env.SMARTPAY_TOKEN ?? SANDBOX_TOKEN;
  // A script may pass the secret "$pay_api_key" instead of relying on SMARTPAY_TOKEN: accept both.
  const secret = process.env.SMARTAPP_SECRET_pay_api_key;
  const clock = new SandboxClock(); // one virtual clock for SmartPay and the YooKassa emulator at /yookassa/v3
  const yookassa = createYooKassaEmulator({ clock, secretKey: process.env.YOOKASSA_SECRET_KEY || undefined });
  const sb = await startSandbox({ port: opts.port, host: opts.host, clock, yookassa: yookassa.router, tokens: secret && secret !== token ? [token, secret] : [token] });
  const close = () => {
    yookassa.core.close();
    return sb.close();
  };
  return { url: sb.url, payments: { baseUrl: `${sb.url}/smartpay/v1`, token }, close };
}
