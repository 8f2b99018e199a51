// Lint config: the recommended rules of eslint and typescript-eslint, kept fast (no type-aware rules).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Scenario scripts (scenarios/, fixtures) run inside the script realm with its own globals.
  { ignores: ["dist/**", "node_modules/**", "jslib/**", "scenarios/**", "templates/**", "coverage/**", "test/fixtures/**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node's globals everywhere but in the script realm, which has none of them.
    ignores: ["jsapi/**"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", Buffer: "readonly", performance: "readonly", SharedArrayBuffer: "readonly", Atomics: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", structuredClone: "readonly", AbortController: "readonly", setImmediate: "readonly" } },
  },
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-control-regex": "off",
    },
  },
  {
    // Platform code evaluated inside the script realm, a V8 context of its own (docs/sandbox.md):
    // ES builtins and what the realm core and the $-API modules define, no Node, no browser.
    // Plain scripts written as ES5 (es6.js: one class): `var self = this` is how a callback keeps its
    // object, and a function-scoped `var` that shadows an outer name hides it from the whole function.
    files: ["jsapi/**/*.js"],
    languageOptions: {
      ecmaVersion: 2015,
      sourceType: "script",
      globals: {
        globalThis: "readonly",
        // jsapi/_core.js: the turn's scope, the lazy libraries; the $-API modules (jsapi/*.js) for each other.
        ...Object.fromEntries(["$context", "$request", "$injector", "$global", "$", "global", "moment", "_"].map((n) => [n, "readonly"])),
        ...Object.fromEntries(["$session", "$client", "$temp", "$parseTree", "$response"].map((n) => [n, "writable"])),
        ...Object.fromEntries(["$jsapi", "$reactions", "$http", "$mail", "$nlp", "$caila", "$payment", "$imshop", "$yookassa"].map((n) => [n, "readonly"])),
      },
    },
    rules: { "@typescript-eslint/no-this-alias": "off", "no-shadow": "error" },
  },
  {
    // $-API modules run as the body of `function (host) {…}` (src/sandbox/platform.ts): their
    // top-level `var`s are locals of that function.
    files: ["jsapi/*.js"],
    ignores: ["jsapi/_core.js"],
    languageOptions: { parserOptions: { ecmaFeatures: { globalReturn: true } }, globals: { host: "readonly" } },
  },
  {
    // jsapi/es6.js defines these for ES6 projects; its Node built-ins (jsapi/node/) use them.
    files: ["jsapi/es6.js", "jsapi/node/*.js"],
    languageOptions: { globals: { atob: "readonly", btoa: "readonly", Buffer: "readonly", TextEncoder: "readonly", TextDecoder: "readonly" } },
  },
  {
    // The npm bundle (src/sandbox/modules.ts): the runtime ends a function body that declares `defs`
    // and returns its loader; a Node built-in is the body of a CommonJS factory.
    files: ["jsapi/node/_runtime.js"],
    languageOptions: { parserOptions: { ecmaFeatures: { globalReturn: true } }, globals: { defs: "readonly" } },
  },
  {
    files: ["jsapi/node/*.js"],
    ignores: ["jsapi/node/_runtime.js"],
    languageOptions: { parserOptions: { ecmaFeatures: { globalReturn: true } }, globals: { exports: "writable", require: "readonly", module: "writable", __filename: "readonly", __dirname: "readonly", process: "readonly" } },
  },
  {
    // The realm's globals are properties of its global object: `declare var`, as jsapi/_core.js defines them.
    files: ["jsapi/*.d.ts"],
    rules: { "no-var": "off" },
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
