// Executing states (spec dsl.md §4.6): reactions top to bottom, go!/go and script transitions,
// reply building for every reaction tag.
import type { ButtonItem, ReactionNode } from "../dsl/ast.js";
import type { Project, State } from "../project/model.js";
import type { ScriptHost } from "../sandbox/types.js";
import { NewSessionSignal } from "../sandbox/types.js";
import type { HostServices, PendingInput, Reply } from "./types.js";
import { DialogError } from "./errors.js";
import { requireState, resolveStatePath } from "./paths.js";
import { resolveButtonTransition } from "./buttons.js";
import { parseInterval } from "./timeouts.js";
import { evalLooseValue, literalLineBreaks } from "./render.js";
import { fillHeader, fillJsonBody, fillUrl } from "./http-template.js";
import type { TurnExplainer } from "./explain.js";

/** Cap on states executed in one request through go!/transition chains [I]. */
export const MAX_STATES_PER_TURN = 100;

export interface TurnEnv {
  project: Project;
  services: HostServices;
  host: ScriptHost;
  forceEs6: boolean;
}

/** What a turn's execution leaves behind for §4.7 and the result. */
export interface Trace {
  executed: string[]; // every state entered, in order
  current: string; // the state being processed (context before the first state)
  nextContext?: string; // a deferred transition (go:, transition({deferred:true}))
  deferredNewSession?: { message?: string; data?: unknown };
  pendingInput?: PendingInput; // an InputText / InputNumber tag waits for the user's next text
}

const RENDERED_TEXT_PARAMS = new Set(["tts", "markdown", "html"]);

// A custom tag's arguments reach the script realm through $temp (one host call, any JSON) and one
// fixed script that moves them to $request.data.args, so the script compiles once per context.
const TAG_ARGS_TEMP = "__smartappCustomTagArgs";
const SET_TAG_ARGS = `$request.data = $request.data || {}; $request.data.args = $temp.${TAG_ARGS_TEMP}; delete $temp.${TAG_ARGS_TEMP};`;
const JSON_PARAM_TYPES = new Set(["stringArray", "nameValueList", "json"]);
const HTTP_ARGS_TEMP = "__smartappHttpRequestArgs";

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class Executor {
  /** Set by a tag that ends the state where it stands (InputText, InputNumber): no reaction after it runs. */
  private halted = false;

  constructor(
    private readonly env: TurnEnv,
    private readonly trace: Trace,
    private readonly explain?: TurnExplainer,
  ) {}

  /** Enter `path` and follow immediate transitions until a state finishes without one. */
  execute(path: string): void {
    let next: string | null = path;
    while (next !== null) {
      const state = requireState(this.env.project, "/", next);
      if (this.trace.executed.length >= MAX_STATES_PER_TURN) {
        throw new DialogError(`Infinite loop was detected for state ${state.path}: more than ${MAX_STATES_PER_TURN} transitions in one request`);
      }
      this.trace.executed.push(state.path);
      this.trace.current = state.path;
      this.env.host.setContext("currentState", state.path);
      next = this.runList(state.reactions, state);
    }
  }

  /**
   * The transition a script or handler asked for: deferred ones become the next context; an
   * immediate one is returned (resolved against `base`) for the caller to execute.
   */
  takeTransition(base: string): string | null {
    const tr = this.env.host.takeTransition();
    if (!tr) return null;
    const path = requireState(this.env.project, base, tr.value).path;
    this.explain?.scripted(base, path, tr.deferred);
    if (tr.deferred) {
      this.trace.nextContext = path;
      return null;
    }
    return path;
  }

  /** Runs reactions; returns the target of an immediate transition (the rest is skipped). */
  private runList(list: readonly ReactionNode[], state: State): string | null {
    for (const r of list) {
      this.explain?.runs(r.tag === "action" ? r.name : r.tag, r.pos);
      const jump = this.runOne(r, state);
      this.env.host.stampReplies(state.path);
      if (this.halted) return null;
      const scripted = this.takeTransition(state.path);
      if (scripted !== null) return scripted;
      if (jump !== null) return jump;
    }
    return null;
  }

  private runOne(r: ReactionNode, state: State): string | null {
    const { host } = this.env;
    switch (r.tag) {
      case "a":
        host.addReply(this.textReply(r.text, r.params, r.pos));
        return null;
      case "script":
      case "scriptEs6":
        host.runScript(r.code, { es6: r.tag === "scriptEs6" || this.env.forceEs6, pos: r.pos });
        return null;
      case "go!": {
        const to = requireState(this.env.project, state.path, host.render(r.target, r.pos)).path;
        this.explain?.transition("go!", state.path, to, r.pos);
        return to;
      }
      case "go":
        this.trace.nextContext = requireState(this.env.project, state.path, host.render(r.target, r.pos)).path;
        this.explain?.transition("go", state.path, this.trace.nextContext, r.pos);
        return null;
      case "if":
        for (const b of r.branches) {
          if (b.cond === null || host.test(b.cond, b.pos)) return this.runList(b.body, state);
        }
        return null;
      case "random": {
        if (r.options.length === 0) return null;
        // The platform picks with $reactions.random(n), so $request.data.smartRandom and <random> pin it too.
        const picked = Number(host.render(`{{ $reactions.random(${r.options.length}) }}`, r.pos));
        const i = Number.isFinite(picked) ? picked : this.env.services.random(r.options.length);
        const option = r.options[Math.min(Math.max(0, Math.floor(i)), r.options.length - 1)]!;
        return this.runList([option], state);
      }
      case "buttons":
      case "inlineButtons":
        host.addReply({ type: r.tag, buttons: r.items.map((item) => this.button(item, state)) });
        return null;
      case "image":
      case "audio":
      case "video":
        host.addReply({ type: r.tag, [`${r.tag}Url`]: host.render(r.url, r.pos), ...r.params });
        return null;
      case "timeout": {
        const interval = r.params.interval;
        if (interval === undefined) throw new DialogError(`timeout: ${r.target} has no interval (write || interval = "30 seconds")`);
        const rendered = typeof interval === "string" ? host.render(interval, r.pos) : interval;
        host.addReply({
          type: "timeout",
          interval: parseInterval(rendered),
          targetState: resolveStatePath(state.path, host.render(r.target, r.pos)),
        });
        return null;
      }
      case "newSession":
        return this.newSession(r.params, r.pos);
      case "action":
        return this.env.project.customTags?.get(r.name)?.startState ? this.customTag(r, state) : this.action(r, state);
    }
  }

  private textReply(text: string, params: Record<string, string | number | boolean>, pos: ReactionNode["pos"]): Reply {
    const { host } = this.env;
    const reply: Reply = { type: "text", text: host.render(literalLineBreaks(text), pos) };
    for (const [k, v] of Object.entries(params)) {
      reply[k] = typeof v === "string" && RENDERED_TEXT_PARAMS.has(k) ? host.render(literalLineBreaks(v), pos) : v;
    }
    return reply;
  }

  private button(item: ButtonItem, state: State): Record<string, unknown> {
    const { host } = this.env;
    let button: Record<string, unknown>;
    if (item.json !== undefined) {
      const value = evalLooseValue(host, item.json, item.pos);
      button = value && typeof value === "object" ? { ...(value as Record<string, unknown>) } : { text: String(value) };
      if (typeof button.text === "string") button.text = host.render(button.text, item.pos);
    } else {
      button = { text: host.render(item.text ?? "", item.pos) };
    }
    if (item.target !== undefined) button.transition = host.render(item.target, item.pos);
    resolveButtonTransition(button, state.path);
    return button;
  }

  /** `newSession:` [I]: `deferred = true` ends the session after this request; otherwise abort and restart. */
  private newSession(params: Record<string, string | number | boolean>, pos: ReactionNode["pos"]): null {
    const { host } = this.env;
    const message = params.message === undefined ? undefined : host.render(String(params.message), pos);
    const data = typeof params.data === "string" ? evalLooseValue(host, params.data, pos) : params.data;
    if (params.deferred === true || params.deferred === "true") {
      this.trace.deferredNewSession = { message, data };
      return null;
    }
    throw new NewSessionSignal({ message, data });
  }

  /**
   * A use of a custom tag (docs/dsl.md, "Custom tags") goes to the tag's `startState` with its
   * parameters in `$request.data.args`, as the platform documents: values are strings (`{{ }}`
   * rendered), `state` values absolute paths resolved against the state the tag is in, and the
   * JSON-typed ones (`stringArray`, `nameValueList`, `json`) parsed when they are JSON.
   */
  private customTag(r: Extract<ReactionNode, { tag: "action" }>, state: State): string {
    const { host, project } = this.env;
    const def = project.customTags!.get(r.name)!;
    const types = new Map(def.parameters.map((p) => [p.name, p.type]));
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(r.params)) {
      let text = typeof value === "string" ? host.render(value, r.paramPos?.[key] ?? r.pos) : String(value);
      const type = types.get(key);
      if (type === "state" && text.trim()) text = resolveStatePath(state.path, text.trim());
      args[key] = type !== undefined && JSON_PARAM_TYPES.has(type) ? parseJsonOr(text) : text;
    }
    host.setTemp(TAG_ARGS_TEMP, args);
    host.runScript(SET_TAG_ARGS, { es6: false, pos: r.pos });
    const to = requireState(project, "/", def.startState!).path;
    this.explain?.transition(r.name, state.path, to, r.pos);
    return to;
  }

  /**
   * The platform's built-in action tags (docs/engine.md, "Action tags"): HttpRequest, EndSession,
   * InputText and InputNumber run; the others are logged and skipped.
   */
  private action(r: Extract<ReactionNode, { tag: "action" }>, state: State): string | null {
    switch (r.name) {
      case "HttpRequest":
        return this.httpRequest(r, state);
      case "EndSession":
        // "Ends the current user session and clears all session data" (the platform's tag list).
        this.env.host.runScript("$jsapi.stopSession();", { es6: false, pos: r.pos });
        return null;
      case "InputText":
      case "InputNumber":
        return this.input(r, state);
    }
    this.env.services.log("warn", `${r.pos.file}:${r.pos.line}: action tag ${r.name} is not supported; skipped`);
    return null;
  }

  private param(r: Extract<ReactionNode, { tag: "action" }>, key: string): string {
    const v = r.params[key];
    if (v === undefined) return "";
    return typeof v === "string" ? this.env.host.render(v, r.paramPos?.[key] ?? r.pos).trim() : String(v);
  }

  /** A parameter as the author wrote it, `{{ }}` not filled in. */
  private rawParam(r: Extract<ReactionNode, { tag: "action" }>, key: string): string {
    const v = r.params[key];
    return v === undefined ? "" : String(v).trim();
  }

  /**
   * `HttpRequest:` as documented: `$http.query` with `method`, `dataType`, `body`, `headers` and
   * `timeout` (ms); `{{ }}` filled in (each result made inert where it lands: src/engine/http-template.ts)
   * and `${name}` filled from `$session`, as the visual editor's request block does. The answer is
   * `$httpResponse` (also `$temp.httpResponse` for the rest of the turn; its status
   * `$session.httpStatus`); on a 2xx answer each `vars` item `{name, value}` sets `$session[name]`
   * to its `value` expression and the dialog goes to `okState`; otherwise to `errorState`, or to `/`
   * without one (the documented timeout rule, for every failure [I]).
   */
  private httpRequest(r: Extract<ReactionNode, { tag: "action" }>, state: State): null {
    const { host } = this.env;
    const posOf = (key: string) => r.paramPos?.[key] ?? r.pos;
    // Header values are filled in after the list is read, so a result cannot break its JSON.
    const headers: Record<string, string> = {};
    const rawHeaders = parseJsonOr(this.rawParam(r, "headers"));
    const header = (v: unknown) => fillHeader(host, String(v ?? ""), posOf("headers")).trim();
    if (Array.isArray(rawHeaders)) {
      for (const h of rawHeaders) if (h && typeof h === "object" && typeof h.name === "string") headers[h.name] = header(h.value);
    } else if (rawHeaders && typeof rawHeaders === "object") {
      for (const [k, v] of Object.entries(rawHeaders)) headers[k] = header(v);
    }
    // `vars` values are expressions over $httpResponse, taken as the author wrote them: code is never
    // built from filled-in text, and the tag's script is the same text every time it runs.
    const vars = parseJsonOr(this.rawParam(r, "vars"));
    const assignments = (Array.isArray(vars) ? vars : [])
      .filter((v): v is { name: string; value: unknown } => !!v && typeof v === "object" && typeof v.name === "string" && v.name !== "")
      .map((v) => `$session[${JSON.stringify(v.name)}] = (${typeof v.value === "string" && v.value.trim() !== "" ? v.value : "undefined"});`);
    const target = (key: string): string => {
      const t = this.param(r, key);
      return t === "" ? "" : resolveStatePath(state.path, t);
    };
    const timeout = Number(this.param(r, "timeout"));
    const dataType = this.param(r, "dataType") || "json";
    const rawBody = this.rawParam(r, "body");
    const body = dataType.toLowerCase() === "json" ? fillJsonBody(host, rawBody, posOf("body")) : host.render(rawBody, posOf("body"));
    host.setTemp(HTTP_ARGS_TEMP, {
      url: fillUrl(host, this.rawParam(r, "url"), posOf("url")).trim(),
      method: (this.param(r, "method") || "GET").toUpperCase(),
      dataType,
      body: body || undefined,
      headers,
      timeout: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
      okState: target("okState"),
      errorState: target("errorState") || "/",
    });
    // The answer stays out of the stored session (it may be large: the state has a size limit).
    const code = [
      `var __req = $temp.${HTTP_ARGS_TEMP}; delete $temp.${HTTP_ARGS_TEMP};`,
      "var __res = $http.query(__req.url, { method: __req.method, dataType: __req.dataType, body: __req.body, headers: __req.headers, timeout: __req.timeout, query: $session });",
      "var $httpResponse = __res.data;",
      "$session.httpStatus = __res.status;",
      "$temp.httpResponse = $httpResponse;",
      "if (__res.isOk) {",
      ...assignments,
      "  if (__req.okState) $reactions.transition(__req.okState);",
      "} else {",
      "  $reactions.transition(__req.errorState);",
      "}",
    ].join("\n");
    host.runScript(code, { es6: false, pos: r.pos });
    return null;
  }

  /**
   * `InputText:` / `InputNumber:` as documented: the prompt (`html` when `htmlEnabled`) with the
   * buttons of `actions`, then the user's next text goes to `$session[varName]` and the dialog to
   * `then` (src/engine/input-tags.ts). Like the platform's script actions, the tag ends the state:
   * reactions after it do not run.
   */
  private input(r: Extract<ReactionNode, { tag: "action" }>, state: State): null {
    const { host } = this.env;
    const number = r.name === "InputNumber";
    const htmlEnabled = r.params.htmlEnabled === true || r.params.htmlEnabled === "true";
    const prompt = this.param(r, "prompt");
    const html = this.param(r, "html");
    const reply: Reply = { type: "text", text: prompt || html };
    if (htmlEnabled && html) Object.assign(reply, { html, htmlEnabled: true });
    host.addReply(reply);
    // Button names are filled in after the list is read (as HttpRequest's headers), so a result
    // cannot change the list's JSON: add a button or a transition.
    const actions = parseJsonOr(this.rawParam(r, "actions"));
    const actionsPos = r.paramPos?.actions ?? r.pos;
    for (const a of Array.isArray(actions) ? actions : []) {
      if (!a || typeof a !== "object" || !Array.isArray(a.buttons) || a.buttons.length === 0) continue;
      const buttons = a.buttons.map((b: Record<string, unknown>) => {
        const button: Record<string, unknown> = { text: host.render(String(b.name ?? b.text ?? ""), actionsPos).trim() };
        if (typeof b.transition === "string" && b.transition) button.transition = b.transition;
        resolveButtonTransition(button, state.path);
        return button;
      });
      host.addReply({ type: a.type === "inlineButtons" ? "inlineButtons" : "buttons", buttons });
    }
    const varName = this.param(r, "varName");
    const then = this.param(r, "then");
    const pending: PendingInput = { kind: number ? "number" : "text", varName, state: state.path, prompt: reply };
    if (then) pending.then = resolveStatePath(state.path, then);
    if (number) {
      const min = Number(this.param(r, "minValue"));
      const max = Number(this.param(r, "maxValue"));
      if (this.param(r, "minValue") !== "" && Number.isFinite(min)) pending.min = min;
      if (this.param(r, "maxValue") !== "" && Number.isFinite(max)) pending.max = max;
      const failures = parseJsonOr(this.param(r, htmlEnabled && this.param(r, "failureMessageHtml") ? "failureMessageHtml" : "failureMessage"));
      const list = (Array.isArray(failures) ? failures : typeof failures === "string" && failures ? [failures] : []).map(String).filter((t) => t !== "");
      if (list.length > 0) pending.failureMessages = list;
    }
    if (varName) this.trace.pendingInput = pending;
    else this.env.services.log("warn", `${r.pos.file}:${r.pos.line}: ${r.name} without varName: the answer is not kept`);
    this.halted = true;
    return null;
  }
}
