// Lint config: the recommended rules of eslint and typescript-eslint, kept fast (no type-aware rules).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Scenario scripts (scenarios/, fixtures, jsapi/) run inside the script realm with its own globals.
  { ignores: ["dist/**", "node_modules/**", "jslib/**", "jsapi/**", "scenarios/**", "templates/**", "coverage/**", "test/fixtures/**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", Buffer: "readonly", performance: "readonly", SharedArrayBuffer: "readonly", Atomics: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", structuredClone: "readonly", AbortController: "readonly", setImmediate: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-control-regex": "off",
    },
  },
  {
    // The web console's page runs in a browser.
    files: ["console/**/*.js"],
    languageOptions: { globals: { document: "readonly", window: "readonly", fetch: "readonly", crypto: "readonly" } },
  },
  {
    // The VS Code extension is CommonJS, as VS Code loads it.
    files: ["**/*.cjs", "editors/vscode/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
