// Throwaway projects the benchmarks run: one .sc file in a temp folder. The $http scenario is shared
// so the in-process inline benchmark (inline-try.mjs) measures the very turn that the webhook
// benchmark's mixed load sends (webhook.mjs), and the two cannot drift apart.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A project folder (`prefix` names it in /tmp) whose entry point is `sc`; the caller removes it. */
export function makeProject(sc, prefix = "bench-webhook-") {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "name: bench\nentryPoint: main.sc\n");
  writeFileSync(path.join(dir, "src", "main.sc"), sc);
  return dir;
}

/**
 * Every benchmark scenario: the "hello" state, the workload's own states, and the noMatch fallback,
 * so all workloads answer "привет" with the very same state.
 */
const scenario = (states = "") => `theme: /
    state: Hello
        q!: * привет *
        a: Привет!
${states}    state: NoMatch
        event!: noMatch
        a: Не понял
`;

/** "hello" answered at once, and a "weather" turn whose script waits on $http to 127.0.0.1:`port`. */
export const HTTP_SC = (port) =>
  scenario(`    state: Weather
        q!: * погода *
        script:
            var res = $http.get("http://127.0.0.1:${port}/slow");
            $session.status = res.status;
        a: Погода: {{$session.status}}
`);

/** "hello": one global pattern and a reply. */
export const HELLO_SC = scenario();

/** "session": three phrases, one a turn-data script incrementing `$session.count`, one a template reading it. */
export const SESSION_SC = scenario(`    state: Add
        q!: * добавь *
        script:
            $session.count = ($session.count || 0) + 1;
        a: Добавлено: {{$session.count}}
    state: Status
        q!: * сколько *
        a: Всего: {{$session.count || 0}}
`);

/** The in-process benchmarks' workloads: each scenario with the phrases the webhook benchmark sends, in turn. */
export const TURN_WORKLOADS = {
  hello: { sc: HELLO_SC, phrases: ["привет"] },
  session: { sc: SESSION_SC, phrases: ["привет", "добавь", "сколько"] },
};
