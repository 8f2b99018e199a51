// Loads a project folder into the immutable Project model (spec dsl.md §1–§2): chatbot.yaml, the
// entry .sc files and everything they require (other .sc, .js, YAML/JSON/CSV data, modules).
import fs from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import type { ReactionNode, RequireNode, ScFile, SourcePos } from "../dsl/ast.js";
import { parseScCollect } from "../dsl/parser.js";
import { checkScriptSyntax } from "./script-syntax.js";
import { ProjectError, ProjectErrors, type Diagnostic } from "../util/errors.js";
import { loadConfig, type LoadedConfig } from "./config.js";
import { checkCustomTagUse, customTagDefs, type CustomTagDef } from "./custom-tags.js";
import { resolvePath } from "./paths.js";
import { parseCsvDictionary, parseJsonData, parseYamlData } from "./data-files.js";
import { expandGlob, isDir, isFile, isGlob, listFiles, toPosix } from "./files.js";
import { parseJsonish } from "./jsonish.js";
import { checkLinks, declaredPackages, Es6GraphBuilder } from "./es6.js";
import type { ChatbotConfig, Dictionary, LoadItem, NamedPatternDef, Project } from "./model.js";
import { preloadEntries } from "./preload.js";
import { StateTable } from "./states.js";

/** Options of the project load: where system modules (`require: … || module = sys.NAME`) live. */
export interface LoadOptions {
  modules?: string[]; // folders holding system modules (sys.NAME → <folder>/NAME)
}

/** Where require paths of a file resolve: `/` = srcDir; files are labelled relative to labelBase. */
interface Root {
  srcDir: string;
  labelBase: string;
  labelPrefix: string;
}

interface SourceFile {
  abs: string;
  label: string;
  root: Root;
  lines: string[];
}

const SEP = "/";

/** Module folders from options (the CLI adds SMARTAPP_MODULES: src/cli/config.ts). */
export function moduleDirs(opts: LoadOptions): string[] {
  return (opts.modules ?? []).map((d) => path.resolve(d));
}

/** Platform modules that are not published: no one outside Just AI can provide them. */
const CLOSED_MODULES = new Set(["sys.zfl-common"]);

class Loader {
  readonly errors: ProjectError[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly files: string[] = [];
  readonly loadItems: LoadItem[] = [];
  readonly namedPatterns = new Map<string, NamedPatternDef>();
  readonly dictionaries = new Map<string, Dictionary>();
  readonly requireInjector: Record<string, unknown> = {};
  readonly table: StateTable;
  private readonly visited = new Set<string>();
  private readonly sources = new Map<string, string[]>(); // label → lines, for error carets
  private readonly moduleRoots = new Map<string, Root>();
  private readonly customTags: string[];
  /** The ES6 module graph, built when the first `type = scriptEs6` file is required. */
  es6Builder: Es6GraphBuilder | undefined;

  constructor(
    readonly dir: string,
    readonly config: ChatbotConfig,
    readonly projectRoot: Root,
    private readonly modules: string[],
    customTags: string[] = [],
  ) {
    this.customTags = customTags;
    this.table = new StateTable(
      (e) => this.errors.push(e),
      (pos) => this.sources.get(pos.file)?.[pos.line - 1],
    );
  }

  private label(abs: string, root: Root): string {
    return root.labelPrefix + toPosix(path.relative(root.labelBase, abs));
  }

  private errorAt(pos: SourcePos, message: string): ProjectError {
    return new ProjectError(message, pos, this.sources.get(pos.file)?.[pos.line - 1]);
  }

  private warn(message: string, pos?: SourcePos): void {
    this.diagnostics.push({ level: "warning", message, pos });
  }

  /**
   * Custom tags (docs/dsl.md, "Custom tags"): each tag's `scenarioFile` is loaded like a `require:`
   * (once, so a project that requires it too is not changed), then every use of a tag is checked
   * against its JSON: required and typed parameters, its `startState` and `state` parameters.
   */
  loadCustomTags(tags: Map<string, CustomTagDef>): void {
    for (const def of tags.values()) {
      if (!def.scenarioFile?.toLowerCase().endsWith(".sc")) continue;
      const file = path.join(this.projectRoot.srcDir, def.scenarioFile.replace(/^\/+/, ""));
      if (isFile(file)) this.loadSc(file, this.projectRoot);
      else this.warn(`customTags: scenarioFile ${def.scenarioFile} of ${def.file ?? def.name} not found in ${toPosix(path.relative(this.dir, this.projectRoot.srcDir)) || "."}/`, def.pos);
    }
    const visit = (reactions: readonly ReactionNode[], owner: string) => {
      for (const r of reactions) {
        if (r.tag === "if") for (const b of r.branches) visit(b.body, owner);
        else if (r.tag === "random") visit(r.options, owner);
        if (r.tag !== "action") continue;
        const def = tags.get(r.name);
        if (!def) continue;
        const { errors, warnings } = checkCustomTagUse(r, def);
        for (const e of errors) this.errors.push(this.errorAt(e.pos!, e.message));
        this.diagnostics.push(...warnings);
        if (def.startState && !this.table.states.has(resolvePath("/", def.startState))) {
          this.errors.push(this.errorAt(r.pos, `${def.name}: its startState ${def.startState}${def.file ? ` (${def.file})` : ""} is not a state of the project`));
        }
        for (const p of def.parameters) {
          const v = r.params[p.name];
          if (p.type !== "state" || typeof v !== "string" || !v.trim() || v.includes("{{")) continue;
          const to = resolvePath(owner, v.trim());
          if (!this.table.states.has(to)) this.warn(`${def.name}: parameter ${p.name} = ${v.trim()} in ${owner}: no state ${to}; the turn that goes there fails with "State not found"`, r.paramPos?.[p.name] ?? r.pos);
        }
      }
    };
    if (tags.size) for (const state of this.table.states.values()) visit(state.reactions, state.path);
  }

  /** Reads a file once; returns null when it was already loaded. */
  private open(abs: string, root: Root): SourceFile | null {
    if (this.visited.has(abs)) return null;
    this.visited.add(abs);
    const text = fs.readFileSync(abs, "utf8");
    const label = this.label(abs, root);
    const lines = text.split(/\r?\n/);
    this.sources.set(label, lines);
    this.files.push(label);
    return { abs, label, root, lines };
  }

  loadSc(abs: string, root: Root): void {
    const src = this.open(abs, root);
    if (!src) return;
    const { ast, errors, warnings } = parseScCollect(src.lines.join("\n"), src.label, { customTags: this.customTags });
    this.errors.push(...errors);
    this.diagnostics.push(...warnings);
    this.addScFile(ast, src);
  }

  private addScFile(ast: ScFile, src: SourceFile): void {
    for (const item of ast.items) {
      switch (item.kind) {
        case "require":
          this.require(item.node, src);
          break;
        case "patterns":
          for (const def of item.defs) {
            // Named patterns share one project-wide table on the platform: a later declaration replaces
            // an earlier one (zb-common itself declares $CarModel twice).
            const prev = this.namedPatterns.get(def.name);
            if (prev) this.warn(`named pattern ${def.name} declared again; this declaration replaces the one at ${prev.pos.file}:${prev.pos.line}`, def.pos);
            this.namedPatterns.set(def.name, { ...def });
          }
          break;
        case "init":
          this.loadItems.push({ kind: "script", code: item.block.code, es6: false, pos: item.block.pos });
          break;
        case "theme":
          for (const b of this.table.addTheme(item.node)) this.loadItems.push({ kind: "script", code: b.code, es6: false, pos: b.pos });
          break;
      }
    }
  }

  // ---- require:

  private require(req: RequireNode, from: SourceFile): void {
    try {
      if (req.path.includes("{{")) {
        this.warn(`require path with {{ }} cannot be resolved at load time; skipped: ${req.path}`, req.pos);
        return;
      }
      if (typeof req.params.injector === "string") this.mergeInjector(req);
      const moduleName = req.params.module !== undefined ? String(req.params.module) : null;
      const root = moduleName ? this.moduleRoot(moduleName, req) : from.root;
      const files = this.resolveFiles(req, moduleName ? root.srcDir : path.dirname(from.abs), root);
      for (const abs of files) this.loadRequired(abs, root, req);
    } catch (e) {
      if (e instanceof ProjectError) this.errors.push(e);
      else if (e instanceof ProjectErrors) this.errors.push(...e.errors);
      else throw e;
    }
  }

  private mergeInjector(req: RequireNode): void {
    try {
      Object.assign(this.requireInjector, parseJsonish(String(req.params.injector)));
    } catch (e) {
      throw this.errorAt(req.pos, `injector = … is not a valid object literal: ${(e as Error).message}`);
    }
  }

  /**
   * Relative paths resolve against the requiring file's folder (then the source root, which many
   * projects assume); `/x` is the source root; globs expand.
   */
  private resolveFiles(req: RequireNode, fromDir: string, root: Root): string[] {
    const rel = req.path;
    const bases = rel.startsWith(SEP) ? [root.srcDir] : [...new Set([fromDir, root.srcDir])];
    const cleaned = rel.replace(/^\/+/, "");
    if (isGlob(cleaned)) {
      for (const base of bases) {
        const found = expandGlob(base, cleaned);
        if (found.length) return found;
      }
      this.warn(`require glob matched no files: ${rel}`, req.pos);
      return [];
    }
    for (const base of bases) {
      const abs = path.resolve(base, cleaned);
      if (isFile(abs)) return [abs];
    }
    const looked = bases.map((b) => toPosix(path.relative(this.dir, path.resolve(b, cleaned))) || cleaned);
    throw this.errorAt(req.pos, `required file not found: ${rel} (looked for ${looked.join(", ")})`);
  }

  private moduleRoot(name: string, req: RequireNode): Root {
    const cached = this.moduleRoots.get(name);
    if (cached) return cached;
    let candidates: string[];
    if (name.startsWith("sys.")) {
      candidates = this.modules.map((d) => path.join(d, name.slice(4)));
    } else {
      const dep = (this.config.dependencies ?? []).find((d) => d.name === name);
      if (!dep) throw this.errorAt(req.pos, `module "${name}" is not declared in chatbot.yaml dependencies`);
      candidates = [path.join(this.dir, name), ...this.modules.map((d) => path.join(d, name))];
    }
    const dir = candidates.find(isDir);
    if (!dir) throw this.errorAt(req.pos, this.missingModule(name, candidates));
    // A module may be laid out like a project, with its files under src/.
    const srcDir = isDir(path.join(dir, "src")) ? path.join(dir, "src") : dir;
    const inside = !path.relative(this.dir, dir).startsWith("..");
    const root: Root = inside ? { srcDir, labelBase: this.dir, labelPrefix: "" } : { srcDir, labelBase: dir, labelPrefix: `${name}/` };
    this.moduleRoots.set(name, root);
    return root;
  }

  /** What to say when a module is nowhere: which one, where it comes from, how to provide it. */
  private missingModule(name: string, candidates: string[]): string {
    const where = candidates.length ? `looked in ${candidates.map((c) => toPosix(c)).join(", ")}` : "no module folders given";
    if (CLOSED_MODULES.has(name)) {
      return `module "${name}" not found: it is a closed module of the Just AI platform, not public, so it cannot be provided offline (${where})`;
    }
    if (name.startsWith("sys.")) {
      return `module "${name}" not found (${where}): put its source in a folder named ${name.slice(4)} inside a folder given with --modules or SMARTAPP_MODULES`;
    }
    const dep = (this.config.dependencies ?? []).find((d) => d.name === name);
    const from = dep?.url ? ` from ${dep.url}${dep.version ? ` (${dep.version})` : ""}` : "";
    return `dependency "${name}"${from} of chatbot.yaml not found (${where}): clone it into a folder named ${name} in the project or in a folder given with --modules`;
  }

  private loadRequired(abs: string, root: Root, req: RequireNode): void {
    const ext = path.extname(abs).toLowerCase();
    if (ext === ".sc") return this.loadSc(abs, root);
    const src = this.open(abs, root);
    if (!src) return;
    const text = src.lines.join("\n");
    const pos: SourcePos = { file: src.label, line: 1, col: 1 };
    const varName = req.params.var !== undefined ? String(req.params.var) : undefined;
    switch (ext) {
      case ".js":
        if (req.params.type === "scriptEs6") {
          const name = req.params.name !== undefined ? String(req.params.name) : undefined;
          const id = this.es6().addProjectModule(abs, text, src.label);
          this.loadItems.push(name ? { kind: "es6module", code: text, id, name, pos } : { kind: "es6module", code: text, id, pos });
        } else this.loadItems.push({ kind: "script", code: text, es6: false, pos });
        return;
      case ".yaml":
      case ".yml":
      case ".json": {
        let data: unknown;
        if (ext === ".json") data = parseJsonData(text, src.label);
        else {
          const read = parseYamlData(text, src.label);
          this.diagnostics.push(...read.warnings);
          data = read.data;
        }
        if (varName) this.loadItems.push({ kind: "data", varName, data, pos });
        else this.warn(`${src.label} is required without var = …; its data is not bound`, req.pos);
        return;
      }
      case ".csv":
        return this.loadCsv(text, src.label, req, varName, pos);
      default:
        this.warn(`${src.label}: unsupported file type for require:, ignored`, req.pos);
    }
  }

  private es6(): Es6GraphBuilder {
    this.es6Builder ??= new Es6GraphBuilder({
      projectDir: this.dir,
      srcDir: this.projectRoot.srcDir,
      declared: declaredPackages(this.projectRoot.srcDir, this.config.scriptRuntime?.requirementsFile),
      label: (abs) => toPosix(path.relative(this.dir, abs)),
    });
    return this.es6Builder;
  }

  /** The ES6 graph's own errors (unresolved imports, import()) and link errors join the load errors. */
  finishEs6(): Project["es6"] {
    const b = this.es6Builder;
    if (!b) return undefined;
    const r = b.result();
    this.errors.push(...r.errors);
    this.diagnostics.push(...r.warnings);
    const lines = (at: string) => {
      const [file, line] = [at.slice(0, at.lastIndexOf(":")), Number(at.slice(at.lastIndexOf(":") + 1))];
      return this.sources.get(file)?.[line - 1] ?? r.graph.modules[file]?.code.split(/\r?\n/)[line - 1];
    };
    this.errors.push(...checkLinks(r.graph, lines));
    // Imported project files are part of the project (watch mode, the check summary).
    for (const mod of Object.values(r.graph.modules)) if (!/^(npm|node|empty):/.test(mod.id) && !this.files.includes(mod.id)) this.files.push(mod.id);
    return { ...r.graph, syntaxErrors: r.syntaxErrors };
  }

  private loadCsv(text: string, label: string, req: RequireNode, varName: string | undefined, pos: SourcePos): void {
    const entries = parseCsvDictionary(text, label);
    const name = req.params.name !== undefined ? String(req.params.name) : undefined;
    if (name) {
      // Like named patterns, dictionaries form one table: a later one under the same name replaces
      // the earlier (zb-common loads several city lists as `Cities`).
      const prev = this.dictionaries.get(name);
      if (prev) this.warn(`dictionary ${name} loaded again from ${label}; it replaces the one from ${prev.file}`, req.pos);
      this.dictionaries.set(name, { name, file: label, entries });
    }
    if (varName) {
      const data: Record<string, { value: unknown }> = {};
      for (const e of entries) data[e.id] = { value: e.value };
      this.loadItems.push({ kind: "data", varName, data, pos });
    }
    if (!name && !varName) this.warn(`${label} is required without name = … or var = …; ignored`, req.pos);
  }
}

/** The folder that holds the entry point: src/ (JAICP) or scenarios/ (this repo's bundled demo). */
function findSrcDir(dir: string, loaded: LoadedConfig): string {
  const entry = loaded.config.entryPoint[0];
  if (!entry) throw new ProjectErrors([new ProjectError("entryPoint: needs at least one .sc file", loaded.posOf(["entryPoint"]))]);
  for (const folder of ["src", "scenarios"]) {
    if (isFile(path.join(dir, folder, entry))) return path.join(dir, folder);
  }
  const pos = loaded.posOf(["entryPoint"]);
  throw new ProjectErrors([new ProjectError(`entry point ${entry} not found in src/ or scenarios/`, pos)]);
}

/**
 * The project's XML test files, relative to `dir`: those `tests.include` / `tests.exclude` select,
 * or with `all` every XML file under test/ (`smartapp test --all`).
 */
export function selectTests(dir: string, config: ChatbotConfig, opts: { all?: boolean } = {}): string[] {
  const testDir = path.join(dir, "test");
  if (!isDir(testDir)) return [];
  if (opts.all) config = { ...config, tests: { ...config.tests, include: [], exclude: [] } };
  const nocase = config.tests?.caseSensitive === false;
  // Ant-style globs, as the platform reads them: a pattern ending in "/" means everything below it.
  const ant = (globs: string[]) => globs.map((g) => g.trim()).map((g) => (g.endsWith("/") ? g + "**" : g));
  const include = picomatch(config.tests?.include?.length ? ant(config.tests.include) : ["**/*.xml"], { nocase });
  const exclude = config.tests?.exclude?.length ? picomatch(ant(config.tests.exclude), { nocase }) : () => false;
  // Globs are relative to test/; also accept ones written from the project folder (test/**/*.xml).
  const hit = (m: (s: string) => boolean, rel: string) => m(rel) || m(`test/${rel}`);
  return listFiles(testDir)
    .filter((rel) => rel.toLowerCase().endsWith(".xml"))
    .filter((rel) => hit(include, rel) && !hit(exclude, rel))
    .map((rel) => `test/${rel}`);
}

/**
 * Loads the project in `dir`: chatbot.yaml, the entry points and everything they require; throws ProjectErrors
 * with every error found (script syntax included), else returns the Project with its warnings in `diagnostics`.
 */
export function loadProject(dir: string, opts: LoadOptions = {}): Project {
  const abs = path.resolve(dir);
  const loaded = loadConfig(abs);
  const srcDir = findSrcDir(abs, loaded);
  const tags = customTagDefs(loaded.config.customTags, abs, loaded.posOf);
  const customTags = new Map(tags.defs.map((d) => [d.name, d]));
  const loader = new Loader(abs, loaded.config, { srcDir, labelBase: abs, labelPrefix: "" }, moduleDirs(opts), [...customTags.keys()]);
  loader.diagnostics.push(...loaded.diagnostics, ...tags.diagnostics);

  for (const entry of loaded.config.entryPoint) {
    const file = path.join(srcDir, entry);
    if (!isFile(file)) {
      loader.errors.push(new ProjectError(`entry point ${entry} not found in ${toPosix(path.relative(abs, srcDir))}/`, loaded.posOf(["entryPoint"])));
      continue;
    }
    loader.loadSc(file, { srcDir, labelBase: abs, labelPrefix: "" });
  }

  loader.loadCustomTags(customTags);

  const preload = preloadEntries(loaded.config, loaded.posOf);
  loader.diagnostics.push(...preload.diagnostics);

  const es6 = loader.finishEs6();
  const project: Project = {
    ...(es6 ? { es6 } : {}),
    dir: abs,
    srcDir,
    config: loaded.config,
    diagnostics: loader.diagnostics,
    states: loader.table.states,
    triggers: loader.table.triggers,
    namedPatterns: loader.namedPatterns,
    dictionaries: loader.dictionaries,
    loadItems: loader.loadItems,
    // chatbot.yaml wins over defaults that modules pass with `injector = {…}`.
    injector: { ...loader.requireInjector, ...(loaded.config.injector ?? {}) },
    preload: preload.entries,
    files: loader.files,
    testFiles: selectTests(abs, loaded.config),
    customTags,
  };
  // A project that does not load still has its script bodies checked, so one run of `smartapp check`
  // reports a broken .sc line and a broken script together (the parser goes on past a bad line).
  if (loader.errors.length) throw new ProjectErrors([...loader.errors, ...checkScriptSyntax(project)]);
  return project;
}
