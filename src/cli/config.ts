// The runtime's configuration, read from the environment once, here at the edge, and passed down as
// one typed object. Nothing below src/cli reads process.env: that is how a script came to see all of
// it. Every variable and its default is listed once in docs/configuration.md.
import { isIP } from "node:net";
import path from "node:path";
import { parseAllowRule } from "../runtime/http-policy.js";
import type { LedgerStoreConfig } from "../payments/core/open-store.js";
import type { LedgerStoreKind } from "../payments/core/store-types.js";
import { DEFAULT_NOTIFY_TIMEOUT_MS } from "../payments/merchant-webhooks/dispatcher.js";
import { merchantUrlProblem } from "../payments/merchant-webhooks/notifier.js";

/** SmartPay settings from the environment. */
export interface SmartPayConfig {
  /** SMARTPAY_URL: a real SmartPay base. Unset: `serve` and `chat` start the local sandbox. */
  url?: string;
  /** SMARTSTORE_URL: default derived from the SmartPay URL. */
  storeUrl?: string;
  /** SMARTPAY_TOKEN: the operator's SmartPay token. */
  token?: string;
  /** SMARTPAY_TIMEOUT_MS: per SmartPay call (default 8000). */
  timeoutMs?: number;
}

/** YooKassa settings from the environment (docs/yookassa.md). */
export interface YooKassaConfig {
  /** YOOKASSA_URL: a real API base (https://api.yookassa.ru/v3). Unset: the local emulator when the sandbox runs, else the real API once a shop is set. */
  url?: string;
  /** YOOKASSA_SHOP_ID: the shop (Basic auth user). Default with the local emulator: "sandbox-shop". */
  shopId?: string;
  /** YOOKASSA_RETURN_URL: where the payer returns after paying. Default: the served /payments/yookassa/return page. */
  returnUrl?: string;
  /** YOOKASSA_TRUSTED_IPS: CIDR ranges notifications may come from (comma-separated, or "any"). Default YooKassa's documented ranges. */
  trustedIps?: string[] | "any";
}

/** Where the runtime notifies the merchant of payment events (docs/payments.md). */
export interface MerchantNotifyConfig {
  /** SMARTAPP_MERCHANT_NOTIFY_URL: the merchant's https URL for payment notifications (chatbot.yaml injector.merchantNotifyUrl wins). */
  url?: string;
  /** SMARTAPP_MERCHANT_NOTIFY_SECRET: the HMAC key of the X-Payment-Signature header. */
  secret?: string;
}

/**
 * How the outboxes' dispatchers (merchant notifications, webhook acquiring's sync statuses) send one
 * try and how long a claimed row stays with the process that claimed it (docs/yookassa.md, "Where the
 * outbox lives"): the lease must outlast a try, or a slow try would be taken over and sent twice.
 */
export interface NotifyDeliveryConfig {
  /** SMARTAPP_NOTIFY_TIMEOUT_MS: one try's timeout (default 10 000). */
  timeoutMs?: number;
  /** SMARTAPP_NOTIFY_LEASE_MS: how long a claimed row is left to its process (default 6 × the timeout). */
  leaseMs?: number;
}

/** Webhook acquiring for shop apps (docs/payments.md, "Webhook acquiring for shop apps"). */
export interface ImshopConfig {
  /** IMSHOP_SECRET: the shared secret of webhook acquiring (`Authorization: Bearer …`); set, `serve` mounts /payments/imshop. */
  secret?: string;
  /** IMSHOP_SYNC_URL: where the statuses of captures answered `pending` are POSTed (issued by the app platform's manager). */
  syncUrl?: string;
  /** IMSHOP_PUBLIC_URL: where the payer's browser reaches serve (the return pages); default the served origin. */
  publicUrl?: string;
}

/** How much work one `serve` process holds at once, all users together (docs/security.md, "Limits"). */
export interface LoadConfig {
  /** SMARTAPP_MAX_TURNS: webhook turns waiting or running; the next request gets 503 (default 1000). */
  maxTurns?: number;
  /** SMARTAPP_MAX_HELD_BYTES: bytes of request bodies those turns hold (default 64 MiB). */
  maxHeldBytes?: number;
  /** SMARTAPP_MAX_HELD_BYTES_PER_ADDRESS: of those, bytes one client address may hold (default a quarter). */
  maxHeldBytesPerAddress?: number;
  /** SMARTAPP_MAX_QUEUED_TURNS: turns waiting for a worker; the next is refused (default 1000). */
  maxQueuedTurns?: number;
}

/** The runtime's whole configuration, read once from the environment at the edge and passed down (docs/configuration.md). */
export interface SmartappConfig {
  /** PORT (serve; default 8080). */
  port: number;
  /** HOST (serve; default 127.0.0.1). */
  host: string;
  /** LOG_LEVEL (default info). */
  logLevel: string;
  /** LOG_FORMAT: `json` or `pretty`; unset: pretty on a terminal, JSON lines otherwise. */
  logFormat?: "json" | "pretty";
  /** NO_COLOR (any non-empty value: false) and FORCE_COLOR (`0`/`false`: false, else true); unset: colour on a terminal. */
  color?: boolean;
  /**
   * SMARTAPP_TRUST_PROXY: addresses / CIDR ranges of the reverse proxies in front of `serve`; a
   * request from one of them is taken to come from the address its X-Forwarded-For names (the
   * YooKassa sender check). Unset: the connection's own address, always.
   */
  trustProxy?: string[];
  /**
   * SMARTAPP_CONSOLE_HOSTS: host names (comma-separated) the web console answers besides IP
   * addresses, localhost and the `--host` name (docs/console.md); `--console-host` wins.
   */
  consoleHosts?: string[];
  /** SMARTAPP_MODULES: folders with system modules, path-delimiter separated. */
  modules: string[];
  /** REDIS_URL (a redis store; also makes redis the default store) and SMARTAPP_REDIS_PREFIX. */
  redis: { url?: string; prefix?: string };
  payments: SmartPayConfig;
  /**
   * The payment ledger's store: PAYMENTS_STORE (sqlite, redis or postgres), PAYMENTS_DATABASE_URL
   * (postgres://… or redis://…; its scheme also chooses the store when PAYMENTS_STORE is unset) and
   * PAYMENTS_DATABASE_SCHEMA (PostgreSQL, default smartapp_payments).
   */
  paymentsLedger: { store?: LedgerStoreKind; url?: string; schema?: string };
  /** SMARTAPP_SECRET_<name>: project secrets for `$secrets.get(name)` and `"$name"` tokens. */
  secrets: Record<string, string>;
  /** SMARTAPP_ALLOW_HTTP (comma-separated), before the --allow-http flags. */
  allowHttp: string[];
  /** SMARTAPP_SANDBOX_ADMIN_TOKEN: the local sandbox's admin token (default: a random one per start). */
  sandboxAdminToken?: string;
  /** YOOKASSA_SECRET_KEY: the secret key the local YooKassa emulator accepts (default: its documented test key). */
  yookassaSecretKey?: string;
  yookassa: YooKassaConfig;
  merchantNotify: MerchantNotifyConfig;
  notifyDelivery: NotifyDeliveryConfig;
  imshop: ImshopConfig;
  load: LoadConfig;
  /** SMARTAPP_PROCESSES: `serve --processes` (a whole number ≥ 1, or "auto": one per core). */
  processes?: number | "auto";
  /** SMARTAPP_SESSION_LEASE_MS: how long a user's turn holds the sessions across processes (StoreOptions.lockTtlMs). */
  sessionLeaseMs?: number;
  /**
   * The environment as read at start. Scripts never see it whole: `$env.get` answers only the names a
   * project declares (chatbot.yaml `injector.variables`, or `--env`), never a secret (scriptEnvironment).
   */
  environment: Readonly<Record<string, string>>;
}

const SECRET_PREFIX = "SMARTAPP_SECRET_";

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive number`);
  return n;
}

/** `serve --processes` / SMARTAPP_PROCESSES: a whole number ≥ 1 or "auto". */
export function processCount(name: string, v: string | undefined): number | "auto" | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  if (v.trim() === "auto") return "auto";
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${v}: expected a whole number of processes (1 or more) or auto`);
  return n;
}

function wholeNumber(name: string, v: string | undefined): number | undefined {
  const n = positiveNumber(name, v);
  if (n !== undefined && !Number.isSafeInteger(n)) throw new Error(`${name}=${v}: expected a whole number`);
  return n;
}

function allowPatterns(v: string | undefined): string[] {
  const patterns = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of patterns) {
    try {
      parseAllowRule(p);
    } catch (err) {
      throw new Error(`SMARTAPP_ALLOW_HTTP: ${(err as Error).message}`);
    }
  }
  return patterns;
}

const LEDGER_KINDS: readonly LedgerStoreKind[] = ["sqlite", "redis", "postgres"];

function ledgerKind(name: string, v: string | undefined): LedgerStoreKind | undefined {
  if (v === undefined || v === "") return undefined;
  if ((LEDGER_KINDS as readonly string[]).includes(v)) return v as LedgerStoreKind;
  throw new Error(`${name}=${v}: expected sqlite, redis or postgres`);
}

/** "any", or comma-separated CIDR ranges / addresses (a bare address is one host). Throws on a malformed one. */
export function trustedIps(name: string, v: string | undefined): string[] | "any" | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  if (v.trim() === "any") return "any";
  const ranges = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const r of ranges) {
    const [ip, bits] = r.split("/");
    const width = isIP(ip ?? "") === 4 ? 32 : isIP(ip ?? "") === 6 ? 128 : 0;
    if (width === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= width))) throw new Error(`${name}: ${r} is not an IP address or CIDR range`);
  }
  return ranges;
}

/**
 * Comma-separated addresses / CIDR ranges of trusted proxies. "any" is refused: trusting every peer
 * would let any client name its own address in X-Forwarded-For.
 */
export function proxyRanges(name: string, v: string | undefined): string[] | undefined {
  const ranges = trustedIps(name, v);
  if (ranges === "any") throw new Error(`${name}: "any" would trust every client's X-Forwarded-For; name the proxies' addresses or ranges`);
  return ranges;
}

const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$/i;

/** Comma-separated DNS names (SMARTAPP_CONSOLE_HOSTS, `--console-host`), lower case; a wildcard or a port is refused. */
export function hostNames(name: string, v: string | undefined): string[] | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const names = v.split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
  const bad = names.find((n) => !HOST_NAME.test(n));
  if (bad !== undefined) throw new Error(`${name}: ${JSON.stringify(bad)} is not a host name (names only, comma-separated, no port or wildcard)`);
  return names;
}

/** SMARTAPP_NOTIFY_TIMEOUT_MS / SMARTAPP_NOTIFY_LEASE_MS; a lease no longer than a try is refused. */
function notifyDelivery(env: NodeJS.ProcessEnv): NotifyDeliveryConfig {
  const timeoutMs = positiveNumber("SMARTAPP_NOTIFY_TIMEOUT_MS", env.SMARTAPP_NOTIFY_TIMEOUT_MS);
  const leaseMs = positiveNumber("SMARTAPP_NOTIFY_LEASE_MS", env.SMARTAPP_NOTIFY_LEASE_MS);
  const tryMs = timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;
  if (leaseMs !== undefined && leaseMs <= tryMs) {
    throw new Error(`SMARTAPP_NOTIFY_LEASE_MS=${leaseMs}: must be longer than one try (${tryMs} ms, SMARTAPP_NOTIFY_TIMEOUT_MS), or another process would send a slow try again`);
  }
  return { timeoutMs, leaseMs };
}

/** IMSHOP_SYNC_URL: https, or plain http to a loopback address (development), as merchant notifications. */
function imshopSyncUrl(v: string | undefined): string | undefined {
  const url = nonEmpty(v);
  if (url === undefined) return undefined;
  const problem = merchantUrlProblem(url);
  if (problem) throw new Error(`IMSHOP_SYNC_URL: ${problem}`);
  return url;
}

/**
 * IMSHOP_PUBLIC_URL: an http(s) origin, maybe with a path prefix (behind a proxy). It is part of every
 * payment's terms at the acquirer (the return URL), so processes serving one shop must share it.
 */
function imshopPublicUrl(v: string | undefined): string | undefined {
  const url = nonEmpty(v);
  if (url === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`IMSHOP_PUBLIC_URL: ${url} is not a URL`);
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.search !== "" || u.hash !== "") throw new Error(`IMSHOP_PUBLIC_URL: ${url}: expected http(s)://host[:port][/prefix], without a query`);
  return url.replace(/\/+$/, "");
}

function logFormat(v: string | undefined): SmartappConfig["logFormat"] {
  if (v === undefined || v === "") return undefined;
  if (v === "json" || v === "pretty") return v;
  throw new Error(`LOG_FORMAT=${v}: expected json or pretty`);
}

/** The no-color.org and FORCE_COLOR conventions; NO_COLOR wins when both are set. */
function colorChoice(env: NodeJS.ProcessEnv): boolean | undefined {
  if (nonEmpty(env.NO_COLOR)) return false;
  const force = env.FORCE_COLOR;
  if (force === undefined) return undefined;
  return !(force === "0" || force.toLowerCase() === "false");
}

/** Reads the configuration from `env` (the process environment by default). Throws on a malformed value. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): SmartappConfig {
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) environment[k] = v;
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(environment)) if (k.startsWith(SECRET_PREFIX) && v !== "") secrets[k.slice(SECRET_PREFIX.length)] = v;
  return {
    port: positiveNumber("PORT", env.PORT) ?? 8080,
    host: nonEmpty(env.HOST) ?? "127.0.0.1",
    logLevel: nonEmpty(env.LOG_LEVEL) ?? "info",
    logFormat: logFormat(env.LOG_FORMAT),
    color: colorChoice(env),
    trustProxy: proxyRanges("SMARTAPP_TRUST_PROXY", env.SMARTAPP_TRUST_PROXY),
    consoleHosts: hostNames("SMARTAPP_CONSOLE_HOSTS", env.SMARTAPP_CONSOLE_HOSTS),
    modules: (env.SMARTAPP_MODULES ?? "").split(path.delimiter).filter(Boolean),
    redis: { url: nonEmpty(env.REDIS_URL), prefix: nonEmpty(env.SMARTAPP_REDIS_PREFIX) },
    payments: {
      url: nonEmpty(env.SMARTPAY_URL),
      storeUrl: nonEmpty(env.SMARTSTORE_URL),
      token: nonEmpty(env.SMARTPAY_TOKEN),
      timeoutMs: positiveNumber("SMARTPAY_TIMEOUT_MS", env.SMARTPAY_TIMEOUT_MS),
    },
    paymentsLedger: { store: ledgerKind("PAYMENTS_STORE", env.PAYMENTS_STORE), url: nonEmpty(env.PAYMENTS_DATABASE_URL), schema: nonEmpty(env.PAYMENTS_DATABASE_SCHEMA) },
    secrets,
    allowHttp: allowPatterns(env.SMARTAPP_ALLOW_HTTP),
    sandboxAdminToken: nonEmpty(env.SMARTAPP_SANDBOX_ADMIN_TOKEN),
    yookassaSecretKey: nonEmpty(env.YOOKASSA_SECRET_KEY),
    yookassa: {
      url: nonEmpty(env.YOOKASSA_URL),
      shopId: nonEmpty(env.YOOKASSA_SHOP_ID),
      returnUrl: nonEmpty(env.YOOKASSA_RETURN_URL),
      trustedIps: trustedIps("YOOKASSA_TRUSTED_IPS", env.YOOKASSA_TRUSTED_IPS),
    },
    merchantNotify: { url: nonEmpty(env.SMARTAPP_MERCHANT_NOTIFY_URL), secret: nonEmpty(env.SMARTAPP_MERCHANT_NOTIFY_SECRET) },
    notifyDelivery: notifyDelivery(env),
    load: {
      maxTurns: wholeNumber("SMARTAPP_MAX_TURNS", env.SMARTAPP_MAX_TURNS),
      maxHeldBytes: wholeNumber("SMARTAPP_MAX_HELD_BYTES", env.SMARTAPP_MAX_HELD_BYTES),
      maxHeldBytesPerAddress: wholeNumber("SMARTAPP_MAX_HELD_BYTES_PER_ADDRESS", env.SMARTAPP_MAX_HELD_BYTES_PER_ADDRESS),
      maxQueuedTurns: wholeNumber("SMARTAPP_MAX_QUEUED_TURNS", env.SMARTAPP_MAX_QUEUED_TURNS),
    },
    processes: processCount("SMARTAPP_PROCESSES", env.SMARTAPP_PROCESSES),
    sessionLeaseMs: wholeNumber("SMARTAPP_SESSION_LEASE_MS", env.SMARTAPP_SESSION_LEASE_MS),
    imshop: { secret: nonEmpty(env.IMSHOP_SECRET), syncUrl: imshopSyncUrl(env.IMSHOP_SYNC_URL), publicUrl: imshopPublicUrl(env.IMSHOP_PUBLIC_URL) },
    environment,
  };
}

/** The operator's SmartPay, as the runtime's host calls take it. */
export function paymentsFrom(config: SmartappConfig): { baseUrl?: string; storeUrl?: string; token?: string; timeoutMs?: number } {
  return { baseUrl: config.payments.url, storeUrl: config.payments.storeUrl, token: config.payments.token, timeoutMs: config.payments.timeoutMs };
}

/**
 * The payment ledger's store (docs/payments.md, "Stores"): the `--payments-store` flag, else
 * PAYMENTS_STORE, else the scheme of PAYMENTS_DATABASE_URL; undefined means the SQLite default (the
 * `--payments-db` file or <project>/.smartapp/payments.db). Throws when the chosen store has no URL.
 */
export function paymentLedgerFrom(config: SmartappConfig, flags: { store?: string; db?: string } = {}): LedgerStoreConfig | undefined {
  const { url, schema } = config.paymentsLedger;
  const scheme = url ? /^([a-z]+):/i.exec(url)?.[1]?.toLowerCase() : undefined;
  const fromUrl: LedgerStoreKind | undefined = scheme === "postgres" || scheme === "postgresql" ? "postgres" : scheme === "redis" || scheme === "rediss" ? "redis" : undefined;
  const kind = ledgerKind("--payments-store", flags.store) ?? config.paymentsLedger.store ?? fromUrl;
  if (kind === "postgres") {
    if (!url || fromUrl !== "postgres") throw new Error("--payments-store postgres needs PAYMENTS_DATABASE_URL=postgres://user@host:port/db");
    return { kind, url, schema };
  }
  if (kind === "redis") {
    const redisUrl = fromUrl === "redis" ? url : config.redis.url;
    if (!redisUrl) throw new Error("--payments-store redis needs PAYMENTS_DATABASE_URL=redis://… or REDIS_URL");
    return { kind, url: redisUrl, prefix: config.redis.prefix };
  }
  if (kind === "sqlite" && flags.db) return { kind, file: flags.db };
  return undefined;
}

/** The same settings by variable name, for the XML test runner's `$payment` (src/payments/host-ops.ts callPaymentSync). */
export function paymentEnvironment(config: SmartappConfig): Record<string, string> {
  const p = config.payments;
  const out: Record<string, string> = {};
  if (p.url) out.SMARTPAY_URL = p.url;
  if (p.storeUrl) out.SMARTSTORE_URL = p.storeUrl;
  if (p.token) out.SMARTPAY_TOKEN = p.token;
  if (p.timeoutMs) out.SMARTPAY_TIMEOUT_MS = String(p.timeoutMs);
  return out;
}

/**
 * Every secret value the configuration holds: what the logs and error texts mask. The password of
 * a REDIS_URL counts too.
 */
export function secretValues(config: SmartappConfig): string[] {
  const values = [config.payments.token, config.sandboxAdminToken, config.yookassaSecretKey, config.merchantNotify?.secret, config.imshop?.secret, ...Object.values(config.secrets)];
  if (config.paymentsLedger.url) {
    try {
      values.push(decodeURIComponent(new URL(config.paymentsLedger.url).password));
    } catch {
      // not a URL: nothing to take from it
    }
  }
  if (config.redis.url) {
    try {
      const password = decodeURIComponent(new URL(config.redis.url).password);
      values.push(password);
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return values.filter((v): v is string => typeof v === "string" && v.length > 0);
}
