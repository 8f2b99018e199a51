// `smartapp check`: every error of a project, or a one-screen summary.
import { checkProject } from "../project/check.js";

export function check(dir: string, opts: { modules: string[] }): number {
  const report = checkProject(dir, opts);
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!report.ok) {
    for (const e of report.errors) process.stderr.write(`${e}\n`);
    process.stderr.write(`${report.errors.length} error(s)\n`);
    return 1;
  }
  const s = report.summary;
  process.stdout.write(
    `ok: ${s.files} files, ${s.states} states, ${s.triggers} triggers, ${s.patterns} named patterns, ` +
      `${s.dictionaries} dictionaries, ${s.testFiles} test files` +
      (s.nlu ? `; NLU ${s.nlu.file}: ${s.nlu.intents} intents, ${s.nlu.phrases} phrases, ${s.nlu.patterns} patterns, ${s.nlu.entities} entities` : "") +
      "\n",
  );
  return 0;
}
