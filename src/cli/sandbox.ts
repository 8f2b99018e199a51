// `smartapp sandbox`: the local SmartPay emulator and pay dialog on their own, with the YooKassa
// emulator beside them at /yookassa/v3.
import { randomBytes } from "node:crypto";
import { startSandbox } from "../payments/sandbox/server.js";
import { SandboxClock } from "../payments/sandbox/core.js";
import { createYooKassaEmulator } from "../payments/yookassa/emulator.js";
import { DEFAULT_EMULATOR_SECRET_KEY } from "../payments/yookassa/emulator-core.js";
import { createShopAppSandbox } from "../payments/imshop/app-sandbox.js";

/**
 * `smartapp sandbox`: the local SmartPay emulator and pay dialog on their own, with the YooKassa emulator
 * beside them.
 */
export async function sandbox(opts: {
  port: number;
  host: string;
  db?: string;
  adminToken?: string;
  duplicateOrder?: "existing" | "conflict" | "error";
  scopeByToken?: boolean;
  /** YOOKASSA_SECRET_KEY, read by the CLI's config. */
  yookassaSecretKey?: string;
  /** IMSHOP_SECRET: the shop app signs its commands with it and checks the statuses' signatures. */
  imshopSecret?: string;
}): Promise<void> {
  const adminToken = opts.adminToken ?? randomBytes(18).toString("base64url");
  const clock = new SandboxClock(); // one virtual clock for SmartPay and YooKassa
  const yookassa = createYooKassaEmulator({ clock, secretKey: opts.yookassaSecretKey, adminToken }); // its /__sandbox routes too
  const shopApp = createShopAppSandbox({ adminToken, now: () => clock.now(), defaults: { secret: opts.imshopSecret }, show: (line) => process.stdout.write(`smartapp: ${line}\n`) });
  const sb = await startSandbox({
    port: opts.port,
    host: opts.host,
    dbPath: opts.db,
    adminToken,
    duplicateOrder: opts.duplicateOrder,
    scopeByToken: opts.scopeByToken,
    clock,
    yookassa: yookassa.router,
    imshopApp: shopApp.router,
  });
  process.stdout.write(
    `smartapp: SmartPay sandbox at ${sb.url}/smartpay/v1 (pay dialog: POST ${sb.url}/__sandbox/pay-dialog)\n` +
      `smartapp: /__sandbox admin routes need the header X-Sandbox-Admin-Token: ${adminToken}\n` +
      `smartapp: YooKassa emulator at ${sb.url}/yookassa/v3 (any shop id; secret key ${opts.yookassaSecretKey ? "from YOOKASSA_SECRET_KEY" : DEFAULT_EMULATOR_SECRET_KEY})\n` +
      `smartapp: shop app (webhook acquiring): POST ${sb.url}/imshop-app/__sandbox/pay; its sync URL ${sb.url}/imshop-app/sync\n`,
  );
  const stop = () => {
    yookassa.core.close();
    void sb.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
