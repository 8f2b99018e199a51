// The SmartPay sandbox that `serve` and `chat` start when no real SmartPay is configured.
import { randomBytes } from "node:crypto";
import { startSandbox } from "../payments/sandbox/server.js";
import type { SmartappConfig } from "./config.js";
import { SandboxClock } from "../payments/sandbox/core.js";
import { createYooKassaEmulator } from "../payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../payments/yookassa/emulator-core.js";
import { createShopAppSandbox, type ShopAppSandbox } from "../payments/imshop/app-sandbox.js";

/** The SmartPay token the local sandbox accepts when SMARTPAY_TOKEN is not set. */
export const SANDBOX_TOKEN = "sandbox-token";

/** The payment sandboxes `serve` and `chat` start when no real SmartPay is configured, and how to reach them. */
export interface LocalSandbox {
  url: string;
  /** What the host's own SmartPay client uses (not scripts' $http). */
  payments: { baseUrl: string; token: string; timeoutMs?: number };
  /** The /__sandbox admin routes' token: the pay-dialog emulator and `chat` use it; scripts never see it. */
  adminToken: string;
  /** The YooKassa emulator mounted beside SmartPay: its API base and secret key; `notifyTo` points its notifications at the runtime. */
  yookassa: { url: string; secretKey: string; notifyTo(url: string): void };
  /** The shop app of webhook acquiring (docs/payments.md): its sync URL, and what serve tells it once it listens. */
  imshopApp: ShopAppSandbox & { syncUrl: string };
  /** The sandbox's virtual clock (moved only by its admin route, `POST …/__sandbox/clock`): the emulators and, with them, the merchant notifications run on it. */
  clock: { now(): number };
  close(): Promise<void>;
}

/** Starts the SmartPay sandbox with the YooKassa emulator and the shop-app sandbox beside it, on one virtual clock. */
export async function startLocalSandbox(opts: { port: number; host: string }, config: SmartappConfig): Promise<LocalSandbox> {
  const token = config.payments.token ?? SANDBOX_TOKEN;
  // A script may pass the secret "$pay_api_key" instead of relying on SMARTPAY_TOKEN: accept both.
  const secret = config.secrets.pay_api_key;
  const adminToken = config.sandboxAdminToken ?? randomBytes(18).toString("base64url");
  const clock = new SandboxClock(); // one virtual clock for SmartPay and the YooKassa emulator at /yookassa/v3
  // Its test-control routes can mark a payment paid: the same admin token as the SmartPay sandbox's.
  const yookassa = createYooKassaEmulator({ clock, secretKey: config.yookassaSecretKey, adminToken });
  // It knows serve's IMSHOP_SECRET (the same process) to check the signatures of the statuses it receives.
  const imshopApp = createShopAppSandbox({ adminToken, now: () => clock.now(), defaults: { secret: config.imshop.secret } });
  const sb = await startSandbox({ port: opts.port, host: opts.host, clock, yookassa: yookassa.router, imshopApp: imshopApp.router, tokens: secret && secret !== token ? [token, secret] : [token], adminToken });
  const close = () => {
    yookassa.core.close();
    return sb.close();
  };
  const yk = {
    url: `${sb.url}/yookassa/v3`,
    secretKey: config.yookassaSecretKey ?? DEFAULT_EMULATOR_SECRET_KEY,
    notifyTo: (url: string) => void (yookassa.core.notifications.url = url),
  };
  return {
    url: sb.url,
    payments: { baseUrl: `${sb.url}/smartpay/v1`, token, timeoutMs: config.payments.timeoutMs },
    adminToken,
    yookassa: yk,
    imshopApp: Object.assign(imshopApp, { syncUrl: `${sb.url}/imshop-app/sync` }),
    clock: { now: () => clock.now() },
    close,
  };
}
