// Payments: the SmartPay client, the $payment host ops, and the local SmartPay + pay-dialog sandbox.
export { SmartPayClient, DEFAULT_SMARTPAY_URL, deriveStoreBaseUrl, type SmartPayClientOptions } from "./smartpay/client.js";
export * from "./smartpay/errors.js";
export type * from "./smartpay/types.js";
export { createPaymentOps, PAYMENT_OPS, MAX_WAIT_SECONDS, type PaymentOpsConfig, type PaymentOpHandler, type PaymentLogger } from "./host-ops.js";
export { startSandbox, createSandboxApp, type Sandbox, type SandboxOptions, type Quirks, type Fault } from "./sandbox/server.js";
export { SandboxCore, SandboxClock, SandboxError, type Clock } from "./sandbox/core.js";
export { runPayDialog, payDialog, playPayDialog, buildPayDialogFinished, RESPONSE_CODES, PAY_OUTCOMES, type PayOutcome, type PayDialogInput, type PayDialogResult } from "./sandbox/pay-dialog.js";
