#!/usr/bin/env node
// The `smartapp` command. Each subcommand lives in its own module and is loaded only when used.
import "./node-flags.js"; // first: re-runs the command with --no-node-snapshot when needed
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { hostNames, paymentEnvironment, processCount, proxyRanges, readConfig, secretValues, trustedIps, type SmartappConfig } from "./config.js";
import { secretMasker } from "../util/secrets.js";
import { parseAllowRule } from "../runtime/http-policy.js";
import { parseChannelType } from "../channels/emulated.js";

// The environment is read here, once; every subcommand gets this object (docs/configuration.md).
let config: SmartappConfig;
try {
  config = readConfig();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

const program = new Command();
program
  .name("smartapp")
  .description("Run SmartApp Code / JAICP projects locally: webhook, chat, XML tests, payments sandbox.")
  .version("0.1.0");

const collect = (value: string, previous: string[]) => [...previous, value];
const modulesOption = () =>
  new Option("--modules <dir>", "folder with system modules (sys.zb-common…); repeatable; also SMARTAPP_MODULES").argParser(collect).default([]);
const collectAllowRule = (value: string, previous: string[]) => {
  try {
    parseAllowRule(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...previous, value];
};
const allowHttpOption = () =>
  new Option("--allow-http <pattern>", "let scripts' $http reach a private or local destination: host, host:port, IP or CIDR; repeatable; also SMARTAPP_ALLOW_HTTP")
    .argParser(collectAllowRule)
    .default([]);
const envOption = () =>
  new Option("--env <NAME[=value]>", "a variable $env.get may answer, besides chatbot.yaml injector.variables; repeatable").argParser(collect).default([]);
/** `--channel <type>`: $request.channelType and that channel's request shape (src/channels/emulated.ts). */
const channelOption = (what: string) =>
  new Option("--channel <type>", what).argParser((value: string) => {
    try {
      return parseChannelType(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
const modules = (opts: { modules: string[] }) => [...opts.modules, ...config.modules];
/** npm packages of src/package.json, installed on first run (docs/dsl.md, "ES6 scripts"). */
const npmPackages = async (dir: string) => {
  const { ensureNpmPackages } = await import("../project/npm-install.js");
  try {
    ensureNpmPackages(dir, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
};
const allowHttp = (opts: { allowHttp: string[] }) => [...config.allowHttp, ...opts.allowHttp];

program
  .command("serve")
  .description("serve the project as a SmartApp API webhook")
  .addHelpText("after", "\nExamples:\n  smartapp serve                       # this folder on :8080, sessions in .smartapp/sessions.sqlite\n  smartapp serve my-bot --store redis  # several processes behind one address (REDIS_URL)\n  SMARTPAY_URL=https://… SMARTPAY_TOKEN=… smartapp serve --host 0.0.0.0 --no-console\n")
  .argument("[dir]", "project folder", ".")
  .option("-p, --port <port>", "port (also PORT)", (v) => Number(v), config.port)
  .option("--host <host>", "interface to listen on (also HOST)", config.host)
  .addOption(new Option("--store <kind>", "session store").choices(["memory", "sqlite", "redis"]))
  .option("--path <path>", "webhook path", "/webhook")
  .option("--sandbox-port <port>", "port of the local SmartPay sandbox started when SMARTPAY_URL is not set", (v) => Number(v), 8091)
  .option("--no-sandbox", "do not start the local SmartPay sandbox")
  .option("--turn-cpu-ms <ms>", "CPU time a turn may use, not counting $http/$payment waits", (v) => Number(v), 2000)
  .option("--http-suspends <n>", "times a turn may free its worker at a $http call while other turns wait for one (it runs again with the answer; costs CPU)", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("a whole number ≥ 0");
    return n;
  }, 0)
  .option("--deadline-ms <ms>", "how long the webhook waits for a turn before answering ERROR 504 (the turn still finishes and is stored; the assistant waits 7 s)", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of milliseconds ≥ 1");
    return n;
  }, 6000)
  .option("--trust-proxy <ranges>", "addresses or CIDR ranges of reverse proxies in front of serve, comma-separated: a request from one of them comes from the address its X-Forwarded-For names (also SMARTAPP_TRUST_PROXY)", (v) => {
    try {
      return proxyRanges("--trust-proxy", v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  })
  .option("--watch", "reload the project when one of its files is saved (sessions are kept)")
  .option("--processes <n>", "processes serving the port, each with its own main thread (node:cluster): a number or auto (one per core); sessions in sqlite or redis (also SMARTAPP_PROCESSES; default 1)", (v) => {
    try {
      return processCount("--processes", v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  })
  .option("--console", "serve the web console at /console (default: only when --host is a loopback address)")
  .option("--no-console", "never serve the web console")
  .option("--console-host <names>", "host names the web console answers besides IP addresses, localhost and --host, comma-separated (also SMARTAPP_CONSOLE_HOSTS)", (v) => {
    try {
      return hostNames("--console-host", v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  })
  .option("--payments-db <file>", "the payment ledger's SQLite file (default <dir>/.smartapp/payments.db; in memory with --store memory)")
  .addOption(new Option("--payments-store <kind>", "the payment ledger's store (default PAYMENTS_STORE, else sqlite); redis and postgres for several processes").choices(["sqlite", "redis", "postgres"]))
  .option("--yookassa-trusted-ips <ranges>", "where YooKassa notifications may come from: comma-separated CIDR ranges, or any (also YOOKASSA_TRUSTED_IPS; default YooKassa's documented ranges, plus loopback with the local emulator)", (v) => {
    try {
      return trustedIps("--yookassa-trusted-ips", v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  })
  .option("--merchant-notify-url <url>", "the merchant's https URL for payment notifications (also SMARTAPP_MERCHANT_NOTIFY_URL; chatbot.yaml injector.merchantNotifyUrl wins)")
  .addOption(modulesOption())
  .addOption(allowHttpOption())
  .addOption(envOption())
  .action(async (dir: string, opts) => {
    await npmPackages(dir);
    const { serve } = await import("./serve.js");
    const serveOpts = { ...opts, modules: modules(opts), allowHttp: allowHttp(opts) };
    const { processesWanted } = await import("./cluster.js");
    const processes = processesWanted(opts.processes ?? config.processes);
    if (processes === 1) return serve(dir, serveOpts, config); // one process: no primary in between
    const { clusterRefusal, runPrimary, workerHooks } = await import("./cluster.js");
    const { default: cluster } = await import("node:cluster");
    if (cluster.isWorker) return serve(dir, { ...serveOpts, console: false, clusterWorker: workerHooks() }, config);
    const refused = clusterRefusal(serveOpts, config);
    if (refused) throw new Error(refused);
    process.exitCode = await runPrimary(processes);
  });

program
  .command("console")
  .description("open the project in the web console: chat, state, graph, pay dialog and tests in a browser")
  .argument("[dir]", "project folder", ".")
  .option("-p, --port <port>", "port", (v) => Number(v), 8080)
  .option("--sandbox-port <port>", "port of the local SmartPay sandbox", (v) => Number(v), 8091)
  .addOption(modulesOption())
  .addOption(allowHttpOption())
  .addOption(envOption())
  .addHelpText("after", "\nExamples:\n  smartapp console            # then open http://127.0.0.1:8080/console/\n  smartapp console my-bot -p 3000\n")
  .action(async (dir: string, opts) => {
    await npmPackages(dir);
    const { serve } = await import("./serve.js");
    await serve(dir, {
      port: opts.port,
      host: "127.0.0.1",
      store: "memory",
      path: "/webhook",
      sandbox: true,
      sandboxPort: opts.sandboxPort,
      turnCpuMs: 2000,
      console: true,
      watch: true,
      modules: modules(opts),
      allowHttp: allowHttp(opts),
      env: opts.env,
    }, config);
  });

program
  .command("chat")
  .description("talk to the project in the terminal")
  .addHelpText("after", "\nExamples:\n  smartapp chat my-bot\n  echo 'привет' | smartapp chat my-bot   # one phrase, then exit\n")
  .argument("[dir]", "project folder", ".")
  .option("--watch", "reload the project when one of its files is saved (default on a terminal)")
  .option("--no-watch", "never reload")
  .addOption(channelOption("the channel every turn comes from: $request.channelType, and the channel's request shape ($request.rawRequest is a Telegram update for telegram)"))
  .addOption(modulesOption())
  .addOption(allowHttpOption())
  .addOption(envOption())
  .action(async (dir: string, opts) => {
    await npmPackages(dir);
    const { chat } = await import("./chat.js");
    await chat(dir, { modules: modules(opts), allowHttp: allowHttp(opts), env: opts.env, watch: opts.watch as boolean | undefined, channel: opts.channel as string | undefined }, config);
  });

program
  .command("test")
  .description("run the project's XML dialog tests")
  .addHelpText(
    "after",
    "\nExamples:\n  smartapp test                      # every case of chatbot.yaml tests.include\n  smartapp test test/menu.xml:12     # just the case the report printed as test/menu.xml:12\n  smartapp test my-bot test/menu.xml # one file of the project in my-bot\n  smartapp test --watch              # again on every save\n  smartapp test --grep checkout      # cases whose id or file matches\n  smartapp test --coverage cov.json; smartapp graph --coverage cov.json --html > coverage.html\n  smartapp test --json > results.json\n  smartapp test --junit report.xml   # for CI\n",
  )
  .argument("[targets...]", "the project folder (default .) and/or test files to run, as file.xml or file.xml:line")
  .option("--grep <re>", "only cases whose id or file matches this regular expression (or contains this text)")
  .option("--all", "every test/**/*.xml, ignoring tests.include and tests.exclude of chatbot.yaml")
  .option("--integration", "also run cases marked integration=\"true\"")
  .option("--lenient", "do not fail a case for text replies no <a> checked")
  .option("--strict", "fail a case on any error a turn reports (a script exception, a missing go! target), even when its checks passed")
  .option("--coverage [file]", "print state and transition coverage; with a file, also write it there as JSON (for smartapp graph --coverage)")
  .addOption(new Option("--reporter <name>", "how to show the run").choices(["default", "dot", "json", "junit"]).default("default"))
  .option("--json", "print the results as JSON on stdout (same as --reporter json)")
  .option("--unmocked-ok", "integration cases run offline also go on past an HTTP call without a mock (other cases always do, as on the platform)")
  .option("--unmocked-fail", "an HTTP call without a mock fails the step (the platform answers it as a failed request)")
  .option("--junit <file>", "write a JUnit XML report")
  .option("--workers <n>", "parallel workers (default: all cores)", (v) => Number(v))
  .addOption(channelOption("the channel every step comes from unless its <request> names one: $request.channelType (default smartapp) and the channel's request shape"))
  .option("--watch", "run again whenever a project or test file is saved")
  .addOption(modulesOption())
  .addOption(allowHttpOption())
  .addOption(envOption())
  .action(async (targets: string[], opts) => {
    const { runTests } = await import("../testing/runner.js");
    const { parseLocation, projectOf } = await import("../testing/select.js");
    const dirs = targets.filter((t) => !parseLocation(t));
    if (dirs.length > 1) throw new InvalidArgumentError(`one project folder at a time: ${dirs.join(", ")}`);
    const only = targets.map(parseLocation).filter((l) => l !== undefined);
    // `smartapp test my-bot/test/a.xml:12`: the project is the file's, unless a folder was given
    const dir = dirs[0] ?? (only[0] ? path.relative(".", projectOf(only[0].file) ?? ".") || "." : ".");
    await npmPackages(dir);
    const { env, watch, json, reporter, ...rest } = opts;
    const rerun = ["smartapp test", ...(dir !== "." ? [dir] : [])].join(" ");
    const run = async () => {
      const summary = await runTests(dir, { ...rest, only, rerun, reporter: json ? "json" : reporter, modules: modules(opts), allowHttp: allowHttp(opts), envDeclared: env, environment: config.environment, secrets: config.secrets, paymentEnv: paymentEnvironment(config), color: config.color });
      process.exitCode = summary.failed > 0 ? 1 : 0;
    };
    if (!watch) return run();
    const { watchTests } = await import("./watch.js");
    // machine-readable reports keep stdout to themselves; the watcher's notes go to stderr
    await watchTests(dir, modules(opts), run, json || reporter === "json" || reporter === "junit" ? process.stderr : process.stdout);
  });

program
  .command("check")
  .description("load the project and report every error, or a summary")
  .addHelpText("after", "\nExamples:\n  smartapp check my-bot\n  smartapp check my-bot --json       # for editors\n")
  .argument("[dir]", "project folder", ".")
  .option("--json", "print the summary and every diagnostic as JSON (for editors)")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { check } = await import("./check.js");
    process.exitCode = check(dir, { modules: modules(opts), json: opts.json === true });
  });

program
  .command("install")
  .description("install the npm packages of src/package.json for ES6 scripts (into <dir>/.smartapp/npm)")
  .addHelpText("after", "\nExamples:\n  smartapp install my-bot            # serve and test also do this on first run\n")
  .argument("[dir]", "project folder", ".")
  .action(async (dir: string) => {
    const { npmInstall, npmPlan } = await import("../project/npm-install.js");
    try {
      const plan = npmPlan(dir);
      if (!plan) {
        process.stdout.write("no npm packages to install: src/package.json declares no dependencies\n");
        return;
      }
      npmInstall(plan, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`installed ${Object.keys(plan.dependencies).length} package(s) into ${plan.cacheDir}\n`);
    } catch (err) {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("graph")
  .description("print the state graph in Graphviz DOT")
  .addHelpText("after", "\nExamples:\n  smartapp graph my-bot | dot -Tsvg > graph.svg\n  smartapp test my-bot --coverage cov.json; smartapp graph my-bot --coverage cov.json --html > coverage.html\n  smartapp graph my-bot --coverage cov.json | dot -Tsvg > coverage.svg\n")
  .argument("[dir]", "project folder", ".")
  .option("--coverage <file>", "colour states and transitions by a coverage file from smartapp test --coverage <file> (or --json output)")
  .option("--html", "a page to open in a browser (the state tree with its transitions) instead of DOT")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { graph } = await import("./graph.js");
    process.stdout.write(graph(dir, { modules: modules(opts), html: opts.html === true, ...(opts.coverage ? { coverage: opts.coverage as string } : {}) }));
  });

program
  .command("init")
  .description("create a new project (chatbot.yaml, a scenario, XML tests, a payment example)")
  .argument("[dir]", "project folder", ".")
  .option("--force", "add the project to a folder that already has other files")
  .addHelpText("after", "\nExamples:\n  smartapp init my-bot && smartapp test my-bot\n")
  .action(async (dir: string, opts) => {
    const { init } = await import("./init.js");
    process.exitCode = init(dir, { force: opts.force === true });
  });

program
  .command("payments")
  .description("print the payment ledger (list, show ID) and the merchant notifications (notifications [ID], redeliver ID; with --sync webhook acquiring's statuses to the sync URL)")
  .argument("<action>", "list, show, notifications or redeliver")
  .argument("[id]", "invoice id, order id or provider payment id (show); invoice id (notifications); notification number or event id (redeliver)")
  .option("--dir <dir>", "project folder", ".")
  .option("--db <file>", "the ledger's SQLite file (default <dir>/.smartapp/payments.db)")
  .addOption(new Option("--store <kind>", "the ledger's store, as serve --payments-store (default PAYMENTS_STORE, else sqlite)").choices(["sqlite", "redis", "postgres"]))
  .option("--sync", "notifications and redeliver: webhook acquiring's statuses to the IMSHOP sync URL instead of the merchant notifications")
  .action(async (action: string, id: string | undefined, opts: { dir: string; db?: string; store?: string; sync?: boolean }) => {
    const { payments } = await import("./payments.js");
    const { paymentLedgerFrom } = await import("./config.js");
    process.exitCode = await payments(action, id, { dir: opts.dir, db: opts.db, ledger: paymentLedgerFrom(config, { store: opts.store, db: opts.db }), sync: opts.sync === true });
  });

const sandboxCommand = program
  .command("sandbox")
  .description("run the local SmartPay + pay-dialog sandbox")
  .addHelpText("after", "\nExamples:\n  smartapp sandbox --port 8091 --db invoices.sqlite\n")
  .option("-p, --port <port>", "port", (v) => Number(v), 8091)
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .option("--db <file>", "SQLite file for invoices (default: in memory)")
  .option("--admin-token <token>", "token the /__sandbox admin routes require (also SMARTAPP_SANDBOX_ADMIN_TOKEN; default: random, printed)")
  .addOption(
    new Option("--duplicate-order <mode>", "a repeated order_id: conflict = the same invoice for the same body, 409 for another; existing = always the same invoice; error = always 409")
      .choices(["conflict", "existing", "error"])
      .default("conflict"),
  )
  .option("--scope-by-token", "invoices belong to the token that made them; other tokens get 404")
  .action(async (opts) => {
    const { sandbox } = await import("./sandbox.js");
    await sandbox({ ...opts, adminToken: opts.adminToken ?? config.sandboxAdminToken, yookassaSecretKey: config.yookassaSecretKey, imshopSecret: config.imshop.secret });
  });

sandboxCommand
  .command("imshop-app")
  .description("the sandbox's shop app pays an order through the merchant's webhook acquiring (docs/payments.md)")
  .addHelpText("after", "\nExamples:\n  smartapp sandbox imshop-app --order o-17 --amount 150000 --action pay\n  smartapp sandbox imshop-app --order o-18 --action decline --decline-reason insufficient_funds\n")
  .requiredOption("--order <orderId>", "the merchant's order number")
  .addOption(new Option("--action <action>", "what the payer does on the acquirer's page").choices(["pay", "decline", "abandon"]).default("pay"))
  .option("--amount <kopecks>", "register the order first with this amount (kopecks)", (v) => Number(v))
  .option("--description <text>", "the registered order's description")
  .option("--decline-reason <reason>", "the acquirer's decline reason (with --action decline)")
  .option("--webhook <url>", "the merchant's payment webhook (default: the serve that started the sandbox); IMSHOP_SECRET is sent with it")
  .option("--sandbox <url>", "the sandbox's origin", "http://127.0.0.1:8091")
  // Not --admin-token: commander would give that to `sandbox` itself, which has one.
  .option("--token <token>", "the sandbox's admin token (also SMARTAPP_SANDBOX_ADMIN_TOKEN)")
  .action(async (opts) => {
    const { imshopApp } = await import("./imshop-app.js");
    process.exitCode = await imshopApp({ ...opts, adminToken: opts.token ?? config.sandboxAdminToken, secret: config.imshop.secret });
  });

program.parseAsync().catch((err: unknown) => {
  const mask = secretMasker(secretValues(config));
  process.stderr.write(`${mask(err instanceof Error ? err.message : String(err))}\n`);
  process.exitCode = 2;
});
