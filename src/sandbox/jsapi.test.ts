// The script-side $-API (jsapi/*.js) seen from scripts.
import { describe, expect, it } from "vitest";
import type { HttpRequest } from "../engine/types.js";
import { ScriptError } from "./types.js";
import { fakeServices, hostWith, pos } from "./testkit.js";

function session(code: string, opts: Parameters<typeof hostWith>[1] = {}) {
  const { host, run, services } = hostWith([], opts);
  run(code);
  return { snap: host.endTurn(), services };
}
const json = (body: unknown, status = 200) => ({ status, headers: { "Content-Type": "application/json; charset=utf-8" }, body: JSON.stringify(body) });

describe("$reactions", () => {
  it("answers text, templates and {value, markdown}", () => {
    const { snap } = session("$session.n = 'Ann'; $reactions.answer('Hi {{$session.n}}'); $reactions.answer({value: 'B {{1+1}}', markdown: '*{{$session.n}}*', tts: 'b'}, $context);");
    expect(snap.response.replies).toEqual([
      { type: "text", text: "Hi Ann", state: "/Start" },
      { type: "text", text: "B 2", markdown: "*Ann*", tts: "b", state: "/Start" },
    ]);
  });

  it("builds buttons of every form with transitions resolved against the current state", () => {
    const { snap } = session(`
      $reactions.buttons('One');
      $reactions.buttons(['A', 'B']);
      $reactions.buttons({text: 'Go', transition: 'GetName'});
      $reactions.buttons([{text: 'Up', transition: '../Reminder'}, {text: 'Site', url: 'https://x'}]);
      $reactions.buttons({button: {text: 'Phone', request_contact: true}});
      $reactions.inlineButtons([{text: 'cb', callback_data: 'x'}, {text: 'abs', transition: '/Menu'}]);`);
    expect(snap.response.replies.map((r) => r.buttons)).toEqual([
      [{ text: "One" }],
      [{ text: "A" }, { text: "B" }],
      [{ text: "Go", transition: "/Start/GetName" }],
      [{ text: "Up", transition: "/Reminder" }, { text: "Site", url: "https://x" }],
      [{ text: "Phone", request_contact: true }],
      [{ text: "cb", callback_data: "x" }, { text: "abs", transition: "/Menu" }],
    ]);
    expect(snap.response.replies.map((r) => r.type)).toEqual(["buttons", "buttons", "buttons", "buttons", "buttons", "inlineButtons"]);
  });

  it("adds media, location, timeout and raw pay replies", () => {
    const { snap } = session(
      `$reactions.image('https://i/1.png'); $reactions.image({url: 'https://i/2.png', hash: 'h'});
       $reactions.audio('https://a.mp3'); $reactions.audio({url: 'https://b.mp3', name: 'b'}); $reactions.video('https://v.mp4');
       $reactions.location(55.7, 37.6);
       $reactions.timeout({interval: '30 seconds', targetState: './Again'}); $reactions.timeout({interval: '5m', targetState: '/T'});
       $reactions.timeout({interval: '1 hour', targetState: '/T'}); $reactions.timeout({interval: 180, targetState: '/T'});
       $reactions.pay(42);`,
      { scope: { request: { rawRequest: { payload: { app_info: { projectId: "p-1" } } }, data: {} } } },
    );
    expect(snap.response.replies.map(({ state: _s, ...r }) => r)).toEqual([
      { type: "image", imageUrl: "https://i/1.png" },
      { type: "image", imageUrl: "https://i/2.png", hash: "h" },
      { type: "audio", audioUrl: "https://a.mp3" },
      { type: "audio", audioUrl: "https://b.mp3", name: "b" },
      { type: "video", videoUrl: "https://v.mp4" },
      { type: "location", lat: 55.7, lon: 37.6 },
      { type: "timeout", interval: 30, targetState: "/Start/Again" },
      { type: "timeout", interval: 300, targetState: "/T" },
      { type: "timeout", interval: 3600, targetState: "/T" },
      { type: "timeout", interval: 180, targetState: "/T" },
      {
        type: "raw",
        messageName: "POLICY_RUN_APP",
        body: { server_action: { app_info: { systemName: "payment_app" }, parameters: { invoice_id: "42", app_info: { projectId: "p-1" } } } },
      },
    ]);
  });

  it("draws random numbers from the host and honours $request.data.smartRandom", () => {
    const services = fakeServices({ randoms: [2, 0] });
    const { snap } = session("$session.r = [$reactions.random(3), $jsapi.random(5), $reactions.random(9)];", { services });
    expect(snap.session.r).toEqual([2, 0, 8]);
    const forced = session("$session.r = [$reactions.random(3), $reactions.random(3)];", { scope: { request: { data: { smartRandom: [1, 2] } } } });
    expect(forced.snap.session.r).toEqual([1, 2]);
  });

  it("renders templates against a given context, pushes replies, sets the client timezone", () => {
    const { snap } = session("$session.t = $reactions.template('{{ name }}-{{ $session.x }}', {name: 'N'}); $reactions.pushReply({type: 'card', title: 'T'}); $reactions.setClientTimezone('Europe/Moscow');");
    expect(snap.session.t).toBe("N-");
    expect(snap.response.replies).toEqual([{ type: "card", title: "T", state: "/Start" }]);
    expect(snap.client.timezone).toBe("Europe/Moscow");
  });
});

describe("$jsapi and global functions", () => {
  it("gives the context, time in zones and Java date patterns", () => {
    // services.now = 2024-01-15T09:30:00Z
    const { snap } = session(`
      $session.same = $jsapi.context() === $context && $.session === $session;
      $session.t = $jsapi.currentTime();
      $session.msk = $jsapi.dateForZone('Europe/Moscow', "dd.MM.yyyy HH:mm 'at' EEE");
      $session.vl = $jsapi.dateForZone('Asia/Vladivostok', 'd MMM yy, hh a');
      $session.tz = new Date($jsapi.timeForZone('Europe/Moscow')).getUTCHours();
      $session.date = new Date().getTime() === $jsapi.currentTime() && moment().valueOf() === Date.now();`);
    expect(snap.session).toMatchObject({ same: true, t: Date.UTC(2024, 0, 15, 9, 30), msk: "15.01.2024 12:30 at Mon", vl: "15 Jan 24, 07 PM", tz: 12, date: true });
  });

  it("reads Java's Y as the week year, not as literal text", () => {
    // services.now = 2024-01-15, a Monday in week 3 of 2024
    const { snap } = session(`
      $session.d = $jsapi.dateForZone('Europe/Moscow', 'YYYY-MM-dd');
      $session.yy = $jsapi.dateForZone('Europe/Moscow', 'YY');
      $session.wd = moment($session.d).locale('en').format('dddd');`);
    expect(snap.session).toMatchObject({ d: "2024-01-15", yy: "24", wd: "Monday" });
  });

  it("resolves paths like the docs", () => {
    const { snap } = session(
      "$session.p = [$jsapi.resolvePath('/state1', 'state2'), $jsapi.resolvePath('/state1', '/root'), $jsapi.resolvePath('/state1', './unused/..'), $jsapi.resolvePath('/a/b', '../c/'), $jsapi.resolvePath('/a/b', '.'), $jsapi.resolvePath('Child')];",
    );
    expect(snap.session.p).toEqual(["/state1/state2", "/root", "/state1", "/a/c", "/a/b", "/Start/Child"]);
  });

  it("clears the session on startSession/stopSession and records the calls", () => {
    const { snap } = session("$session.a = 1; $jsapi.stopSession(); $session.b = 2; $jsapi.startSession(); $session.c = 3;", { scope: { session: { old: 1 } } });
    expect(snap.session).toEqual({ c: 3 });
    expect(snap.sessionOps).toEqual(["stopSession", "startSession"]);
  });

  it("has levenshtein, chat history and caila stubs, log", () => {
    const { snap, services } = session("$session.d = $jsapi.levenshtein.distance('kitten', 'sitting'); $session.h = $jsapi.chatHistory(); $session.tok = $jsapi.cailaService.getCurrentClassifierToken(); $jsapi.log({a: 1}); log('x', 2); console.warn('w');");
    expect(snap.session).toEqual({ d: 3, h: [], tok: "" });
    expect(services.logs).toEqual([
      { level: "info", message: '{\n  "a": 1\n}' },
      { level: "info", message: "x 2" },
      { level: "warn", message: "w" },
    ]);
  });

  it("provides capitalize, currentDate, toPrettyString, parseXml, testMode, selectRandomArg, moment and _", () => {
    const { snap } = session(
      `var o = {a: 1, n: null, list: [1, null]}; o.self = o;
       $session.r = [[capitalize('привет'), capitalize('botOne'), capitalize('ПРИВЕТ'), capitalize(''), capitalize(null)], currentDate().format('YYYY-MM-DD HH:mm'), toPrettyString(o), hasOperatorsOnline(), testMode(), selectRandomArg('a', 'b', 'c'),
         _.pluck([{x: 1}, {x: 2}], 'x'), moment.utc(0).add(1, 'day').format('DD.MM'), parseXml('<r a="1"><i>x</i><i>y</i><e/></r>')];`,
      { scope: { request: { data: { offset: 180 } } } },
    );
    expect(snap.session.r).toEqual([
      ["Привет", "Botone", "Привет", "", ""], // the rest lowercased, as the platform's (a real test expects "Botone")
      "2024-01-15 12:30",
      '{\n  "a": 1,\n  "list": [\n    1,\n    null\n  ],\n  "self": "cycle"\n}', // null fields dropped; arrays keep their slots
      false,
      false,
      "c",
      [1, 2],
      "02.01",
      { r: { "@a": "1", i: ["x", "y"], e: "" } },
    ]);
    const inTest = session("$session.r = [testMode(), selectRandomArg(['a', 'b'])];", { scope: { testContext: {} } });
    expect(inTest.snap.session.r).toEqual([true, "a"]);
  });

  it("parseXml takes element names such as constructor and __proto__ as plain names, and refuses deep nesting with a clear error", () => {
    // The text may be anyone's (a remote service's $http answer): an element named toString became
    // [null, text], and one named __proto__ vanished while its children showed through as siblings'.
    const { snap } = session(
      `var x = parseXml('<r><constructor>c</constructor><toString>t</toString><__proto__><b>1</b></__proto__><b>2</b><valueOf a="1"/></r>');
       $session.keys = Object.keys(x.r); $session.x = x;
       try { parseXml(new Array(2001).join('<a>') + new Array(2001).join('</a>')); } catch (e) { $session.err = e.message; }`,
    );
    expect(snap.session.keys).toEqual(["constructor", "toString", "__proto__", "b", "valueOf"]);
    expect(JSON.stringify(snap.session.x)).toBe('{"r":{"constructor":"c","toString":"t","__proto__":{"b":"1"},"b":"2","valueOf":{"@a":"1"}}}');
    expect(snap.session.err).toBe("parseXml: elements nest deeper than 256 levels");
  });

  it("reads $env with a default and $secrets, which throws when missing without a default", () => {
    const { snap } = session("$session.e = [$env.get('HOME_URL', 'd'), $env.get('NOPE', 'd')]; $session.s = $secrets.get('token'); try { $secrets.get('nope'); } catch (e) { $session.err = e.message; } $session.d = $secrets.get('nope', 'dflt');");
    expect(snap.session).toEqual({ e: ["https://home", "d"], s: "s3cret", err: "Secret not found: nope", d: "dflt" });
  });

  it("records mails", () => {
    const { snap } = session("$mail.debug(true); $session.st = $mail.send({to: 'a@b', subject: 'S', content: 'C'}).status; $mail.sendMessage('c@d', 'Hi', 'Body');");
    expect(snap.mails).toEqual([
      { to: "a@b", subject: "S", content: "C" },
      { to: "c@d", subject: "Hi", content: "Body" },
    ]);
    expect(snap.session.st).toBe("OK");
  });

  it("supports the $ / __noSuchProperty__ idioms of Nashorn projects", () => {
    const items = [
      { kind: "script" as const, code: "$global.$ = { __noSuchProperty__: function (p) { return $jsapi.context()[p]; } };", es6: false, pos: pos(1) },
      { kind: "script" as const, code: "var __noSuchProperty__ = function (name) { return name.indexOf('dyn_') === 0 ? 'hook:' + name : undefined; };", es6: false, pos: pos(2) },
    ];
    const { host, run } = hostWith(items);
    run("$.session.viaDollar = $.currentState; $session.hook = dyn_value; $session.plain = typeof really_missing;");
    expect(host.endTurn().session).toEqual({ viaDollar: "/Start", hook: "hook:dyn_value", plain: "undefined" });
  });

  it("keeps the other services as logging no-ops", () => {
    const { snap, services } = session("$analytics.setMessageLabel('x'); $dialer.hangUp(); $gpt.createChatCompletion([]); $session.ok = $gpt.anything() === undefined;");
    expect(snap.session.ok).toBe(true);
    expect(services.logs.some((l) => l.message.includes("$analytics.setMessageLabel"))).toBe(true);
  });

  it("a no-op service's namespaces are no-ops too: $integration.googleSheets.readDataFromCells(…)", () => {
    const { snap, services } = session(
      "var rows = $integration.googleSheets.readDataFromCells('id', 'sheet', 'A1'); $session.rows = rows === undefined; $session.kind = typeof $integration.googleSheets;",
    );
    expect(snap.session).toMatchObject({ rows: true, kind: "function" });
    expect(services.logs.some((l) => l.message.includes("$integration.googleSheets.readDataFromCells() is not available offline"))).toBe(true);
  });
});

describe("the host's clock and seed: every path to a time or a random number in the realm", () => {
  it("reads the host's clock through the real Date (an instance's constructor) and Intl's formatting of no date", () => {
    const { snap, services } = session(`
      var RealDate = new Date().constructor;
      var utc = new Intl.DateTimeFormat("en-US", {timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
      $session.r = [RealDate === Date, new RealDate().getTime(), Object.getPrototypeOf(new Date()).constructor.now(), utc.format(), utc.formatToParts().map(function (p) { return p.value; }).join(""), utc.format(0)];`);
    expect(snap.session.r).toEqual([true, services.time, services.time, "09:30", "09:30", "00:00"]);
  });

  // Review: the patched getter made a new function per read; the spec's getter caches its bound format.
  it("gives one format function per Intl.DateTimeFormat, as the spec's getter does", () => {
    const { snap } = session(`
      var a = new Intl.DateTimeFormat("en-US", {timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
      var b = new Intl.DateTimeFormat("en-US", {timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
      var f = a.format;
      var threw = false;
      try { Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, "format").get.call({}); } catch (e) { threw = e instanceof TypeError; }
      $session.r = [f === a.format, a.format === b.format, f(), threw];`);
    expect(snap.session.r).toEqual([true, false, "09:30", true]);
  });

  it("draws Math.random from the turn's seed: the same seed gives the same numbers, each turn asks for one", () => {
    const seeds = [
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ];
    const services = fakeServices({ seed: () => seeds.shift()! });
    const { host, run } = hostWith([], { services });
    run("$session.r = [Math.random(), Math.random(), Math.random()];");
    const first = host.endTurn().session.r as number[];
    const turns: number[][] = [];
    for (let i = 0; i < 2; i++) {
      host.beginTurn({ request: { query: "again", data: {} }, session: {}, client: {}, contextPath: "/" } as never);
      run("$session.r = [Math.random(), Math.random(), Math.random()];");
      turns.push(host.endTurn().session.r as number[]);
    }
    expect(turns[0]).toEqual(first);
    expect(turns[1]).not.toEqual(first);
    expect(seeds).toEqual([]);
    for (const v of [...first, ...turns[1]!]) expect(v >= 0 && v < 1).toBe(true);
    expect(new Set(first).size).toBe(3);
  });
});

describe("$pushgate", () => {
  it("createEvent returns the documented {id}, a new one each call, and the rest stays a no-op", () => {
    const { snap, services } = session(
      "var a = $pushgate.createEvent('2024-06-13T18:00:00', 'reminderEvent', {text: 'hi'}); var b = $pushgate.createEvent('2024-06-14T18:00:00');" +
        "$session.ids = [typeof a.id, a.id !== b.id]; $pushgate.cancelEvent(a.id); $session.cancelled = true;",
    );
    expect(snap.session).toMatchObject({ ids: ["string", true], cancelled: true });
    expect(services.logs.some((l) => l.message.includes("reminderEvent") && l.message.includes("not delivered offline"))).toBe(true);
  });

  it("createEvent without a date and time is a clear error", () => {
    expect(() => session("$pushgate.createEvent();")).toThrow(/dateTime must be a string/);
  });
});

describe("$nlp", () => {
  it("asks the engine to match and has local text helpers", () => {
    const { snap, services } = session(
      "$session.m = $nlp.match('hi', '/Menu'); $session.p = $nlp.matchPatterns('hi', ['hi *']); $session.t = $nlp.tokenize('Привет, мир! 2 раза'); $session.k = $nlp.fixKeyboardLayout('ghbdtn');",
    );
    expect(services.calls).toEqual([
      { op: "nlp.match", args: { text: "hi", statePath: "/Menu" } },
      { op: "nlp.matchPatterns", args: { text: "hi", patterns: ["hi *"] } },
    ]);
    expect(snap.session.m).toEqual({ op: "nlp.match", echo: { text: "hi", statePath: "/Menu" } });
    expect(snap.session.t).toEqual(["Привет", "мир", "2", "раза"]);
    expect(snap.session.k).toBe("привет");
  });
});

describe("$http", () => {
  it("returns parsed JSON synchronously, usable on the next line", () => {
    const services = fakeServices({ respond: () => json({ temp: 21 }) });
    const { snap } = session("var r = $http.get('https://api/weather'); $session.t = r.data.temp; $session.ok = r.isOk; $session.st = r.status;", { services });
    expect(snap.session).toEqual({ t: 21, ok: true, st: 200 });
    expect(services.requests[0]).toMatchObject({ method: "GET", url: "https://api/weather", headers: { "Content-Type": "application/json" } });
  });

  it("fills ${} placeholders, serialises bodies and forms, applies dataType, headers and the timeout cap", () => {
    const services = fakeServices({ respond: () => ({ status: 200, headers: { "Content-Type": "text/plain" }, body: "pong" }) });
    session(
      `$http.post('https://api/\${city}/x?q=\${q}', {query: {city: 'Москва', q: 'a b'}, body: {a: 1}, headers: {'X-K': 'v'}, timeout: 60000});
       $http.put('https://api/f', {form: {a: 'x y', b: [1, 2]}});
       $http.query('https://api/t', {method: 'delete', dataType: 'xml', body: '<a/>'});
       $session.d = $http.get('https://api/p', {dataType: 'text'}).data;`,
      { services },
    );
    const [post, put, del] = services.requests as HttpRequest[];
    expect(post).toEqual({
      method: "POST",
      url: "https://api/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/x?q=a%20b",
      headers: { "X-K": "v", "Content-Type": "application/json" },
      body: '{"a":1}',
      timeoutMs: 25000,
    });
    expect(put).toMatchObject({ method: "PUT", body: "a=x%20y&b=1&b=2", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(del).toMatchObject({ method: "DELETE", body: "<a/>", dataType: "xml", headers: { "Content-Type": "application/xml" } });
  });

  it("resolves relative URLs against config and parses XML responses", () => {
    const services = fakeServices({ respond: () => ({ status: 200, headers: { "content-type": "application/xml" }, body: "<r><v>1</v></r>" }) });
    const { snap } = session("$http.config({url: {protocol: 'http', host: 'svc', port: 8080}, authHeader: 'Bearer t'}); $session.v = $http.get('/items').data.r.v;", { services });
    expect(services.requests[0]).toMatchObject({ url: "http://svc:8080/items", headers: { Authorization: "Bearer t" } });
    expect(snap.session.v).toBe("1");
  });

  it("reports failures with isOk false and supports then/catch", () => {
    let n = 0;
    const services = fakeServices({
      respond: () => (n++ === 0 ? json({ e: 1 }, 404) : { status: -1, headers: {}, body: "", error: "Read timed out" }),
    });
    const { snap } = session(
      `var a = $http.get('https://x/a'); var b = $http.get('https://x/b');
       $session.a = [a.isOk, a.status, a.data.e, a.error]; $session.b = [b.isOk, b.status, b.error, JSON.stringify(b.response)];
       $http.get('https://x/c').then(function (r) { $session.then = r.status; }).catch(function () {});`,
      { services: Object.assign(services, { respond: services.respond }) },
    );
    expect(snap.session.a).toEqual([false, 404, 1, '{"e":1}']); // the error answer's body, as text
    expect(snap.session.b).toEqual([false, -1, "Read timed out", "{}"]);
    expect(snap.session.then).toBeUndefined(); // the third call failed too (status -1), so then() was skipped
  });

  it("gives a 5xx answer's body as the error text scripts parse, and 'HTTP <status>' for an empty body", () => {
    let n = 0;
    const services = fakeServices({ respond: () => (n++ === 0 ? json({ details: [{ code: 9 }] }, 500) : { status: 503, headers: {}, body: "" }) });
    const { snap } = session(
      `var a = $http.post('https://x/token', {body: {}}); var b = $http.get('https://x/b');
       $session.code = JSON.parse(a.error).details[0].code; $session.a = [a.isOk, a.status, a.data.details[0].code]; $session.b = [b.isOk, b.status, b.error];`,
      { services },
    );
    expect(snap.session.code).toBe(9);
    expect(snap.session.a).toEqual([false, 500, 9]);
    expect(snap.session.b).toEqual([false, 503, "HTTP 503"]);
  });

  it("allows at most 15 calls per request", () => {
    const services = fakeServices({ respond: () => json({}) });
    const { host, run } = hostWith([], { services });
    run("var out = []; for (var i = 0; i < 16; i++) out.push($http.get('https://x/' + i)); $session.last = out[15]; $session.okCount = out.filter(function (r) { return r.isOk; }).length;");
    expect(host.endTurn().session).toEqual({ last: { isOk: false, status: -1, response: {}, error: "Callback limit reached" }, okCount: 15 });
    expect(services.requests).toHaveLength(15);
    host.beginTurn({ request: { data: {} }, session: {}, client: {}, contextPath: "/" });
    run("$session.ok = $http.get('https://x/next').isOk;");
    expect(host.endTurn().session.ok).toBe(true);
  });

  it("caches 2xx responses when asked, until the TTL passes", () => {
    let status = 200;
    const services = fakeServices({ respond: () => json({ n: services.requests.length }, status) });
    const { host, run } = hostWith([], { services });
    run("$http.config({cacheTimeToLiveInSeconds: 60});");
    const get = "$session.v = $http.get('https://x/c', {cachingRequired: true}).data.n;";
    run(get);
    run(get);
    expect(services.requests).toHaveLength(1);
    run("$http.get('https://x/c');"); // without cachingRequired: always sent
    expect(services.requests).toHaveLength(2);
    services.time += 61_000;
    status = 500;
    run(get);
    run(get); // a 500 is not cached
    expect(services.requests).toHaveLength(4);
    expect(host.endTurn().session.v).toBe(4);
  });

  it("turns a throwing host into a failed call without leaking the host error", () => {
    const services = fakeServices({
      respond: () => {
        throw new Error("socket");
      },
    });
    const { run } = hostWith([], { services });
    expect(() => run("$http.get('https://x');")).toThrow(ScriptError);
  });
});

describe("parse trees in the realm", () => {
  // zb-common's collectParseTreeValues: every enumerable key but text/value/tag/pattern/words is a child list.
  const walker = "function collect(pt) { if (typeof pt.value != 'undefined') return [pt.value]; var out = []; for (var k in pt) { if (!pt.hasOwnProperty(k) || k == 'text' || k == 'value' || k == 'tag' || k == 'pattern' || k == 'words') continue; var l = pt[k]; for (var i = 0; i < l.length; i++) out = out.concat(collect(l[i])); } return out; }";
  const mod = { tag: "Mod", pattern: "Mod", text: "утра", words: ["утра"], value: "am" };
  const node = { tag: "Time", pattern: "Time", text: "6 утра", words: ["6", "утра"], Hour: [{ tag: "Hour", pattern: "Hour", text: "6", words: ["6"], value: 6 }], _Hour: 6, Mod: [mod], _Mod: "am" };

  it("keeps `_<Tag>` shortcuts readable but not enumerable, so tree walkers end", () => {
    const { host } = hostWith([{ kind: "script", es6: false, code: walker + "\nfunction conv(pt) { return {values: collect(pt), mod: pt._Mod, keys: Object.keys(pt)}; }", pos: pos(1, "c.js") }]);
    expect(host.runConverter("conv", node as never)).toEqual({ values: [6, "am"], mod: "am", keys: ["tag", "pattern", "text", "words", "Hour", "Mod"] });
    host.setContext("parseTree", { tag: "root", pattern: "root", text: "в 6 утра", words: [], Time: [node], _Time: "6 утра" });
    expect(host.test("collect($parseTree.Time[0]).join() == '6,am' && $parseTree._Time == '6 утра' && $parseTree.Time[0]._Mod == 'am'", pos(2))).toBe(true);
  });
});
