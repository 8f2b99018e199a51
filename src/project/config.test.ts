import { describe, expect, it } from "vitest";
import { ProjectErrors } from "../util/errors.js";
import { parseConfig } from "./config.js";

function errorsOf(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectErrors);
    return (e as ProjectErrors).errors.map((x) => x.format().split("\n")[0]!);
  }
  throw new Error("expected errors");
}

describe("chatbot.yaml", () => {
  it("normalises entryPoint and tests globs to lists", () => {
    const { config } = parseConfig("name: 2048\nentryPoint: main.sc\ntests:\n  include: '**/*.xml'\n");
    expect(config.entryPoint).toEqual(["main.sc"]);
    expect(config.name).toBe("2048");
    expect(config.tests?.include).toEqual(["**/*.xml"]);
    expect(parseConfig("entryPoint:\n  - a.sc\n  - b.sc\n").config.entryPoint).toEqual(["a.sc", "b.sc"]);
  });

  it("accepts every documented key with its type and warns about unknown keys", () => {
    const text = [
      "name: bot",
      "entryPoint: main.sc",
      "botEngine: v2",
      "language: ru",
      "locale: ru_RU",
      "tests: {include: ['*.xml'], exclude: [], caseSensitive: true}",
      "scriptsPreLoad: {global: [/jsapi/common.js], local: [/jsapi/reactions.js]}",
      "scriptRuntime: {engine: v1, forceEs6: false, requirementsFile: package.json}",
      "injector: {a: 1}",
      "dependencies: [{name: m, type: module, url: x, version: heads/master}]",
      "messages: {onError: {defaultMessage: oops, defaultMessages: [a], locales: {ru: ой}}}",
      "nlp: {modifyRequestInPreMatch: true, lengthLimit: {enabled: true, symbols: 400}, nbest: 3}",
      "sts: {noMatchThreshold: 0.2}",
      "caila: {noMatchThreshold: 0.2}",
      "classifier: {engine: sts, noMatchThreshold: 0.3, parameters: {algorithm: aligner2}}",
      "customTags: [MyTag]",
      "additionalEvents: [x]",
      "defaultTimezone: null",
      "sandbox: {enabled: true, maxCPUTime: 1000, maxMemory: 100, checkInterval: 10}",
      "threadCount: 2",
      "regexCaseInsensitive: false",
      "projectPreferences: {disableValidation: false, errorForUnhandledEvents: false, useFullStatesInJs: false}",
      "bot: {test: {parallel: true}}",
      "brandNewKey: 1",
    ].join("\n");
    const { config, diagnostics } = parseConfig(text);
    expect(config.nlp?.modifyRequestInPreMatch).toBe(true);
    expect(diagnostics).toEqual([{ level: "warning", message: 'unknown key "brandNewKey" ignored', pos: expect.objectContaining({ line: 24 }) }]);
  });

  it.each([
    ["entryPoint: 5\n", "chatbot.yaml:1:13: entryPoint: expected a string or a list of strings, got number 5"],
    ["entryPoint: [a.sc, 3]\n", "chatbot.yaml:1:13: entryPoint: expected a string or a list of strings, got a list"],
    ["entryPoint: a.sc\ntests:\n  caseSensitive: maybe\n", "chatbot.yaml:3:18: tests.caseSensitive: expected true or false, got string \"maybe\""],
    ["entryPoint: a.sc\ndependencies:\n  - type: module\n", "chatbot.yaml:3:3: dependencies[0].name: required key is missing"],
    ["entryPoint: a.sc\nscriptsPreLoad:\n  global: /jsapi/common.js\n", "chatbot.yaml:3:11: scriptsPreLoad.global: expected a list of strings, got string \"/jsapi/common.js\""],
    ["entryPoint: a.sc\nnlp:\n  lengthLimit:\n    symbols: lots\n", "chatbot.yaml:4:14: nlp.lengthLimit.symbols: expected an integer, got string \"lots\""],
    ["name: bot\n", "chatbot.yaml:1:1: entryPoint: required key is missing"],
  ])("wrong type: %j", (text, first) => {
    expect(errorsOf(text)[0]).toBe(first);
  });

  it("names the misspelt key when a required one is missing, and suggests known keys for unknown ones", () => {
    // A misspelt entryPoint is the only key the platform requires: the error points at the typo.
    expect(errorsOf("name: bot\nenteryPoint:\n  - main.sc\n")).toEqual([
      'chatbot.yaml:2:1: entryPoint: required key is missing ("enteryPoint" here looks like a misspelling of it)',
    ]);
    const { diagnostics } = parseConfig("entryPoint: main.sc\nlangauge: ru\nbrandNewKey: 1\n");
    expect(diagnostics.map((d) => d.message)).toEqual(['unknown key "langauge" ignored (did you mean "language"?)', 'unknown key "brandNewKey" ignored']);
  });

  it("reports every wrong key at once", () => {
    expect(errorsOf("entryPoint: a.sc\nlanguage: 1\nthreadCount: x\n")).toHaveLength(2);
  });

  it("reads YAML as the platform does: repeated keys (the last wins), unindented quoted lines, null keys", () => {
    const dup = parseConfig("name: bot\nentryPoint: main.sc\nname: again\n");
    expect(dup.config.name).toBe("again");
    expect(dup.diagnostics).toMatchObject([{ level: "warning", message: 'duplicate key "name": the last one wins', pos: { line: 3, col: 1 } }]);
    const quoted = parseConfig('entryPoint: main.sc\nmessages:\n  onError:\n    defaultMessage: "one\ntwo"\n');
    expect(quoted.config.messages?.onError?.defaultMessage).toBe("one two");
    expect(quoted.diagnostics[0]!.message).toMatch(/read leniently/);
    const nulls = parseConfig("entryPoint: main.sc\ninjector:\nlanguage:\ntests:\n  exclude:\nmessages:\n  onError:\n    defaultMessage:\n");
    expect(nulls.config).toMatchObject({ entryPoint: ["main.sc"], tests: {}, messages: { onError: {} } });
    expect(nulls.config.injector).toBeUndefined();
    expect(errorsOf("entryPoint:\n")[0]).toMatch(/entryPoint/);
  });

  it("bad YAML gives the line", () => {
    expect(errorsOf("name: bot\nentryPoint: main.sc\ntests: {include: [a, b}\n")[0]).toMatch(/^chatbot\.yaml:3:\d+: invalid YAML/);
    expect(errorsOf("- a\n- b\n")[0]).toMatch(/must be a mapping/);
  });
});
