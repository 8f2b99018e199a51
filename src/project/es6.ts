// The ES6 module graph of a project (docs/dsl.md, "ES6 scripts"): the files required with
// `type = scriptEs6`, what they import (the project's own modules, npm packages installed from
// src/package.json, Node built-ins) and everything those import in turn. Built once at load, from
// the file system only; the script host (src/sandbox/modules.ts) evaluates it inside the isolate.
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import * as acorn from "acorn";
import type { SourcePos } from "../dsl/ast.js";
import { ProjectError, type Diagnostic } from "../util/errors.js";
import { isDir, isFile, toPosix } from "./files.js";

/**
 * esm: an ES module (compiled as one per context); cjs: a CommonJS file (npm), bundled into one
 * script per isolate; json: a JSON file; builtin: a Node built-in this runtime provides as pure JS
 * (jsapi/node/); unavailable: a Node built-in that needs the host (fs, net…): its functions throw;
 * missing: a package that is declared but not installed (its use throws).
 */
export type Es6ModuleKind = "esm" | "cjs" | "json" | "builtin" | "unavailable" | "missing";

/** One module of the ES6 graph: its code and the ids its imports resolve to. */
export interface Es6Module {
  id: string; // a project file's label ("src/utils.js"), "npm:<path under node_modules>", "node:<name>"
  kind: Es6ModuleKind;
  code: string; // source text (esm, cjs, json)
  deps: Record<string, string>; // import/require specifier → module id
  message?: string; // unavailable / missing: what using it throws
  /** ESM only: what it imports by name and what it exports, for the link check. */
  imports?: { specifier: string; names: string[]; pos: SourcePos }[];
  exports?: string[] | "any"; // "any" when it has `export * from`
}

/** Every module reachable from the project's scriptEs6 files, by id; what the script host evaluates. */
export interface Es6Graph {
  modules: Record<string, Es6Module>;
  /** Where npm packages were looked up (the install cache first). */
  npmDirs: string[];
}

/** The graph with the errors and warnings found while building it, and ES module parse errors for `smartapp check`. */
export interface Es6Result {
  graph: Es6Graph;
  errors: ProjectError[];
  warnings: Diagnostic[];
  /** A parse error of an ES module: reported by `smartapp check` (src/project/script-syntax.ts). */
  syntaxErrors: ProjectError[];
}

/** The folder `smartapp install` installs src/package.json into (node_modules inside it). */
export function npmCacheDir(projectDir: string): string {
  return path.join(projectDir, ".smartapp", "npm");
}

/** Node built-ins this runtime implements as pure JS inside the isolate (jsapi/node/<name>.js). */
export const BUILTIN_SHIMS = new Set(["path", "events", "util", "buffer"]);
const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));

const EXTENSIONS = ["", ".js", ".mjs", ".cjs", ".json"];
const REQUIRE_RE = /(?<![\w$.])require\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g;

interface PackageInfo {
  dir: string;
  json: Record<string, unknown>;
}

/** Where the graph builder looks for the project's files and packages, and how it names them. */
export interface Es6Options {
  projectDir: string;
  srcDir: string;
  /** Names from src/package.json dependencies (undefined: no package.json). */
  declared?: Set<string>;
  /** label of a file → its absolute path is srcDir/projectDir-relative: the loader's labeller. */
  label: (abs: string) => string;
}

/** Read src/package.json (or scriptRuntime.requirementsFile): its dependency names, or undefined. */
export function declaredPackages(srcDir: string, requirementsFile = "package.json"): Set<string> | undefined {
  const file = path.join(srcDir, requirementsFile);
  if (!isFile(file)) return undefined;
  try {
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
    return new Set(Object.keys(json.dependencies ?? {}));
  } catch {
    return new Set();
  }
}

/** Builds the ES6 graph at load: each added project module pulls in what it imports, resolved from the file system. */
export class Es6GraphBuilder {
  readonly modules: Record<string, Es6Module> = {};
  readonly errors: ProjectError[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly syntaxErrors: ProjectError[] = [];
  readonly npmDirs: string[];
  private readonly packages = new Map<string, PackageInfo | null>();
  private readonly warned = new Set<string>();
  /**
   * Real paths of the folders a package's files may come from: the node_modules folders of
   * npmDirs and the real folder of every package found (a linked package lives elsewhere). A
   * package is third-party code: what it requires, its package.json fields and its links must not
   * make the graph read a host file into the isolate (docs/security.md).
   */
  private readonly packageRoots = new Set<string>();

  constructor(private readonly opts: Es6Options) {
    this.npmDirs = [path.join(npmCacheDir(opts.projectDir), "node_modules"), path.join(opts.srcDir, "node_modules"), path.join(opts.projectDir, "node_modules")].filter(
      (d, i, all) => all.indexOf(d) === i,
    );
    for (const d of this.npmDirs) {
      const real = realDir(d);
      if (real) this.packageRoots.add(real);
    }
  }

  /** Is `file` (followed through links) inside a folder packages may be read from? */
  private inPackageRoots(file: string): boolean {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      return false;
    }
    for (const root of this.packageRoots) if (real.startsWith(root + path.sep)) return true;
    return false;
  }

  private outsidePackages(specifier: string, file: string): { error: string } {
    return { error: `cannot resolve import "${specifier}": ${toPosix(path.relative(this.opts.projectDir, file))} is outside the installed packages (a package may read only files under node_modules)` };
  }

  result(): Es6Result {
    return { graph: { modules: this.modules, npmDirs: this.npmDirs }, errors: this.errors, warnings: this.warnings, syntaxErrors: this.syntaxErrors };
  }

  /** A project file required with type = scriptEs6 (or imported by one): its module id. */
  addProjectModule(abs: string, code?: string, label?: string): string {
    const id = label ?? this.opts.label(abs);
    if (this.modules[id]) return id;
    const text = code ?? fs.readFileSync(abs, "utf8");
    if (abs.endsWith(".json")) return this.put({ id, kind: "json", code: text, deps: {} });
    if (abs.endsWith(".cjs")) return this.addCjs(id, abs, text);
    const mod: Es6Module = { id, kind: "esm", code: text, deps: {}, imports: [], exports: [] };
    this.modules[id] = mod;
    this.scanEsm(mod, abs, text, true);
    return id;
  }

  private put(mod: Es6Module): string {
    this.modules[mod.id] = mod;
    return mod.id;
  }

  // ---- ES modules: imports with positions ----

  private scanEsm(mod: Es6Module, abs: string, text: string, own: boolean): void {
    let ast: acorn.Program;
    try {
      ast = acorn.parse(text, { ecmaVersion: "latest", sourceType: "module", locations: true, allowHashBang: true });
    } catch (e) {
      const err = e as SyntaxError & { loc?: { line: number; column: number } };
      if (own) {
        const line = err.loc?.line ?? 1;
        const pos = { file: mod.id, line, col: (err.loc?.column ?? 0) + 1 };
        this.syntaxErrors.push(new ProjectError(`JavaScript syntax error: ${err.message.replace(/ \(\d+:\d+\)$/, "")}`, pos, text.split(/\r?\n/)[line - 1]));
      }
      return;
    }
    const lines = text.split(/\r?\n/);
    const at = (node: acorn.Node): SourcePos => ({ file: mod.id, line: node.loc?.start.line ?? 1, col: (node.loc?.start.column ?? 0) + 1 });
    const exports = mod.exports as string[];
    let anyExports = false;
    const link = (source: acorn.Literal, names: string[]) => {
      const specifier = String(source.value);
      const pos = at(source);
      mod.imports!.push({ specifier, names, pos });
      const target = this.resolveImport(specifier, abs, pos, lines[pos.line - 1], own);
      if (target) mod.deps[specifier] = target;
    };
    for (const node of ast.body) {
      if (node.type === "ImportDeclaration") {
        const names: string[] = [];
        for (const s of node.specifiers) {
          if (s.type === "ImportSpecifier") names.push(s.imported.type === "Identifier" ? s.imported.name : String(s.imported.value));
          else if (s.type === "ImportDefaultSpecifier") names.push("default");
        }
        link(node.source, names);
      } else if (node.type === "ExportNamedDeclaration") {
        if (node.declaration) {
          const d = node.declaration;
          if (d.type === "VariableDeclaration") for (const v of d.declarations) exports.push(...patternNames(v.id));
          else if (d.id) exports.push(d.id.name);
        }
        for (const s of node.specifiers) exports.push(s.exported.type === "Identifier" ? s.exported.name : String(s.exported.value));
        if (node.source) link(node.source, node.specifiers.map((s) => (s.local.type === "Identifier" ? s.local.name : String(s.local.value))));
      } else if (node.type === "ExportDefaultDeclaration") {
        exports.push("default");
      } else if (node.type === "ExportAllDeclaration") {
        if (node.exported) exports.push(node.exported.type === "Identifier" ? node.exported.name : String(node.exported.value));
        else anyExports = true;
        link(node.source, []);
      }
    }
    if (anyExports) mod.exports = "any";
    if (own) {
      // import() cannot run inside the isolate (docs/sandbox.md): say so where it is written.
      walk(ast, (n) => {
        if (n.type === "ImportExpression") {
          const pos = at(n);
          this.errors.push(new ProjectError("import() is not supported in scripts: use a static import declaration at the top of the module", pos, lines[pos.line - 1]));
        }
      });
    }
  }

  /** Resolve an import of a file at `abs`; records an error or warning and returns undefined when it cannot. */
  private resolveImport(specifier: string, abs: string, pos: SourcePos, line: string | undefined, own: boolean): string | undefined {
    const target = this.resolve(specifier, path.dirname(abs), undefined, !own);
    if (target.id) {
      const mod = this.modules[target.id];
      if (own && mod?.kind === "unavailable") this.warnOnce(`unavailable:${pos.file}:${specifier}`, `${mod.message}`, pos);
      if (own && mod?.kind === "missing") this.warnOnce(`missing:${specifier}`, mod.message!, pos);
      return target.id;
    }
    if (own) this.errors.push(new ProjectError(target.error!, pos, line));
    return undefined;
  }

  private warnOnce(key: string, message: string, pos: SourcePos): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push({ level: "warning", message, pos });
  }

  // ---- resolution ----

  /** `fromPackage`: the importer is a package file, so a relative import must stay among the packages. */
  private resolve(specifier: string, fromDir: string, browserMap?: { pkg: PackageInfo }, fromPackage = false, fromRequire = false): { id?: string; error?: string } {
    if (specifier.startsWith("node:")) return { id: this.builtin(specifier.slice(5)) };
    if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier === "." || specifier === "..") {
      const base = specifier.startsWith("/") ? path.join(this.opts.srcDir, specifier) : path.resolve(fromDir, specifier);
      const file = resolveFile(base);
      if (!file) return { error: `cannot resolve import "${specifier}": no file ${toPosix(path.relative(this.opts.projectDir, base))}(.js|.mjs|.cjs|.json|/index.js)` };
      let target = file;
      if (browserMap) {
        const mapped = browserField(browserMap.pkg, file);
        if (mapped === false) return { id: this.emptyModule() };
        if (mapped) target = mapped;
      }
      if (fromPackage && !this.inPackageRoots(target)) return this.outsidePackages(specifier, target);
      return this.fileModule(target);
    }
    // A bare name: an npm package (Node's resolution: node_modules folders up from the importer).
    const [name, sub] = splitPackage(specifier);
    // "@x/..", "a/../../b": a name that walks out of node_modules is no package.
    if (name.split("/").some((part) => part === "" || part === "." || part === ".." || part.includes("\\"))) {
      return { error: `cannot resolve import "${specifier}": not a package name` };
    }
    const pkg = this.findPackage(name, fromDir);
    if (!pkg) {
      if (BUILTINS.has(specifier) || BUILTINS.has(name)) return { id: this.builtin(specifier) };
      if (this.opts.declared?.has(name)) {
        const id = `npm:${specifier}`;
        this.modules[id] ??= {
          id,
          kind: "missing",
          code: "",
          deps: {},
          message: `npm package "${name}" of src/package.json is not installed: run \`smartapp install\` (serve and test install it on first run)`,
        };
        return { id };
      }
      const hint = this.opts.declared ? `add it to src/package.json and run \`smartapp install\`` : `declare it in src/package.json and run \`smartapp install\``;
      return { error: `cannot resolve import "${specifier}": no such npm package (${hint})` };
    }
    // require() cannot load an ES module: a CommonJS file gets the package's CommonJS build when its
    // exports offer one (the `require` condition), as Node would give it.
    const entry = packageEntry(pkg, sub, fromRequire ? (file) => this.isEsm(file) : undefined);
    if (!entry) return { error: `cannot resolve import "${specifier}": package ${name} has no entry for ${sub}` };
    const pkgReal = realDir(pkg.dir);
    if (pkgReal) this.packageRoots.add(pkgReal);
    if (!this.inPackageRoots(entry)) return this.outsidePackages(specifier, entry);
    return this.fileModule(entry);
  }

  private isEsm(file: string): boolean {
    if (isEsmFile(file, this.packageOf(file))) return true;
    try {
      return looksLikeEsm(fs.readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  }

  private fileModule(file: string): { id: string } {
    if (!isPackageFile(file)) return { id: this.addProjectModule(file) };
    const id = "npm:" + toPosix(file.slice(file.lastIndexOf(`node_modules${path.sep}`) + "node_modules/".length));
    if (this.modules[id]) return { id };
    const text = fs.readFileSync(file, "utf8");
    if (file.endsWith(".json")) return { id: this.put({ id, kind: "json", code: text, deps: {} }) };
    if (isEsmFile(file, this.packageOf(file)) || looksLikeEsm(text)) {
      const mod: Es6Module = { id, kind: "esm", code: text, deps: {}, imports: [], exports: [] };
      this.modules[id] = mod;
      this.scanEsm(mod, file, text, false);
      return { id };
    }
    return { id: this.addCjs(id, file, text) };
  }

  /** A CommonJS file: its literal `require("…")` calls are resolved; the rest throw at run time, as in Node. */
  private addCjs(id: string, file: string, text: string): string {
    const mod: Es6Module = { id, kind: "cjs", code: text, deps: {} };
    this.modules[id] = mod;
    const pkg = this.packageOf(file);
    for (const m of text.matchAll(REQUIRE_RE)) {
      const spec = m[2]!;
      if (spec in mod.deps) continue;
      const mapped = pkg && !spec.startsWith(".") ? browserBare(pkg, spec) : undefined;
      if (mapped === false) {
        mod.deps[spec] = this.emptyModule();
        continue;
      }
      try {
        const target = this.resolve(mapped ?? spec, path.dirname(file), pkg ? { pkg } : undefined, isPackageFile(file), true);
        if (target.id) mod.deps[spec] = target.id;
      } catch {
        // unreadable: require() throws "Cannot find module" at run time
      }
    }
    return id;
  }

  private emptyModule(): string {
    return this.put({ id: "empty:", kind: "json", code: "{}", deps: {} });
  }

  private builtin(name: string): string {
    const id = `node:${name}`;
    if (this.modules[id]) return id;
    if (BUILTIN_SHIMS.has(name)) return this.put({ id, kind: "builtin", code: "", deps: {} });
    return this.put({
      id,
      kind: "unavailable",
      code: "",
      deps: {},
      message: `node:${name} is not available in scripts: they run in an isolated V8 sandbox without files, sockets or processes (use $http, fetch or axios for HTTP); its functions throw when called`,
    });
  }

  private findPackage(name: string, fromDir: string): PackageInfo | null {
    const dirs: string[] = [];
    for (let d = fromDir; ; d = path.dirname(d)) {
      if (path.basename(d) !== "node_modules") dirs.push(path.join(d, "node_modules"));
      if (d === this.opts.projectDir || d === path.dirname(d) || !d.startsWith(this.opts.projectDir)) break;
    }
    for (const base of [...dirs, ...this.npmDirs]) {
      const dir = path.join(base, name);
      const key = dir;
      if (!this.packages.has(key)) this.packages.set(key, readPackage(dir));
      const pkg = this.packages.get(key);
      if (pkg) return pkg;
    }
    return null;
  }

  /** The package a file belongs to (nearest package.json). */
  private packageOf(file: string): PackageInfo | null {
    for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
      if (isFile(path.join(d, "package.json"))) {
        if (!this.packages.has(d)) this.packages.set(d, readPackage(d));
        return this.packages.get(d) ?? null;
      }
      if (path.basename(d) === "node_modules") break;
    }
    return null;
  }
}

/** Files under a node_modules folder are npm packages' (third-party code). */
function isPackageFile(file: string): boolean {
  return file.split(path.sep).includes("node_modules");
}

function realDir(dir: string): string | undefined {
  try {
    return fs.realpathSync(dir);
  } catch {
    return undefined;
  }
}

function readPackage(dir: string): PackageInfo | null {
  const file = path.join(dir, "package.json");
  if (!isFile(file)) return isDir(dir) ? { dir, json: {} } : null;
  try {
    return { dir, json: JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> };
  } catch {
    return { dir, json: {} };
  }
}

function splitPackage(spec: string): [string, string] {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, n).join("/");
  const rest = parts.slice(n).join("/");
  return [name, rest ? `./${rest}` : "."];
}

function resolveFile(base: string): string | undefined {
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  if (isDir(base)) {
    const pkg = readPackage(base);
    const main = pkg && typeof pkg.json.main === "string" ? resolveFile(path.join(base, pkg.json.main)) : undefined;
    if (main) return main;
    for (const ext of [".js", ".mjs", ".cjs", ".json"]) if (isFile(path.join(base, "index" + ext))) return path.join(base, "index" + ext);
  }
  return undefined;
}

/** Conditions of package.json `exports`, tried as Node does (object order): pure-JS builds first. */
const CONDITION_SETS = [new Set(["browser", "require", "default"]), new Set(["browser", "import", "default"])];
/** For a require() whose first pick is an ES module: Node's CommonJS condition. */
const REQUIRE_CONDITIONS = new Set(["require", "default"]);

function pickExport(value: unknown, conds: Set<string>): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = pickExport(v, conds);
      if (r) return r;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!conds.has(k)) continue;
      const r = pickExport(v, conds);
      if (r) return r;
    }
  }
  return undefined;
}

/** `isEsm` is given for a require(): an ES-module pick then gives way to the `require` condition's file. */
function packageEntry(pkg: PackageInfo, sub: string, isEsm?: (file: string) => boolean): string | undefined {
  const exp = pkg.json.exports;
  if (exp !== undefined && exp !== null) {
    const isSubpathMap = typeof exp === "object" && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."));
    let target: unknown = undefined;
    if (!isSubpathMap) target = sub === "." ? exp : undefined;
    else {
      const map = exp as Record<string, unknown>;
      if (sub in map) target = map[sub];
      else {
        for (const [k, v] of Object.entries(map)) {
          const star = k.indexOf("*");
          if (star < 0) continue;
          const pre = k.slice(0, star);
          const post = k.slice(star + 1);
          if (sub.startsWith(pre) && sub.endsWith(post) && sub.length >= pre.length + post.length) {
            const mid = sub.slice(pre.length, sub.length - post.length);
            target = JSON.parse(JSON.stringify(v).replaceAll("*", mid.replaceAll('"', "")));
            break;
          }
        }
      }
    }
    for (const conds of CONDITION_SETS) {
      const rel = pickExport(target, conds);
      if (rel) {
        const file = resolveFile(path.join(pkg.dir, rel));
        if (file && isEsm?.(file)) {
          const cjs = pickExport(target, REQUIRE_CONDITIONS);
          const cjsFile = cjs ? resolveFile(path.join(pkg.dir, cjs)) : undefined;
          if (cjsFile && !isEsm(cjsFile)) return cjsFile;
        }
        if (file) return file;
      }
    }
    if (target !== undefined) return undefined;
  }
  if (sub !== ".") return resolveFile(path.join(pkg.dir, sub));
  const browser = pkg.json.browser;
  for (const field of [typeof browser === "string" ? browser : undefined, pkg.json.main as string | undefined]) {
    if (typeof field !== "string") continue;
    const file = resolveFile(path.join(pkg.dir, field));
    if (file) {
      const mapped = browserField(pkg, file);
      return typeof mapped === "string" ? mapped : file;
    }
  }
  return resolveFile(path.join(pkg.dir, "index"));
}

/** package.json `browser` object: a file of the package replaced by another, or by nothing (false). */
function browserField(pkg: PackageInfo, file: string): string | false | undefined {
  const map = pkg.json.browser;
  if (!map || typeof map !== "object") return undefined;
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    if (!k.startsWith(".")) continue;
    if (resolveFile(path.join(pkg.dir, k)) !== file) continue;
    if (v === false) return false;
    if (typeof v === "string") return resolveFile(path.join(pkg.dir, v));
  }
  return undefined;
}

/** package.json `browser` object for a bare name (`"fs": false`). */
function browserBare(pkg: PackageInfo, spec: string): string | false | undefined {
  const map = pkg.json.browser;
  if (!map || typeof map !== "object") return undefined;
  const v = (map as Record<string, unknown>)[spec];
  if (v === false) return false;
  return typeof v === "string" ? v : undefined;
}

function isEsmFile(file: string, pkg: PackageInfo | null): boolean {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs")) return false;
  return pkg?.json.type === "module";
}

/**
 * A `.js` file of a CommonJS package written with import/export (builds that bundlers accept under
 * the `browser` condition): linked as an ES module, as a bundler would, instead of failing.
 */
function looksLikeEsm(text: string): boolean {
  if (!/^[ \t]*(?:import[\s{*"']|export[\s{*])/m.test(text)) return false;
  try {
    const ast = acorn.parse(text, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true });
    return ast.body.some((n) => n.type.startsWith("Import") || n.type.startsWith("Export"));
  } catch {
    return false;
  }
}

function patternNames(p: acorn.Pattern): string[] {
  switch (p.type) {
    case "Identifier":
      return [p.name];
    case "ObjectPattern":
      return p.properties.flatMap((q) => (q.type === "RestElement" ? patternNames(q.argument) : patternNames(q.value)));
    case "ArrayPattern":
      return p.elements.flatMap((e) => (e ? patternNames(e) : []));
    case "RestElement":
      return patternNames(p.argument);
    case "AssignmentPattern":
      return patternNames(p.left);
    default:
      return [];
  }
}

function walk(node: unknown, visit: (n: acorn.Node & { type: string }) => void): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  const n = node as acorn.Node & { type: string };
  if (typeof n.type === "string") visit(n);
  for (const [k, v] of Object.entries(n)) if (k !== "loc" && v && typeof v === "object") walk(v, visit);
}

/** Named imports of one ES module that the imported ES module does not export (V8 would fail the link). */
export function checkLinks(graph: Es6Graph, lines: (file: string) => string | undefined): ProjectError[] {
  const errors: ProjectError[] = [];
  for (const mod of Object.values(graph.modules)) {
    if (mod.kind !== "esm" || mod.id.startsWith("npm:")) continue;
    for (const imp of mod.imports ?? []) {
      const target = graph.modules[mod.deps[imp.specifier] ?? ""];
      if (!target || target.kind !== "esm" || target.exports === "any") continue;
      const missing = imp.names.filter((n) => !(target.exports as string[]).includes(n));
      if (missing.length)
        errors.push(new ProjectError(`"${imp.specifier}" does not export ${missing.map((n) => (n === "default" ? "a default" : `"${n}"`)).join(", ")}`, imp.pos, lines(`${imp.pos.file}:${imp.pos.line}`)));
    }
  }
  return errors;
}
