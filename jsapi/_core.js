// Realm core: the first code evaluated in every script context (see docs/sandbox.md).
// The script's value is a start function: the host calls it once with the one host function and
// gets back the dispatcher it drives every op through. The core builds the request scope
// ($context & co.), the template and expression engine and the dispatcher.
// The context lives in its own V8 isolate: nothing of the host's heap is reachable from here; the
// host function is an isolated-vm callback that exchanges strings, kept only in this closure.
// eslint-disable-next-line @typescript-eslint/no-unused-expressions -- the script's value is the start function
(function (hostFn, maxOutChars) {
  "use strict";
  var G = globalThis;

  // Shared memory and Wasm are not needed by scenarios: one less way to block the thread or to
  // allocate memory outside the isolate's accounting.
  delete G.SharedArrayBuffer;
  delete G.WebAssembly;

  // Builtins captured before any user code can replace them.
  var JSONparse = JSON.parse;
  var dataRead = ""; // see the dataRead op
  var JSONstringify = JSON.stringify;
  var defineProperty = Object.defineProperty;
  var objectKeys = Object.keys;
  var getOwnPropertyNames = Object.getOwnPropertyNames;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var getPrototypeOf = Object.getPrototypeOf;
  var RealmError = Error;
  var RealmTypeError = TypeError;
  var RealmPromise = Promise;
  var promiseThen = Promise.prototype.then;
  var reflectApply = Reflect.apply;
  var OrigFunction = Function;
  var origEval = G.eval;
  var isArray = Array.isArray;
  var RealmMap = Map;
  var mapGet = Map.prototype.get;
  var mapSet = Map.prototype.set;
  var mapSize = Object.getOwnPropertyDescriptor(Map.prototype, "size").get;
  var mapClear = Map.prototype.clear;
  var OrigDate = Date;
  var ownKeys = Reflect.ownKeys;
  var symbolToPrimitive = Symbol.toPrimitive;
  var symbolToStringTag = Symbol.toStringTag;

  // The prototypes turn data inherits from (JSON values, and the builtin functions it may read), as
  // V8 made them: `turnDataNames` tells the host what load code changed there (src/sandbox/source.ts).
  var TURN_PROTOS = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, Function.prototype];
  function protoState(p) {
    var members = new RealmMap();
    var keys = ownKeys(p);
    for (var i = 0; i < keys.length; i++) reflectApply(mapSet, members, [keys[i], getOwnPropertyDescriptor(p, keys[i])]);
    return { parent: getPrototypeOf(p), members: members, keys: keys };
  }
  var builtinProtos = [];
  for (var bp = 0; bp < TURN_PROTOS.length; bp++) builtinProtos[bp] = protoState(TURN_PROTOS[bp]);

  function hidden(name, value, writable, configurable) {
    defineProperty(G, name, { value: value, writable: !!writable, enumerable: false, configurable: !!configurable });
  }

  // ---- host channel: strings in, strings out ----
  // Every string that leaves the isolate is at most maxOutChars long: it is copied into the host's
  // heap, parsed there and passed on (to the main thread, the store, the answer), so its size is
  // paid several times outside this isolate's memory limit.
  function tooLarge(what) {
    return new RealmError(what + " is larger than " + maxOutChars + " characters as JSON (the limit of a value leaving the script isolate)");
  }
  function hostCall(op, args) {
    var payload = args === undefined ? "null" : JSONstringify(args);
    if (payload !== undefined && payload.length > maxOutChars) throw tooLarge("the argument of host call '" + op + "'");
    var out;
    try {
      out = hostFn(op, payload === undefined ? "null" : payload);
    } catch (e) {
      // The callback failed inside isolated-vm (e.g. a non-string answer): a plain error of this context.
      throw new RealmError("host call '" + op + "' failed");
    }
    if (typeof out !== "string") throw new RealmError("host call '" + op + "' failed");
    var r = JSONparse(out);
    if (r.e !== undefined) throw new RealmError(String(r.e));
    return r.v;
  }

  // ---- libraries on first use: `moment` and `_` are evaluated into this context when first read ----
  function lazyLibrary(name) {
    function settle(value) {
      defineProperty(G, name, { value: value, writable: true, enumerable: false, configurable: true });
    }
    defineProperty(G, name, {
      get: function () {
        delete G[name]; // the library's own UMD code assigns the global
        hostCall("lib", name);
        return G[name];
      },
      set: settle,
      enumerable: false,
      configurable: true,
    });
  }
  lazyLibrary("moment");
  lazyLibrary("_");

  // ---- time comes from the host so tests can freeze it ----
  function now() {
    return hostCall("now");
  }
  var DateProxy = new Proxy(OrigDate, {
    construct: function (target, args, newTarget) {
      if (args.length === 0) return Reflect.construct(target, [now()], newTarget);
      return Reflect.construct(target, args, newTarget);
    },
    apply: function () {
      return String(new OrigDate(now()));
    },
  });
  defineProperty(OrigDate, "now", { value: now, writable: true, configurable: true });
  hidden("Date", DateProxy, true, true);
  // The other ways to V8's own clock: the real Date through an instance (`new Date().constructor`),
  // and Intl's formatting of "no date", which reads the clock natively.
  defineProperty(OrigDate.prototype, "constructor", { value: DateProxy, writable: true, enumerable: false, configurable: true });
  if (typeof Intl === "object" && Intl !== null && typeof Intl.DateTimeFormat === "function") {
    var dtfProto = Intl.DateTimeFormat.prototype;
    var boundFormat = getOwnPropertyDescriptor(dtfProto, "format").get;
    var formatToParts = dtfProto.formatToParts;
    // One function per instance, as the spec's getter caches its bound format (dtf.format === dtf.format).
    var formats = new WeakMap();
    var weakGet = WeakMap.prototype.get;
    var weakSet = WeakMap.prototype.set;
    defineProperty(dtfProto, "format", {
      get: function () {
        var cached = reflectApply(weakGet, formats, [this]);
        if (cached !== undefined) return cached;
        var format = reflectApply(boundFormat, this, []);
        var withClock = function (date) {
          return format(date === undefined ? now() : date);
        };
        reflectApply(weakSet, formats, [this, withClock]);
        return withClock;
      },
      enumerable: false,
      configurable: true,
    });
    defineProperty(dtfProto, "formatToParts", {
      value: function formatToParts_(date) {
        return reflectApply(formatToParts, this, [date === undefined ? now() : date]);
      },
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }

  // ---- JSON helpers ----
  /** JSON.stringify that drops cycles (or marks them) instead of throwing. */
  function stringifySafe(value, cycleMark, space, dropNulls) {
    // Natively first: a replacer function takes V8 off its fast path (it was a fifth of a turn that
    // entered the isolate); only a value it refuses (a cycle) is walked with the ancestors below.
    if (!dropNulls) {
      try {
        return JSONstringify(value, undefined, space);
      } catch (e) {
        // a cycle, or a getter/toJSON that threw: the walk below marks the one and rethrows the other
      }
    }
    var ancestors = [];
    return JSONstringify(
      value,
      function (key, val) {
        if (dropNulls && val === null) return undefined;
        if (typeof val === "object" && val !== null) {
          while (ancestors.length && ancestors[ancestors.length - 1] !== this) ancestors.pop();
          for (var i = 0; i < ancestors.length; i++) if (ancestors[i] === val) return cycleMark;
          ancestors.push(val);
        }
        return val;
      },
      space,
    );
  }
  function copy(value) {
    if (value === undefined) return undefined;
    var s = stringifySafe(value, undefined);
    return s === undefined ? undefined : JSONparse(s);
  }

  // ---- request scope ----
  var injector = {};
  var turn = null;
  function freshTurn(scope) {
    var request = scope.request || {};
    if (request.data === null || typeof request.data !== "object") request.data = {};
    var ctx = {
      request: request,
      response: { replies: [] },
      session: scope.session || {},
      client: scope.client || {},
      temp: {},
      parseTree: {},
      injector: injector,
      currentState: scope.contextPath || "/",
      contextPath: scope.contextPath || "/",
      contextHistory: [],
      testContext: scope.testContext,
      intent: undefined,
      entities: [],
      nluResults: {},
      nBest: [],
      exception: undefined,
      sessionId: scope.sessionId,
    };
    return { ctx: ctx, transition: null, sessionOps: [], mails: [], httpCalls: 0, newSession: null, async: null };
  }
  turn = freshTurn({});

  // ---- Math.random: this context's generator (xoshiro128**), seeded anew by the host for each turn ----
  // A turn's numbers follow from its seed alone, and the host can give a turn that runs again (after
  // `$http`, docs/architecture.md) the seed of its first run, so both runs draw the same numbers.
  // Load code (before the first turn of the context) gets a seed that is never replayed.
  var loadTurn = turn;
  var rngTurn = null;
  var r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  var imul = Math.imul;
  function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
  }
  function next32() {
    var out = imul(rotl(imul(r1, 5), 7), 9) >>> 0;
    var t = r1 << 9;
    r2 ^= r0;
    r3 ^= r1;
    r1 ^= r2;
    r0 ^= r3;
    r2 ^= t;
    r3 = rotl(r3, 11);
    return out;
  }
  function random() {
    if (rngTurn !== turn) {
      rngTurn = turn;
      var seed = hostCall("seed", turn !== loadTurn);
      r0 = seed[0] | 0;
      r1 = seed[1] | 0;
      r2 = seed[2] | 0;
      r3 = seed[3] | 0;
      if ((r0 | r1 | r2 | r3) === 0) r0 = 1; // the one state the generator never leaves
    }
    // 53 random bits, as V8's own Math.random gives: 27 from one draw and 26 from the next.
    return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  }
  defineProperty(Math, "random", { value: random, writable: true, enumerable: false, configurable: true });

  /**
   * `obj[name]` read from the host on first use (a JSON copy, like everything else that comes in),
   * then an ordinary data member; only while `t` is the current turn. Redefining the member the
   * `begin` JSON carried as a placeholder keeps its place among the keys. `key`: what the host is
   * asked for (turnValue), when it is not `name`.
   */
  function lazyMember(obj, name, t, key) {
    var settle = function (v) {
      try {
        defineProperty(obj, name, { value: v, writable: true, enumerable: true, configurable: true });
      } catch (e) {
        // the object was frozen by a script: the accessor stays, and answers the copy it fetched
      }
      return v;
    };
    var fetched = false;
    var fetchedValue;
    defineProperty(obj, name, {
      get: function () {
        if (!fetched) {
          if (turn !== t) return settle(undefined);
          fetchedValue = hostCall("turnValue", key === undefined ? name : key);
          fetched = true;
        }
        return settle(fetchedValue);
      },
      set: settle,
      enumerable: true,
      configurable: true,
    });
  }

  function scopeVar(name, field, writable) {
    defineProperty(G, name, {
      get: function () {
        return turn.ctx[field];
      },
      set: writable
        ? function (v) {
            turn.ctx[field] = v;
          }
        : function () {},
      enumerable: false,
      configurable: false,
    });
  }
  defineProperty(G, "$context", { get: function () { return turn.ctx; }, set: function () {}, enumerable: false, configurable: false });
  scopeVar("$request", "request", false);
  scopeVar("$injector", "injector", false);
  scopeVar("$response", "response", true);
  scopeVar("$session", "session", true);
  scopeVar("$client", "client", true);
  scopeVar("$temp", "temp", true);
  scopeVar("$parseTree", "parseTree", true);
  defineProperty(G, "$global", { get: function () { return G; }, set: function () {}, enumerable: false, configurable: false });
  hidden("global", G, true, true);

  // `$`: Nashorn projects build it with an object whose __noSuchProperty__ forwards to
  // $jsapi.context(); an object assigned to `$` with such a hook is wrapped in a Proxy.
  function withNoSuchProperty(obj) {
    if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return obj;
    if (typeof obj.__noSuchProperty__ !== "function") return obj;
    return new Proxy(obj, {
      get: function (target, key, receiver) {
        if (typeof key !== "string" || key in target) return Reflect.get(target, key, receiver);
        return target.__noSuchProperty__(key);
      },
    });
  }
  var dollar = new Proxy(
    {},
    {
      get: function (t, key) {
        return turn.ctx[key];
      },
      set: function (t, key, v) {
        turn.ctx[key] = v;
        return true;
      },
      has: function (t, key) {
        return key in turn.ctx;
      },
    },
  );
  defineProperty(G, "$", {
    get: function () {
      return dollar;
    },
    set: function (v) {
      dollar = withNoSuchProperty(v);
    },
    enumerable: false,
    configurable: false,
  });

  // Global __noSuchProperty__ (Nashorn): a Proxy in the global's prototype chain answers names
  // that do not exist anywhere, but only once a script defined the hook.
  var protoHook = new Proxy(Object.create(getPrototypeOf(G)), {
    has: function (target, key) {
      if (key in target) return true;
      return typeof key === "string" && key !== "__noSuchProperty__" && typeof G.__noSuchProperty__ === "function";
    },
    get: function (target, key, receiver) {
      if (key in target || typeof key !== "string" || key === "__noSuchProperty__") return Reflect.get(target, key, receiver);
      var hook = G.__noSuchProperty__;
      return typeof hook === "function" ? hook(key) : undefined;
    },
  });
  Object.setPrototypeOf(G, protoHook);

  // ---- expressions and templates ----
  var exprCache = new RealmMap();
  function compileExpr(src) {
    var f = reflectApply(mapGet, exprCache, [src]);
    if (f) return f;
    try {
      f = new OrigFunction("return (" + src + "\n);");
    } catch (e1) {
      try {
        f = new OrigFunction("return (" + String(src).replace(/;\s*$/, "") + "\n);");
      } catch (e2) {
        // A statement list (`a = 1; b > a`): its completion value, via indirect eval.
        f = function () {
          return origEval(src);
        };
      }
    }
    if (reflectApply(mapSize, exprCache, []) > 5000) reflectApply(mapClear, exprCache, []);
    reflectApply(mapSet, exprCache, [src, f]);
    return f;
  }
  function evalExpr(src) {
    return compileExpr(src)();
  }
  function toText(v) {
    return v === undefined || v === null ? "" : String(v);
  }
  function compilesAsExpr(src) {
    try {
      new OrigFunction("return (" + src + "\n);");
      return true;
    } catch (e) {
      return false;
    }
  }
  /** Split a template into literal strings and expression sources; the shortest `}}` that closes a valid expression wins. */
  function parseTemplate(t) {
    var parts = [];
    var i = 0;
    while (i < t.length) {
      var open = t.indexOf("{{", i);
      if (open < 0) break;
      if (open > i) parts.push({ lit: t.slice(i, open) });
      var from = open + 2;
      var close = t.indexOf("}}", from);
      if (close < 0) {
        parts.push({ lit: t.slice(open) });
        i = t.length;
        break;
      }
      var chosen = close;
      for (var c = close; c >= 0; c = t.indexOf("}}", c + 1)) {
        if (compilesAsExpr(t.slice(from, c))) {
          chosen = c;
          break;
        }
      }
      var src = t.slice(from, chosen);
      parts.push(/^\s*$/.test(src) ? { lit: "" } : { expr: src });
      i = chosen + 2;
    }
    if (i < t.length) parts.push({ lit: t.slice(i) });
    return parts;
  }
  var templateCache = new RealmMap();
  function render(t, scope) {
    if (typeof t !== "string") return toText(t);
    if (t.indexOf("{{") < 0) return t;
    var parts = reflectApply(mapGet, templateCache, [t]);
    if (!parts) {
      parts = parseTemplate(t);
      if (reflectApply(mapSize, templateCache, []) > 5000) reflectApply(mapClear, templateCache, []);
      reflectApply(mapSet, templateCache, [t, parts]);
    }
    var out = "";
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (p.lit !== undefined) out += p.lit;
      else out += toText(scope ? scopedExpr(p.expr)(scope) : evalExpr(p.expr));
    }
    return out;
  }
  var scopedCache = new RealmMap();
  function scopedExpr(src) {
    var f = reflectApply(mapGet, scopedCache, [src]);
    if (f) return f;
    f = new OrigFunction("__scope", "with (__scope) { return (" + src + "\n); }");
    reflectApply(mapSet, scopedCache, [src, f]);
    return f;
  }

  // ---- paths, replies, handlers ----
  function resolvePath(base, rel) {
    rel = rel === undefined || rel === null ? "" : String(rel).trim();
    base = base === undefined || base === null ? "/" : String(base);
    var full = rel.charAt(0) === "/" ? rel : base + "/" + rel;
    var out = [];
    var segs = full.split("/");
    for (var i = 0; i < segs.length; i++) {
      var s = segs[i];
      if (s === "" || s === ".") continue;
      if (s === "..") out.pop();
      else out.push(s);
    }
    return "/" + out.join("/");
  }
  function currentState() {
    return turn.ctx.currentState || turn.ctx.contextPath || "/";
  }
  function responseReplies() {
    var r = turn.ctx.response;
    if (r === null || typeof r !== "object") r = turn.ctx.response = {};
    if (!isArray(r.replies)) r.replies = [];
    return r.replies;
  }
  function pushReply(reply) {
    if (reply && typeof reply === "object" && !reply.state) reply.state = currentState();
    responseReplies().push(reply);
    return reply;
  }
  var handlers = [];
  var loading = true;
  function bind(type, handler, path, name) {
    if (type !== null && typeof type === "object") {
      handler = type.handler;
      path = type.path;
      name = type.name;
      type = type.type;
    }
    if (typeof handler !== "function") throw new RealmTypeError("bind: handler must be a function");
    if (!loading) {
      hostCall("log", { level: "warn", message: "bind('" + type + "') after load is ignored" });
      return;
    }
    var h = { id: handlers.length, type: String(type), path: path ? String(path) : "/", fn: handler };
    if (name !== undefined && name !== null) h.name = String(name);
    handlers.push(h);
  }

  // Thrown by $reactions.newSession; also remembered in the turn so a user catch cannot swallow it.
  var NEW_SESSION = { newSession: true };
  /** @returns {never} */
  function newSession(params) {
    turn.newSession = copy(params || {}) || {};
    throw NEW_SESSION;
  }

  // ---- the API modules get this object (jsapi/*.js), never scripts ----
  var idle = null;
  /** @type {PlatformHost} */
  var host = {
    call: function (op, args) {
      return hostCall("call", { op: String(op), args: args });
    },
    http: function (req) {
      return hostCall("http", req);
    },
    now: now,
    random: function (max) {
      return hostCall("random", max);
    },
    log: function (level, message) {
      hostCall("log", { level: level, message: typeof message === "string" ? message : stringifySafe(message, "cycle") });
    },
    env: function (name) {
      return hostCall("env", String(name));
    },
    secret: function (name) {
      return hostCall("secret", String(name));
    },
    parseXml: function (text) {
      return hostCall("parseXml", String(text));
    },
    context: function () {
      return turn.ctx;
    },
    turn: function () {
      return turn;
    },
    currentState: currentState,
    render: render,
    evalExpr: evalExpr,
    resolvePath: resolvePath,
    pushReply: pushReply,
    newSession: newSession,
    bind: bind,
    copy: copy,
    stringify: stringifySafe,
    // jsapi/es6.js: what to run when an awaited block has nothing else to do (timers); true if it ran something.
    onIdle: function (fn) {
      idle = fn;
    },
    define: function (name, value) {
      defineProperty(G, name, { value: value, writable: true, enumerable: false, configurable: true });
    },
  };
  hidden(
    "__sa_module",
    function (factory) {
      factory(host);
    },
    false,
    true,
  );

  // A parse tree node's `_<Tag>` shortcuts stay readable but are not enumerable below the node the
  // script or converter gets: zb-common's helpers walk every enumerable key other than text/value/
  // tag/pattern/words as a list of child nodes, and a string shortcut would recurse without end
  // (docs/patterns.md, "$parseTree").
  function hideShortcuts(node, self) {
    if (node === null || typeof node !== "object") return node;
    var keys = objectKeys(node);
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      var v = node[k];
      if (isArray(v)) for (var j = 0; j < v.length; j++) hideShortcuts(v[j], true);
      else if (self && k.charAt(0) === "_") defineProperty(node, k, { value: v, writable: true, enumerable: false, configurable: true });
    }
    return node;
  }

  // ---- the dispatcher ----
  var scripts = [];
  function takeNewSession() {
    var ns = turn.newSession;
    turn.newSession = null;
    return JSONstringify({ ns: ns });
  }
  function describe(e) {
    try {
      if (turn.newSession) return takeNewSession();
      var d = {};
      if (e instanceof RealmError) {
        d.name = String(e.name);
        d.message = String(e.message);
        d.stack = typeof e.stack === "string" ? e.stack : "";
        var fields = {};
        var keys = objectKeys(e);
        for (var i = 0; i < keys.length; i++) fields[keys[i]] = e[keys[i]];
        if (keys.length) d.fields = copy(fields);
      } else {
        d.thrown = copy(e);
        if (typeof e === "string") d.message = e;
        else if (e && typeof e.message === "string") d.message = e.message;
        else d.message = stringifySafe(e, null) || String(e);
      }
      var described = JSONstringify({ err: d });
      if (described.length > maxOutChars) return JSONstringify({ err: { name: d.name, message: String(d.message).slice(0, 1000) + "… (the error was larger than " + maxOutChars + " characters as JSON)" } });
      return described;
    } catch (e2) {
      return '{"err":{"message":"uncaught exception (could not be described)"}}';
    }
  }
  function finish(v) {
    if (turn.newSession) return takeNewSession();
    var s = v === undefined ? undefined : stringifySafe(v, undefined);
    if (s !== undefined && s.length > maxOutChars) return describe(tooLarge("a result (a turn's replies, $session, $client or $temp)"));
    // "t": a transition is waiting, so the host asks for it (takeTransition) only when there is one.
    var t = turn.transition !== null ? '"t":1' : "";
    return s === undefined ? "{" + t + "}" : '{"v":' + s + (t ? "," + t : "") + "}";
  }
  function snapshot() {
    var c = turn.ctx;
    var response = c.response !== null && typeof c.response === "object" ? c.response : {};
    if (!isArray(response.replies)) response.replies = [];
    return {
      session: c.session !== null && typeof c.session === "object" ? c.session : {},
      client: c.client !== null && typeof c.client === "object" ? c.client : {},
      response: response,
      temp: c.temp !== null && typeof c.temp === "object" ? c.temp : {},
      sessionOps: turn.sessionOps,
      mails: turn.mails,
    };
  }

  /**
   * setCtx of a value the host holds back (the NLU results, which most code never reads): fetched as
   * JSON on the first read, like rawRequest. Only over a plain data member, where the assignment
   * would have stored the value and nothing else; a member a script redefined (an accessor, read-only)
   * gets the value assigned at once, as any setCtx.
   */
  function lazyCtx(field, key) {
    var ctx = turn.ctx;
    var d = getOwnPropertyDescriptor(ctx, field);
    if (d !== undefined && d.writable === true && d.configurable === true) lazyMember(ctx, field, turn, key);
    else ctx[field] = hostCall("turnValue", key);
  }

  var OPS = {
    // m[2]: members of the request the host holds back (rawRequest, the whole channel message):
    // fetched as JSON the first time this turn's code reads them (docs/sandbox.md, "Per-turn state").
    begin: function (m) {
      turn = freshTurn(m[1]);
      var lazy = m[2] || [];
      for (var i = 0; i < lazy.length; i++) lazyMember(turn.ctx.request, lazy[i], turn);
    },
    end: snapshot,
    setCtx: function (m) {
      if (m.length > 3) return lazyCtx(m[1], m[3]);
      turn.ctx[m[1]] = m[1] === "parseTree" ? hideShortcuts(m[2], false) : m[2];
    },
    getCtx: function (m) {
      return turn.ctx[m[1]];
    },
    getTemp: function (m) {
      var t = turn.ctx.temp;
      return t !== null && typeof t === "object" ? t[m[1]] : undefined;
    },
    setTemp: function (m) {
      if (turn.ctx.temp === null || typeof turn.ctx.temp !== "object") turn.ctx.temp = {};
      turn.ctx.temp[m[1]] = m[2];
    },
    query: function () {
      var q = turn.ctx.request && turn.ctx.request.query;
      return q === undefined || q === null ? undefined : String(q);
    },
    injector: function (m) {
      injector = m[1] || {};
      turn.ctx.injector = injector;
    },
    reg: function (m, fn) {
      scripts[m[1]] = fn;
    },
    run: function (m) {
      scripts[m[1]]();
    },
    runAsync: function (m) {
      turn.async = { state: "pending" };
      var t = turn;
      var p = scripts[m[1]]();
      reflectApply(promiseThen, RealmPromise.resolve(p), [
        function () {
          t.async = { state: "ok" };
        },
        function (e) {
          t.async = { state: "err", error: e };
        },
      ]);
    },
    take: function () {
      var a = turn.async;
      // Still pending: give the next timer its turn ("pending": ask again once its jobs ran).
      if (a && a.state === "pending") return idle && idle() ? "pending" : "stalled";
      turn.async = null;
      if (a && a.state === "err") throw a.error;
      return a ? a.state : "ok";
    },
    test: function (m) {
      return !!evalExpr(m[1]);
    },
    render: function (m) {
      return render(m[1]);
    },
    handler: function (m) {
      var h = handlers[m[1]];
      if (!h) throw new RealmError("no handler " + m[1]);
      reflectApply(h.fn, turn.ctx, [turn.ctx]);
    },
    convert: function (m) {
      var f = evalExpr(m[1]);
      if (typeof f !== "function") throw new RealmTypeError("converter " + m[1] + " is not a function");
      return copy(f(hideShortcuts(m[2], true), turn.ctx));
    },
    addReply: function (m) {
      pushReply(m[1]);
    },
    stamp: function (m) {
      var replies = responseReplies();
      for (var i = 0; i < replies.length; i++) {
        var r = replies[i];
        if (r !== null && typeof r === "object" && !r.state) r.state = m[1];
      }
    },
    takeTransition: function () {
      var t = turn.transition;
      turn.transition = null;
      return t;
    },
    handlers: function () {
      var out = [];
      for (var i = 0; i < handlers.length; i++) {
        var h = handlers[i];
        out.push(h.name === undefined ? { id: h.id, type: h.type, path: h.path } : { id: h.id, type: h.type, path: h.path, name: h.name });
      }
      return out;
    },
    library: function (m) {
      void G[m[1]]; // a lazy library's getter loads it
    },
    loaded: function () {
      loading = false;
    },
    // What the turn-data check must know of this context's builtin prototypes after load (asked once,
    // of the first context; src/sandbox/source.ts, TurnDataRules):
    // - shared: names that JSON data (and errors) inherit as an object, a function or an accessor, the
    //   platform's and the project's own additions included: code that keeps one or goes on from it
    //   is not turn data;
    // - loaded: of those, the ones load code added or replaced: merely reading or setting one runs
    //   load code (its getter or setter, or the conversion of an object or function load code made);
    // - own: per Object/Array/String/Number/Boolean.prototype, the string names that are not
    //   objects, functions or accessors (`length`) and the ones platform or load code added or
    //   replaced, a primitive value included (`Object.prototype.count = 5`): the host's evaluator
    //   (src/sandbox/turn-eval.ts) reads no such name, nor a shared one, that a value does not own;
    // - conversions: why load code would run wherever turn data is converted, serialised or an array
    //   hole read (a replaced toString/valueOf/join/toJSON/Symbol.toPrimitive, an accessor on Object.prototype or
    //   Array.prototype, a changed prototype chain, a deleted member), or "" — then no code is turn data.
    turnDataNames: function () {
      var shared = [];
      var loaded = [];
      var own = { object: [], array: [], string: [], number: [], boolean: [] };
      var ownKinds = ["object", "array", "string", "number", "boolean"];
      var conversions = "";
      var protos = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, Function.prototype, Error.prototype];
      for (var i = 0; i < protos.length; i++) {
        var names = getOwnPropertyNames(protos[i]);
        for (var j = 0; j < names.length; j++) {
          var d = getOwnPropertyDescriptor(protos[i], names[j]);
          if (d.get || d.set || (d.value !== null && (typeof d.value === "object" || typeof d.value === "function"))) shared[shared.length] = names[j];
        }
      }
      for (var p = 0; p < TURN_PROTOS.length; p++) {
        var proto = TURN_PROTOS[p];
        var before = builtinProtos[p];
        if (getPrototypeOf(proto) !== before.parent) conversions = "a builtin prototype's prototype was changed";
        // A deleted builtin (`delete Array.prototype.join`) changes what a conversion finds further up.
        for (var b = 0; b < before.keys.length; b++) if (!getOwnPropertyDescriptor(proto, before.keys[b])) conversions = "load code deleted a member of a builtin prototype";
        var keys = ownKeys(proto);
        for (var k = 0; k < keys.length; k++) {
          var key = keys[k];
          var desc = getOwnPropertyDescriptor(proto, key);
          var was = reflectApply(mapGet, before.members, [key]);
          var changed = !was || was.value !== desc.value || was.get !== desc.get || was.set !== desc.set;
          var accessor = !!(desc.get || desc.set);
          var converts = key === "toString" || key === "valueOf" || key === "join" || key === "toJSON" || key === symbolToPrimitive || key === symbolToStringTag;
          if (changed && (converts || (accessor && p < 2))) conversions = "load code changed a conversion or added an accessor on a builtin prototype";
          if (typeof key === "string" && changed && (accessor || (desc.value !== null && (typeof desc.value === "object" || typeof desc.value === "function")))) loaded[loaded.length] = key;
          var primitive = !accessor && (desc.value === null || (typeof desc.value !== "object" && typeof desc.value !== "function"));
          if (typeof key === "string" && p < ownKinds.length && (changed || primitive)) own[ownKinds[p]].push(key);
        }
      }
      return { shared: shared, loaded: loaded, own: own, conversions: conversions };
    },
    // Names of lazy data this context parsed: the host parses them up front in the next contexts it
    // pre-builds (off the hot path), as it does for lazy libraries. A string: nothing a script can patch.
    dataRead: function () {
      return dataRead;
    },
    readData: function (m) {
      for (var i = 0; i < m[1].length; i++) void G[m[1][i]];
    },
    data: function (m) {
      defineProperty(G, m[1], { value: m[2], writable: true, enumerable: true, configurable: true });
    },
    // A data load item as JSON text held once per isolate (a string: immutable, so sharing it lets no
    // context change what another sees). This context parses its own copy the first time a script
    // reads the global; a context that never reads it pays nothing (docs/sandbox.md, "Per-turn state").
    lazyData: function (m, text) {
      var name = m[1];
      var settle = function (v) {
        defineProperty(G, name, { value: v, writable: true, enumerable: true, configurable: true });
        return v;
      };
      defineProperty(G, name, {
        get: function () {
          dataRead += "\n" + name;
          return settle(JSONparse(text));
        },
        set: settle,
        enumerable: true,
        configurable: true,
      });
    },
    // An ES module's namespace (src/sandbox/modules.ts): `name` gets its default export, or the namespace.
    esm: function (m, ns) {
      if (m[1]) G[m[1]] = ns["default"] !== undefined ? ns["default"] : ns;
    },
  };

  // The dispatcher, returned to the host (never stored where scripts can reach it). Input: a JSON
  // batch [[op, ...args], …]: queued ops first, the last one's value is the result. `fn` is a
  // compiled function of this context the host hands to that last op (reg, esm).
  return function dispatch(input, fn) {
    try {
      var batch = JSONparse(input);
      var v;
      for (var i = 0; i < batch.length; i++) {
        var m = batch[i];
        var op = OPS[m[0]];
        if (typeof op !== "function") throw new RealmError("unknown op " + m[0]);
        v = op(m, i === batch.length - 1 ? fn : undefined);
      }
      return finish(v);
    } catch (e) {
      return describe(e);
    }
  };
});
