// Pattern matching speed vs. number of global patterns. Prints one JSON line per set size with the
// median µs per match() call; the 10,000 / 10 ratio should stay ≤ 1.5 (the literal index at work).
// Usage: node bench/pattern-match.mjs (after `npm run build`), or `npx tsx bench/pattern-match.mjs --src`.
const fromSrc = process.argv.includes("--src");
const mod = await import(fromSrc ? "../src/patterns/index.ts" : "../dist/patterns/index.js");
const { createPatternSet } = mod;

const POS = { file: "bench.sc", line: 1, col: 1 };
const GLOBAL = 1_000_000;
const animals = ["слона", "жирафа", "бегемота", "носорога", "крокодила"];

/** Global patterns in the shapes real projects use: words, alternatives, stems, options, named, regexps. */
function patternSource(i) {
  switch (i % 5) {
    case 0:
      return `* купить ${animals[i % animals.length]} номер ${i} *`;
    case 1:
      return `* (продать|отдать|подарить) [мне|нам] ${animals[i % animals.length]} ${i} *`;
    case 2:
      return `* хоч* посмотр* ${i} [пожалуйста] *`;
    case 3:
      return `{(номер|код) ${i}} *`;
    default:
      return `* ~заказ ${i} $Yes *`;
  }
}

function buildSet(size) {
  const named = new Map([["$Yes", { name: "$Yes", body: "(да|конечно|ага)", pos: POS }]]);
  const set = createPatternSet(named, new Map());
  const tiers = new Map();
  for (let i = 0; i < size; i++) {
    set.add(i, patternSource(i), POS);
    tiers.set(i, GLOBAL);
  }
  // a few always-tried patterns, as every project has
  set.add(size, "*", POS);
  set.add(size + 1, "$regexp<\\d{4}-\\d{2}-\\d{2}>", POS);
  tiers.set(size, 0);
  tiers.set(size + 1, GLOBAL);
  return { set, tiers };
}

const inputs = [
  "Хочу купить слона номер 5 прямо сейчас",
  "можно продать мне жирафа 6 пожалуйста",
  "хочу посмотреть 7",
  "код 8",
  "заказы 9 да",
  "просто поболтать о погоде и о жизни",
  "2024-01-15",
  "привет!",
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Sizes are measured round-robin so background load hits every size alike.
const sizes = [10, 1_000, 10_000];
const sets = sizes.map((size) => ({ size, ...buildSet(size), samples: [] }));
for (const { set, tiers } of sets) for (let w = 0; w < 200; w++) for (const q of inputs) set.match(q, tiers); // warm-up, builds the index
for (let round = 0; round < 60; round++) {
  for (const s of sets) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 10; r++) for (const q of inputs) s.set.match(q, s.tiers);
    s.samples.push(Number(process.hrtime.bigint() - t0) / 1000 / (10 * inputs.length));
  }
}
for (const s of sets) console.log(JSON.stringify({ bench: "pattern-match", patterns: s.size, medianUsPerMatch: Number(median(s.samples).toFixed(2)) }));
const ratio = median(sets[2].samples) / median(sets[0].samples);
console.log(JSON.stringify({ bench: "pattern-match", ratio10000to10: Number(ratio.toFixed(2)), ok: ratio <= 1.5 }));
