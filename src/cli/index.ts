#!/usr/bin/env node
// The `smartapp` command. Each subcommand lives in its own module and is loaded only when used.
import { Command, Option } from "commander";
import { modulesFromEnv } from "./options.js";

const program = new Command();
program
  .name("smartapp")
  .description("Run SmartApp Code / JAICP projects locally: webhook, chat, XML tests, payments sandbox.")
  .version("0.1.0");

const collect = (value: string, previous: string[]) => [...previous, value];
const modulesOption = () =>
  new Option("--modules <dir>", "folder with system modules (sys.zb-common…); repeatable; also SMARTAPP_MODULES").argParser(collect).default([]);

program
  .command("serve")
  .description("serve the project as a SmartApp API webhook")
  .argument("[dir]", "project folder", ".")
  .option("-p, --port <port>", "port", (v) => Number(v), Number(process.env.PORT ?? 8080))
  .option("--host <host>", "interface to listen on", process.env.HOST ?? "127.0.0.1")
  .addOption(new Option("--store <kind>", "session store").choices(["memory", "sqlite", "redis"]))
  .option("--path <path>", "webhook path", "/webhook")
  .option("--sandbox-port <port>", "port of the local SmartPay sandbox started when SMARTPAY_URL is not set", (v) => Number(v), 8091)
  .option("--no-sandbox", "do not start the local SmartPay sandbox")
  .option("--turn-cpu-ms <ms>", "CPU time a turn may use, not counting $http/$payment waits", (v) => Number(v), 2000)
  .option("--payments-db <file>", "the payment ledger's SQLite file (default <dir>/.smartapp/payments.db; in memory with --store memory)")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { serve } = await import("./serve.js");
    await serve(dir, { ...opts, modules: [...opts.modules, ...modulesFromEnv()] });
  });

program
  .command("chat")
  .description("talk to the project in the terminal")
  .argument("[dir]", "project folder", ".")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { chat } = await import("./chat.js");
    await chat(dir, { modules: [...opts.modules, ...modulesFromEnv()] });
  });

program
  .command("test")
  .description("run the project's XML dialog tests")
  .argument("[dir]", "project folder", ".")
  .option("--grep <text>", "only cases whose id or file contains this text")
  .option("--integration", "also run cases marked integration=\"true\"")
  .option("--lenient", "do not fail a case for text replies no <a> checked")
  .option("--junit <file>", "write a JUnit XML report")
  .option("--workers <n>", "parallel workers (default: all cores)", (v) => Number(v))
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { runTests } = await import("../testing/runner.js");
    const summary = await runTests(dir, { ...opts, modules: [...opts.modules, ...modulesFromEnv()] });
    process.exitCode = summary.failed > 0 ? 1 : 0;
  });

program
  .command("check")
  .description("load the project and report every error, or a summary")
  .argument("[dir]", "project folder", ".")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { check } = await import("./check.js");
    process.exitCode = check(dir, { modules: [...opts.modules, ...modulesFromEnv()] });
  });

program
  .command("graph")
  .description("print the state graph in Graphviz DOT")
  .argument("[dir]", "project folder", ".")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { graph } = await import("./graph.js");
    process.stdout.write(graph(dir, { modules: [...opts.modules, ...modulesFromEnv()] }));
  });

program
  .command("payments")
  .description("print the payment ledger: payments list, payments show ID")
  .argument("<action>", "list or show")
  .argument("[id]", "invoice id, order id or SmartPay invoice_id (show)")
  .option("--dir <dir>", "project folder", ".")
  .option("--db <file>", "the ledger's SQLite file (default <dir>/.smartapp/payments.db)")
  .action(async (action: string, id: string | undefined, opts: { dir: string; db?: string }) => {
    const { payments } = await import("./payments.js");
    process.exitCode = payments(action, id, opts);
  });

program
  .command("sandbox")
  .description("run the local SmartPay + pay-dialog sandbox")
  .option("-p, --port <port>", "port", (v) => Number(v), 8091)
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .option("--db <file>", "SQLite file for invoices (default: in memory)")
  .addOption(
    new Option("--duplicate-order <mode>", "a repeated order_id: conflict = the same invoice for the same body, 409 for another; existing = always the same invoice; error = always 409")
      .choices(["conflict", "existing", "error"])
      .default("conflict"),
  )
  .option("--scope-by-token", "invoices belong to the token that made them; other tokens get 404")
  .action(async (opts) => {
    const { sandbox } = await import("./sandbox.js");
    await sandbox(opts);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
