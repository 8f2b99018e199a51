// ES6 modules inside the isolate (docs/sandbox.md, "ES6 modules"). The project's ES modules (and
// npm packages published as ES modules) are compiled with isolated-vm's module API, once per
// context: a fresh context gets fresh module instances, so no module state outlives the turn that
// retires its context. CommonJS npm files, JSON files and the Node built-ins this runtime provides
// are bundled into one script per isolate (compiled once; each context runs it to get its own
// `require`), and reach ES modules through small generated facade modules.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import ivm from "isolated-vm";
import type { SourcePos } from "../dsl/ast.js";
import type { Es6Graph, Es6Module } from "../project/es6.js";
import { failure, type Realm, type ScriptIsolate } from "./realm.js";
import { ScriptError } from "./types.js";

const nodeDir = fileURLToPath(new URL("../../jsapi/node/", import.meta.url));
const hostRequire = createRequire(import.meta.url);

/** The global a facade module reads the bundle's `require` from while a context's modules evaluate. */
const REQUIRE_GLOBAL = "__sa_require";
/**
 * Default CPU budget of evaluating modules at load (a context build), at least the per-call limit:
 * large packages (mathjs) take hundreds of ms to evaluate; a loop still ends.
 */
export const MODULE_LOAD_MS = 10_000;

/** One entry of the project's load items: an ES module whose default export (or namespace) is bound to `name`. */
export interface ModuleItem {
  id: string;
  name?: string;
  pos: SourcePos;
}

/** The bundle's text and, for errors, the first line of each file in it. */
interface Bundle {
  text: string;
  starts: { line: number; id: string }[];
}
const bundles = new WeakMap<Es6Graph, Bundle>();

/** Names a Node built-in exports on the host: the names the unavailable stand-in offers (each throws). */
function builtinNames(name: string): string[] {
  try {
    return Object.keys(hostRequire(`node:${name}`) as object).filter((k) => k !== "default");
  } catch {
    return [];
  }
}

/** Source of the CommonJS side of the graph: `(function () {… return load;})()`, sloppy as Node runs CommonJS. */
export function bundleSource(graph: Es6Graph): Bundle {
  const known = bundles.get(graph);
  if (known !== undefined) return known;
  const parts: string[] = [];
  const starts: Bundle["starts"] = [];
  let line = 4; // the file's first line, after the three lines of the header below and its own wrapper line
  for (const mod of Object.values(graph.modules)) {
    const body = factoryBody(mod);
    if (body === undefined) continue;
    starts.push({ line, id: mod.id });
    const part = `defs[${JSON.stringify(mod.id)}] = [function (exports, require, module, __filename, __dirname, process, window, self) {\n${body}\n}, ${JSON.stringify(mod.deps)}];`;
    parts.push(part);
    line += part.split("\n").length;
  }
  const runtime = readFileSync(nodeDir + "_runtime.js", "utf8");
  // The value is also left in a global for the facades; ContextModules.done deletes it.
  const text = `globalThis.${REQUIRE_GLOBAL} = (function () {\nvar defs = {};\n${parts.join("\n")}\n${runtime}\n})()`;
  const bundle = { text, starts };
  bundles.set(graph, bundle);
  return bundle;
}

/** A line of the bundle → ` (in <package file>:<line>:<col>)`. */
function bundlePlace(bundle: Bundle, line: number, col: number): string {
  let at: Bundle["starts"][number] | undefined;
  for (const s of bundle.starts) if (s.line <= line) at = s;
  return at ? ` (in ${at.id}:${line - at.line + 1}:${col})` : "";
}

function factoryBody(mod: Es6Module): string | undefined {
  switch (mod.kind) {
    case "cjs":
      return mod.code.replace(/^#!.*/, "");
    case "json":
      return `module.exports = ${mod.code.trim() || "null"};`;
    case "builtin":
      return readFileSync(nodeDir + mod.id.slice(5).replace(/[^a-z_]/g, "") + ".js", "utf8");
    case "unavailable":
      return `module.exports = __unavailable(${JSON.stringify(mod.message)}, ${JSON.stringify(builtinNames(mod.id.slice(5)))});`;
    case "missing":
      return `throw new Error(${JSON.stringify(mod.message)});`;
    case "esm":
      return `throw new Error(${JSON.stringify(`require() of the ES module ${mod.id} is not supported: import it`)});`;
  }
}

const IDENT_OK = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

/** An ES module that re-exports a bundled (CommonJS, JSON, built-in) module: default = module.exports, named = its own keys. */
function facadeSource(id: string, keys: string[]): string {
  const names = keys.filter((k) => k !== "default" && k !== "__esModule" && IDENT_OK.test(k));
  const locals = names.map((k, i) => `e${i} = m[${JSON.stringify(k)}]`);
  const exported = names.map((k, i) => `e${i} as ${JSON.stringify(k)}`);
  return (
    `const m = globalThis.${REQUIRE_GLOBAL}(${JSON.stringify(id)});\nexport default m;\n` +
    (names.length ? `const ${locals.join(", ")};\nexport { ${exported.join(", ")} };\n` : "")
  );
}

/**
 * The ES modules of one context: `load` evaluates a load item's module (and what it imports) and
 * binds its default export (or namespace) to the item's `name`; a module imported from several
 * entries is one instance. `done` removes the bundle's global once every load item ran.
 */
export class ContextModules {
  private readonly compiled = new Map<string, ivm.Module>();
  private readonly idOf = new Map<ivm.Module, string>();
  private requireRef: ivm.Reference | undefined;
  private readonly loadMs: number;

  constructor(
    private readonly realm: Realm,
    private readonly iso: ScriptIsolate,
    private readonly graph: Es6Graph,
    private readonly userFiles: Set<string>,
    loadMs = MODULE_LOAD_MS,
  ) {
    this.loadMs = Math.max(realm.cpuMs, loadMs);
  }

  load(item: ModuleItem): void {
    const entry = this.compile(item.id, item.pos);
    try {
      entry.instantiateSync(this.realm.context, (specifier, referrer) => {
        const from = this.graph.modules[this.idOf.get(referrer) ?? ""];
        const to = from?.deps[specifier];
        const m = to ? this.compiled.get(to) : undefined;
        if (!m) throw new Error(`cannot resolve import "${specifier}" from ${from?.id ?? "?"}`);
        return m;
      });
      entry.evaluateSync({ timeout: this.loadMs });
    } catch (e) {
      throw failure(e, this.loadMs, item.pos, this.userFiles);
    }
    this.realm.call("esm", [item.name ?? null], { pos: item.pos, fn: entry.namespace });
  }

  done(): void {
    if (!this.requireRef) return;
    this.requireRef.release();
    this.requireRef = undefined;
    try {
      this.iso.compile("es6:unbundle", `delete globalThis.${REQUIRE_GLOBAL};`, "<npm>", 0).runSync(this.realm.context, { timeout: this.realm.cpuMs });
    } catch {
      // the isolate is gone (memory limit): the caller reports that
    }
  }

  /** The bundle's `require` in this context (the bundle runs on first use). */
  private bundled(): ivm.Reference {
    if (this.requireRef) return this.requireRef;
    const bundle = bundleSource(this.graph);
    let script: ivm.Script;
    try {
      script = this.iso.compile("es6:bundle", bundle.text, "<npm>", 0, undefined, new Set(["<npm>"]));
    } catch (e) {
      if (e instanceof ScriptError) {
        const where = e.pos?.file === "<npm>" ? bundlePlace(bundle, e.pos.line, e.pos.col) : "";
        throw new ScriptError(`npm packages: ${e.message}${where}`, undefined, e.thrown, e.limit);
      }
      throw e;
    }
    try {
      this.requireRef = script.runSync(this.realm.context, { reference: true, timeout: this.loadMs }) as ivm.Reference;
    } catch (e) {
      throw failure(e, this.loadMs, undefined, this.userFiles);
    }
    return this.requireRef;
  }

  /** Where a module of the project imports `id` (for errors about it). */
  private importedAt(id: string): SourcePos | undefined {
    for (const mod of Object.values(this.graph.modules)) {
      const imp = mod.imports?.find((i) => mod.deps[i.specifier] === id);
      if (imp && !/^(npm|node):/.test(mod.id)) return imp.pos;
    }
    return undefined;
  }

  private compile(id: string, pos: SourcePos): ivm.Module {
    const known = this.compiled.get(id);
    if (known) return known;
    const mod = this.graph.modules[id];
    if (!mod) throw new ScriptError(`module ${id} is not part of the project's module graph`, pos);
    let code: string;
    if (mod.kind === "esm") code = mod.code;
    else if (mod.kind === "missing") throw new ScriptError(mod.message ?? `${id} is missing`, this.importedAt(id) ?? pos);
    else {
      // CommonJS and friends run now (at link time) so the facade can name their exports.
      let keys: string[];
      const load = this.bundled();
      try {
        keys = JSON.parse(load.applySync(undefined, [id, true], { timeout: this.loadMs }) as string) as string[];
      } catch (e) {
        throw failure(e, this.loadMs, pos, this.userFiles);
      }
      code = facadeSource(id, keys);
    }
    if (!/^(npm|node|empty):/.test(id)) this.userFiles.add(id);
    let m: ivm.Module;
    try {
      m = this.iso.isolate.compileModuleSync(code, { filename: id });
    } catch (e) {
      throw failure(e, 0, { file: id, line: 1, col: 1 }, this.userFiles);
    }
    this.compiled.set(id, m);
    this.idOf.set(m, id);
    if (mod.kind === "esm") for (const dep of Object.values(mod.deps)) this.compile(dep, pos);
    return m;
  }
}
