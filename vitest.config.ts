import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20000,
    hookTimeout: 30000,
    pool: "forks",
    // isolated-vm needs it on Node 20+ (src/cli/node-flags.ts); tests create isolates in-process too.
    execArgv: ["--no-node-snapshot"],
  },
});
