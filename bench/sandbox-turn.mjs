// The cost of the script boundary per turn (docs/sandbox.md, "Measured costs"): one isolate per
// project, a context reused across turns that run no user code and replaced after each turn that
// does (pre-built off the hot path when the thread has a moment between turns).
// Run after `npm run build`: node bench/sandbox-turn.mjs → one JSON line per case (median of 5 rounds).
import { performance } from "node:perf_hooks";
import { fromDist } from "./lib/dist.mjs";

const { createScriptHost } = await fromDist("sandbox/host.js");
const { fakeServices, makeProject, pos } = await fromDist("sandbox/testkit.js");

const TURNS = Number(process.env.BENCH_SANDBOX_TURNS ?? 400);
const ROUNDS = 5;

// A small project's load: a helper file with a few functions and a data table.
const helpers = {
  kind: "script",
  pos: pos(1, "src/helpers.js"),
  code: "var PRICES = {}; for (var i = 0; i < 200; i++) PRICES['p' + i] = i * 10;\nfunction price(id) { return PRICES[id] || 0; }\nfunction greet(name) { return 'Hello, ' + capitalize(name); }\n",
};

const scope = (i) => ({ request: { query: "hello", channelUserId: `u${i}`, data: {} }, session: { name: "ann", n: i }, client: {}, contextPath: "/" });

/** A turn that runs no user code: turn-data condition and template, bookkeeping. */
function cleanTurn(host, i) {
  host.beginTurn(scope(i));
  host.setContext("currentState", "/Start");
  host.setContext("parseTree", { _Root: "hello" });
  host.test("$session.n >= 0", pos(2));
  host.addReply({ type: "text", text: host.render("Hi {{ $session.name }}", pos(3)) });
  host.stampReplies("/Start");
  host.takeTransition();
  host.endTurn();
}

/** A turn with a script and a template that calls a project function. */
function scriptTurn(host, i) {
  host.beginTurn(scope(i));
  host.setContext("currentState", "/Buy");
  host.runScript("$session.total = price('p' + ($session.n % 200)); $reactions.answer(greet($session.name));", { es6: false, pos: pos(10) });
  host.addReply({ type: "text", text: host.render("Total {{ $session.total }}", pos(11)) });
  host.stampReplies("/Buy");
  host.takeTransition();
  host.endTurn();
}

const tick = () => new Promise((r) => setImmediate(r));

/** CPU µs and wall µs per turn of `fn`; `between` runs between turns (not timed, CPU counted when `countBetween`). */
async function measure(fn, { between, countBetween }) {
  const host = createScriptHost(makeProject([helpers]), fakeServices());
  for (let i = 0; i < 50; i++) {
    fn(host, i);
    if (between) await between();
  }
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    let hot = 0;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < TURNS; i++) {
      const t0 = performance.now();
      fn(host, i);
      hot += performance.now() - t0;
      if (between) await between();
    }
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ hotUs: (hot * 1000) / TURNS, cpuUs: (cpu.user + cpu.system) / TURNS });
  }
  const median = (k) => rounds.map((x) => x[k]).sort((a, b) => a - b)[2];
  return { hotPathUs: Math.round(median("hotUs")), cpuPerTurnUs: countBetween ? Math.round(median("cpuUs")) : undefined };
}

const cases = [
  ["clean turn (context reused)", cleanTurn, {}],
  ["script turn, next context pre-built between turns (idle worker)", scriptTurn, { between: tick, countBetween: true }],
  ["script turn, back to back (context built on the hot path: XML tests, saturated worker)", scriptTurn, {}],
];
for (const [name, fn, opts] of cases) {
  const r = await measure(fn, opts);
  console.log(JSON.stringify({ bench: "sandbox-turn", case: name, turns: TURNS, ...r }));
}

// The building blocks.
{
  const host = createScriptHost(makeProject([helpers]), fakeServices());
  host.beginTurn(scope(0));
  const n = 5000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) host.getTemp("targetState");
  console.log(JSON.stringify({ bench: "sandbox-turn", case: "one call into the isolate (getTemp)", us: Math.round(((performance.now() - t0) * 1000) / n * 10) / 10 }));
  t0 = performance.now();
  for (let i = 0; i < 20; i++) createScriptHost(makeProject([helpers]), fakeServices());
  console.log(JSON.stringify({ bench: "sandbox-turn", case: "new isolate + first context (project load in a worker)", ms: Math.round((performance.now() - t0) / 20 * 10) / 10 }));
}
