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
  .option("--console", "serve the web console at /console (default: only when --host is a loopback address)")
  .option("--no-console", "never serve the web console")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { serve } = await import("./serve.js");
    await serve(dir, { ...opts, modules: [...opts.modules, ...modulesFromEnv()] });
  });

program
  .command("console")
  .description("open the project in the web console: chat, state, graph, pay dialog and tests in a browser")
  .argument("[dir]", "project folder", ".")
  .option("-p, --port <port>", "port", (v) => Number(v), 8080)
  .option("--sandbox-port <port>", "port of the local SmartPay sandbox", (v) => Number(v), 8091)
  .addOption(modulesOption())
  .addHelpText("after", "\nExamples:\n  smartapp console            # then open http://127.0.0.1:8080/console/\n  smartapp console my-bot -p 3000\n")
  .action(async (dir: string, opts) => {
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
      modules: [...opts.modules, ...modulesFromEnv()],
    });
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
  .option("--json", "print the summary and every diagnostic as JSON (for editors)")
  .addOption(modulesOption())
  .action(async (dir: string, opts) => {
    const { check } = await import("./check.js");
    process.exitCode = check(dir, { modules: [...opts.modules, ...modulesFromEnv()], json: opts.json === true });
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
  .command("sandbox")
  .description("run the local SmartPay + pay-dialog sandbox")
  .option("-p, --port <port>", "port", (v) => Number(v), 8091)
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .option("--db <file>", "SQLite file for invoices (default: in memory)")
  .action(async (opts) => {
    const { sandbox } = await import("./sandbox.js");
    await sandbox(opts);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
