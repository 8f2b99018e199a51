// JSON Schema of chatbot.yaml: every key documented in spec dsl.md §1.2 with its type. Unknown keys
// are allowed here; the loader warns about them. `description` doubles as the "expected …" message.

const str = { type: "string", description: "expected a string" };
const bool = { type: "boolean", description: "expected true or false" };
const num = { type: "number", description: "expected a number" };
const int = { type: "integer", description: "expected an integer" };
const obj = { type: "object", description: "expected a mapping (key: value)" };
const strList = { type: "array", items: str, description: "expected a list of strings" };
const strOrList = { anyOf: [str, strList], description: "expected a string or a list of strings" };
const threshold = { type: "object", properties: { noMatchThreshold: num }, description: "expected a mapping (key: value)" };

const globSelection = {
  type: "object",
  properties: { include: strOrList, exclude: strOrList, caseSensitive: bool, extensions: strOrList },
  description: "expected a mapping with include/exclude",
};

/** The chatbot.yaml keys the platform documents; any other key gets an "unknown key" warning, not an error. */
export const KNOWN_KEYS = [
  "name", "entryPoint", "botEngine", "language", "locale", "tests", "jsTests", "scriptsPreLoad", "scriptRuntime",
  "injector", "dependencies", "messages", "nlp", "sts", "caila", "classifier", "aligner", "exampleGroups", "ner",
  "customTags", "additionalEvents", "defaultTimezone", "sandbox", "threadCount", "scenarioLoadStrategy",
  "tokenizeWordsInPatterns", "regexCaseInsensitive", "markClientPatterns", "matcherSettings", "projectPreferences", "bot",
] as const;

/** The ajv schema chatbot.yaml is validated against; each `description` is the "expected …" of its error. */
export const chatbotSchema = {
  type: "object",
  description: "expected a mapping of chatbot.yaml keys",
  required: ["entryPoint"],
  properties: {
    name: { type: ["string", "number"], description: "expected a string" },
    entryPoint: strOrList,
    botEngine: str,
    language: str,
    locale: str,
    tests: globSelection,
    jsTests: globSelection,
    scriptsPreLoad: { type: "object", properties: { global: strList, local: strList }, description: "expected a mapping with global/local lists" },
    scriptRuntime: {
      type: "object",
      properties: { engine: str, forceEs6: bool, requirementsFile: str },
      description: "expected a mapping (engine, forceEs6, requirementsFile)",
    },
    injector: obj,
    dependencies: {
      type: "array",
      description: "expected a list of dependencies",
      items: {
        type: "object",
        required: ["name"],
        description: "expected a mapping with name, type, url, version",
        properties: { name: str, type: str, url: str, version: str, loginSecretKey: str, tokenSecretKey: str },
      },
    },
    messages: {
      type: "object",
      description: "expected a mapping",
      properties: {
        onError: {
          type: "object",
          description: "expected a mapping (defaultMessage, defaultMessages, locales)",
          properties: {
            defaultMessage: str,
            defaultMessages: strList,
            locales: { type: "object", additionalProperties: str, description: "expected a mapping of language: text" },
          },
        },
      },
    },
    nlp: {
      type: "object",
      description: "expected a mapping",
      properties: {
        modifyRequestInPreMatch: bool,
        lengthLimit: { type: "object", properties: { enabled: bool, symbols: int, words: int }, description: "expected a mapping (enabled, symbols, words)" },
        timeLimit: { type: "object", properties: { enabled: bool, timeout: int }, description: "expected a mapping (enabled, timeout)" },
        intentNoMatchThresholds: { type: "object", properties: { phrases: num, patterns: num }, description: "expected a mapping (phrases, patterns)" },
        considerContextDepthInStateSelectionV2: bool,
        contextHistoryDepth: int,
        rankByContext: { type: "object", properties: { p1: num, p2: num }, description: "expected a mapping (p1, p2)" },
        costStrategy: str,
        morphology: str,
        tokenizer: str,
        nbest: int,
        nbestPatterns: int,
        nbestIntents: int,
        nbestExamples: int,
      },
    },
    sts: threshold,
    caila: threshold,
    classifier: { type: "object", properties: { engine: str, noMatchThreshold: num, parameters: obj }, description: "expected a mapping" },
    ner: obj,
    customTags: {
      type: "array",
      description: "expected a list of tag names",
      items: { anyOf: [str, { type: "object" }], description: "expected a tag name" },
    },
    additionalEvents: strList,
    defaultTimezone: { type: ["string", "null"], description: "expected a string" },
    sandbox: {
      type: "object",
      properties: { enabled: bool, maxCPUTime: num, maxMemory: num, checkInterval: num },
      description: "expected a mapping (enabled, maxCPUTime, maxMemory, checkInterval)",
    },
    threadCount: int,
    scenarioLoadStrategy: str,
    tokenizeWordsInPatterns: bool,
    regexCaseInsensitive: bool,
    markClientPatterns: bool,
    matcherSettings: obj,
    projectPreferences: {
      type: "object",
      properties: { disableValidation: bool, errorForUnhandledEvents: bool, useFullStatesInJs: bool },
      description: "expected a mapping",
    },
    bot: {
      type: "object",
      description: "expected a mapping",
      properties: { test: { type: "object", properties: { parallel: bool }, description: "expected a mapping" } },
    },
  },
} as const;
