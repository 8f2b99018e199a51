// Intent classifier: training time (no cache), start from the disk cache, classification latency and
// memory at 100 and 10,000 training phrases. The phrases are synthetic (a fixed vocabulary, seeded),
// so the numbers compare runs, not accuracy; accuracy on real data is in docs/nlu.md.
// Usage: node bench/nlu.mjs (after `npm run build`). Prints one JSON line per size.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const { parseNluData, ProjectIntentClassifier, modelFor } = await import("../dist/nlu/index.js");
const { lemma } = await import("../dist/morphology/index.js");

const VERBS = ["хочу", "нужно", "можно", "подскажите", "помогите", "надо", "желаю", "планирую", "собираюсь", "прошу"];
const ACTIONS = ["оплатить", "подключить", "отключить", "перенести", "узнать", "проверить", "изменить", "заказать", "отменить", "вернуть"];
const OBJECTS = ["интернет", "телевидение", "тариф", "договор", "счёт", "роутер", "домофон", "ключ", "заявку", "мастера", "баланс", "пакет", "канал", "пароль", "адрес", "платёж", "скидку", "бонусы", "камеру", "номер"];
const TAILS = ["", "сегодня", "пожалуйста", "срочно", "завтра", "на месяц", "для дома", "дома", "ещё раз", "через приложение"];

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const SYLLABLES = ["ба", "ве", "го", "ду", "жи", "за", "ки", "ло", "му", "но", "пе", "ро", "су", "ти", "фа", "хо", "це", "ча", "ши", "ю"];
/** A made-up noun of its own per intent (the topic word), declined like a feminine noun. */
const topic = (i) => SYLLABLES[i % 20] + SYLLABLES[Math.floor(i / 20) % 20] + "к";
const FORMS = ["а", "у", "и", "ой", "е"];

/** `phrases` phrases over `intents` intents: each intent has a topic word, said with common words around it. */
function dataset(phrases, intents) {
  const r = rng(phrases);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const defs = Array.from({ length: intents }, (_, i) => ({ path: `/I${i}`, action: ACTIONS[i % ACTIONS.length], object: topic(i), phrases: [] }));
  for (let k = 0; k < phrases; k++) {
    const d = defs[k % intents];
    d.phrases.push({ text: [pick(VERBS), pick(ACTIONS), d.object + pick(FORMS), pick(OBJECTS), pick(TAILS)].join(" ").trim() });
  }
  return { json: { intents: defs.map((d) => ({ path: d.path, enabled: true, phrases: d.phrases })) }, defs, pick };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const t0 = performance.now();
lemma("проверка");
const morphologyLoadMs = performance.now() - t0;

for (const [phrases, intents] of [[100, 10], [10_000, 100]]) {
  const { json, defs, pick } = dataset(phrases, intents);
  const text = JSON.stringify(json);
  const data = parseNluData(json, "bench.json");
  const dir = mkdtempSync(path.join(tmpdir(), "nlu-bench-"));
  try {
    const rss0 = process.memoryUsage().rss;
    let t = performance.now();
    const trained = modelFor(data, text, { cacheDir: dir });
    const trainMs = performance.now() - t;
    t = performance.now();
    const cached = modelFor(data, text, { cacheDir: dir });
    const cacheLoadMs = performance.now() - t;
    if (!cached.cached || trained.cached) throw new Error("the cache did not work");
    const c = new ProjectIntentClassifier(data, cached.model);
    const queries = Array.from({ length: 500 }, (_, i) => {
      const d = defs[i % defs.length];
      return { text: [pick(VERBS), pick(ACTIONS), d.object + pick(FORMS)].join(" "), path: d.path };
    });
    for (const q of queries.slice(0, 50)) c.classify(q.text); // warm-up
    const us = [];
    let correct = 0;
    for (const q of queries) {
      const s = performance.now();
      const [best] = c.classify(q.text);
      us.push((performance.now() - s) * 1000);
      if (best?.path === q.path) correct++;
    }
    console.log(
      JSON.stringify({
        bench: "nlu",
        phrases,
        intents,
        trainMs: Math.round(trainMs),
        cacheLoadMs: Math.round(cacheLoadMs),
        classifyMedianUs: Math.round(median(us)),
        classifyP95Us: Math.round([...us].sort((a, b) => a - b)[Math.floor(us.length * 0.95)]),
        accuracySynthetic: +(correct / queries.length).toFixed(3),
        rssGrowthMb: Math.round((process.memoryUsage().rss - rss0) / 1e6),
        morphologyLoadMs: Math.round(morphologyLoadMs),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
