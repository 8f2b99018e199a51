// `smartapp sandbox`: the local SmartPay emulator and pay dialog on their own.
import { randomBytes } from "node:crypto";
import { startSandbox } from "../payments/sandbox/server.js";

export async function sandbox(opts: {
  port: number;
  host: string;
  db?: string;
  adminToken?: string;
  duplicateOrder?: "existing" | "conflict" | "error";
  scopeByToken?: boolean;
}): Promise<void> {
  const adminToken = opts.adminToken ?? randomBytes(18).toString("base64url");
  const sb = await startSandbox({ port: opts.port, host: opts.host, dbPath: opts.db, adminToken, duplicateOrder: opts.duplicateOrder, scopeByToken: opts.scopeByToken });
  process.stdout.write(
    `smartapp: SmartPay sandbox at ${sb.url}/smartpay/v1 (pay dialog: POST ${sb.url}/__sandbox/pay-dialog)\n` +
      `smartapp: /__sandbox admin routes need the header X-Sandbox-Admin-Token: ${adminToken}\n`,
  );
  const stop = () => void sb.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
