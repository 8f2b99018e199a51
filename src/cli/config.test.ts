import path from "node:path";
import { describe, expect, it } from "vitest";
import { paymentEnvironment, paymentLedgerFrom, readConfig, secretValues } from "./config.js";

describe("readConfig", () => {
  it("reads colour and log format the usual ways: NO_COLOR wins, FORCE_COLOR=0 is off", () => {
    expect(readConfig({}).color).toBeUndefined();
    expect(readConfig({ NO_COLOR: "1", FORCE_COLOR: "1" }).color).toBe(false);
    expect(readConfig({ NO_COLOR: "" }).color).toBeUndefined();
    expect(readConfig({ FORCE_COLOR: "0" }).color).toBe(false);
    expect(readConfig({ FORCE_COLOR: "1" }).color).toBe(true);
    expect(readConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
    expect(() => readConfig({ LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT=xml: expected json or pretty/);
  });

  it("has a default for everything when the environment is empty", () => {
    const c = readConfig({});
    expect(c).toMatchObject({ port: 8080, host: "127.0.0.1", logLevel: "info", modules: [], redis: {}, payments: {}, secrets: {}, allowHttp: [], environment: {} });
    expect(c.sandboxAdminToken).toBeUndefined();
  });

  it("reads every variable once into typed fields", () => {
    const c = readConfig({
      PORT: "9000",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      SMARTAPP_MODULES: ["/a", "/b"].join(path.delimiter),
      REDIS_URL: "redis://:pw-redis-1@db:6379",
      SMARTAPP_REDIS_PREFIX: "p:",
      SMARTPAY_URL: "https://pay.example/smartpay/v1",
      SMARTSTORE_URL: "https://pay.example/api/smart-store",
      SMARTPAY_TOKEN: "tok-1234",
      SMARTPAY_TIMEOUT_MS: "300",
      SMARTAPP_SECRET_pay_api_key: "key-5678",
      SMARTAPP_SECRET_empty: "",
      SMARTAPP_ALLOW_HTTP: "127.0.0.1:8080, 10.0.0.0/8",
      SMARTAPP_SANDBOX_ADMIN_TOKEN: "admin-9999",
    });
    expect(c).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      logLevel: "debug",
      modules: ["/a", "/b"],
      redis: { url: "redis://:pw-redis-1@db:6379", prefix: "p:" },
      payments: { url: "https://pay.example/smartpay/v1", storeUrl: "https://pay.example/api/smart-store", token: "tok-1234", timeoutMs: 300 },
      secrets: { pay_api_key: "key-5678" },
      allowHttp: ["127.0.0.1:8080", "10.0.0.0/8"],
      sandboxAdminToken: "admin-9999",
    });
    expect(secretValues(c).sort()).toEqual(["admin-9999", "key-5678", "pw-redis-1", "tok-1234"]);
    // The XML test runner's $payment reads these by name; nothing else of the environment goes with them.
    expect(paymentEnvironment(c)).toEqual({ SMARTPAY_URL: "https://pay.example/smartpay/v1", SMARTSTORE_URL: "https://pay.example/api/smart-store", SMARTPAY_TOKEN: "tok-1234", SMARTPAY_TIMEOUT_MS: "300" });
  });

  it("reads the outboxes' try timeout and lease, and refuses a lease a try can outlast", () => {
    expect(readConfig({}).notifyDelivery).toEqual({ timeoutMs: undefined, leaseMs: undefined });
    expect(readConfig({ SMARTAPP_NOTIFY_TIMEOUT_MS: "2000", SMARTAPP_NOTIFY_LEASE_MS: "5000" }).notifyDelivery).toEqual({ timeoutMs: 2000, leaseMs: 5000 });
    expect(readConfig({ SMARTAPP_NOTIFY_LEASE_MS: "15000" }).notifyDelivery).toEqual({ timeoutMs: undefined, leaseMs: 15000 });
    expect(() => readConfig({ SMARTAPP_NOTIFY_LEASE_MS: "5000" })).toThrow("SMARTAPP_NOTIFY_LEASE_MS=5000: must be longer than one try (10000 ms, SMARTAPP_NOTIFY_TIMEOUT_MS)");
    expect(() => readConfig({ SMARTAPP_NOTIFY_TIMEOUT_MS: "3000", SMARTAPP_NOTIFY_LEASE_MS: "3000" })).toThrow(/^SMARTAPP_NOTIFY_LEASE_MS=3000: must be longer than one try \(3000 ms/);
    expect(() => readConfig({ SMARTAPP_NOTIFY_LEASE_MS: "soon" })).toThrow("SMARTAPP_NOTIFY_LEASE_MS=soon: expected a positive number");
  });

  it("reads the process-wide limits on held turns, held bytes and the worker queue; unset leaves the defaults to the webhook and the pool", () => {
    expect(readConfig({}).load).toEqual({ maxTurns: undefined, maxHeldBytes: undefined, maxHeldBytesPerAddress: undefined, maxQueuedTurns: undefined });
    expect(readConfig({ SMARTAPP_MAX_TURNS: "200", SMARTAPP_MAX_HELD_BYTES: "1048576", SMARTAPP_MAX_HELD_BYTES_PER_ADDRESS: "262144", SMARTAPP_MAX_QUEUED_TURNS: "50" }).load).toEqual({
      maxTurns: 200,
      maxHeldBytes: 1048576,
      maxHeldBytesPerAddress: 262144,
      maxQueuedTurns: 50,
    });
    expect(() => readConfig({ SMARTAPP_MAX_TURNS: "0" })).toThrow("SMARTAPP_MAX_TURNS=0: expected a positive number");
    expect(() => readConfig({ SMARTAPP_MAX_QUEUED_TURNS: "2.5" })).toThrow("SMARTAPP_MAX_QUEUED_TURNS=2.5: expected a whole number");
  });

  it("refuses a malformed number with the variable's name", () => {
    expect(() => readConfig({ SMARTPAY_TIMEOUT_MS: "soon" })).toThrow("SMARTPAY_TIMEOUT_MS=soon: expected a positive number");
    expect(() => readConfig({ PORT: "-1" })).toThrow(/^PORT=-1/);
    expect(() => readConfig({ SMARTAPP_ALLOW_HTTP: "127.0.0.1, http://x/" })).toThrow("SMARTAPP_ALLOW_HTTP: --allow-http http://x/: expected a host");
  });

  it("reads the YooKassa shop and the merchant's notification URL; trusted ranges are checked", () => {
    const c = readConfig({
      YOOKASSA_URL: "https://api.yookassa.ru/v3",
      YOOKASSA_SHOP_ID: "123456",
      YOOKASSA_SECRET_KEY: "live_secret-1",
      YOOKASSA_RETURN_URL: "https://shop.example/thanks",
      YOOKASSA_TRUSTED_IPS: "185.71.76.0/27, 10.1.2.3, 2a02:5180::/32",
      SMARTAPP_MERCHANT_NOTIFY_URL: "https://shop.example/hook",
      SMARTAPP_MERCHANT_NOTIFY_SECRET: "hmac-2",
    });
    expect(c.yookassa).toEqual({ url: "https://api.yookassa.ru/v3", shopId: "123456", returnUrl: "https://shop.example/thanks", trustedIps: ["185.71.76.0/27", "10.1.2.3", "2a02:5180::/32"] });
    expect(c.merchantNotify).toEqual({ url: "https://shop.example/hook", secret: "hmac-2" });
    expect(secretValues(c)).toEqual(expect.arrayContaining(["live_secret-1", "hmac-2"]));
    expect(readConfig({ YOOKASSA_TRUSTED_IPS: "any" }).yookassa.trustedIps).toBe("any");
    expect(readConfig({ SMARTAPP_TRUST_PROXY: "10.0.0.0/8, ::1" }).trustProxy).toEqual(["10.0.0.0/8", "::1"]);
    expect(readConfig({}).trustProxy).toBeUndefined();
    expect(() => readConfig({ SMARTAPP_TRUST_PROXY: "any" })).toThrow(/SMARTAPP_TRUST_PROXY: "any" would trust every client/);
    expect(readConfig({ SMARTAPP_CONSOLE_HOSTS: "Bot.Example, dev.local." }).consoleHosts).toEqual(["bot.example", "dev.local."]);
    expect(readConfig({}).consoleHosts).toBeUndefined();
    for (const bad of ["*.example", "bot.example:8080", "a b"]) expect(() => readConfig({ SMARTAPP_CONSOLE_HOSTS: bad })).toThrow(`SMARTAPP_CONSOLE_HOSTS: ${JSON.stringify(bad)} is not a host name`);
    expect(() => readConfig({ YOOKASSA_TRUSTED_IPS: "185.71.76.0/33" })).toThrow("YOOKASSA_TRUSTED_IPS: 185.71.76.0/33 is not an IP address or CIDR range");
    expect(() => readConfig({ YOOKASSA_TRUSTED_IPS: "yookassa.ru" })).toThrow("YOOKASSA_TRUSTED_IPS: yookassa.ru");
  });

  it("reads webhook acquiring's secret (masked) and sync URL; the sync URL is https or loopback http", () => {
    const c = readConfig({ IMSHOP_SECRET: "imshop-s3cret", IMSHOP_SYNC_URL: "https://platform.example/sync" });
    expect(c.imshop).toEqual({ secret: "imshop-s3cret", syncUrl: "https://platform.example/sync", publicUrl: undefined });
    expect(secretValues(c)).toContain("imshop-s3cret");
    expect(readConfig({}).imshop).toEqual({ secret: undefined, syncUrl: undefined, publicUrl: undefined });
    expect(readConfig({ IMSHOP_PUBLIC_URL: "https://shop.example/bot/" }).imshop.publicUrl).toBe("https://shop.example/bot");
    expect(() => readConfig({ IMSHOP_PUBLIC_URL: "ftp://shop.example" })).toThrow("IMSHOP_PUBLIC_URL: ftp://shop.example: expected http(s)://host");
    expect(() => readConfig({ IMSHOP_PUBLIC_URL: "nope" })).toThrow("IMSHOP_PUBLIC_URL: nope is not a URL");
    expect(readConfig({ IMSHOP_SYNC_URL: "http://127.0.0.1:9/sync" }).imshop.syncUrl).toBe("http://127.0.0.1:9/sync");
    expect(() => readConfig({ IMSHOP_SYNC_URL: "http://platform.example/sync" })).toThrow("IMSHOP_SYNC_URL: http://platform.example/sync: merchant notifications go to an https URL");
    expect(() => readConfig({ IMSHOP_SYNC_URL: "not a url" })).toThrow("IMSHOP_SYNC_URL");
  });
});

describe("paymentLedgerFrom", () => {
  it("SQLite by default; the flag, then PAYMENTS_STORE, then the URL's scheme choose another store", () => {
    expect(paymentLedgerFrom(readConfig({}))).toBeUndefined();
    expect(paymentLedgerFrom(readConfig({}), { store: "sqlite", db: "/tmp/p.db" })).toEqual({ kind: "sqlite", file: "/tmp/p.db" });
    const pg = "postgres://postgres:pw-pg-1@db:5432/shop";
    expect(paymentLedgerFrom(readConfig({ PAYMENTS_DATABASE_URL: pg, PAYMENTS_DATABASE_SCHEMA: "pay" }))).toEqual({ kind: "postgres", url: pg, schema: "pay" });
    expect(paymentLedgerFrom(readConfig({ PAYMENTS_DATABASE_URL: pg }), { store: "sqlite" })).toBeUndefined();
    expect(paymentLedgerFrom(readConfig({ PAYMENTS_STORE: "redis", REDIS_URL: "redis://r:6379", SMARTAPP_REDIS_PREFIX: "p:" }))).toEqual({ kind: "redis", url: "redis://r:6379", prefix: "p:" });
    expect(paymentLedgerFrom(readConfig({ PAYMENTS_DATABASE_URL: "redis://l:6379", REDIS_URL: "redis://r:6379" }))).toEqual({ kind: "redis", url: "redis://l:6379", prefix: undefined });
    expect(secretValues(readConfig({ PAYMENTS_DATABASE_URL: pg }))).toEqual(["pw-pg-1"]);
  });

  it("says what is missing or misspelled", () => {
    expect(() => readConfig({ PAYMENTS_STORE: "mysql" })).toThrow("PAYMENTS_STORE=mysql: expected sqlite, redis or postgres");
    expect(() => paymentLedgerFrom(readConfig({}), { store: "postgres" })).toThrow(/needs PAYMENTS_DATABASE_URL=postgres:/);
    expect(() => paymentLedgerFrom(readConfig({ PAYMENTS_DATABASE_URL: "redis://l" }), { store: "postgres" })).toThrow(/needs PAYMENTS_DATABASE_URL=postgres:/);
    expect(() => paymentLedgerFrom(readConfig({ PAYMENTS_STORE: "redis" }))).toThrow(/needs PAYMENTS_DATABASE_URL=redis:.* or REDIS_URL/);
  });
});
