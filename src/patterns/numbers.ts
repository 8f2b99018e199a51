// Built-in `$Number`: digits ("42", "-7") or Russian number words (ноль … девятьсот, тысячи,
// миллионы), in the common case forms. Returns every way a number can end from a position.
import type { Token } from "./tokenizer.js";

// No prototype: user words are the keys, and "constructor" must not find Object.prototype's member.
const table = (): Record<string, number> => Object.create(null) as Record<string, number>;
const UNITS = table();
const TEENS = table();
const TENS = table();
const HUNDREDS = table();
const SCALES = table();

function add(table: Record<string, number>, value: number, forms: string): void {
  for (const f of forms.split(" ")) table[f] = value;
}
add(UNITS, 0, "ноль нуль ноля нуля нолю нулю");
add(UNITS, 1, "один одна одно одного одной одному одну одним");
add(UNITS, 2, "два две двух двум двумя");
add(UNITS, 3, "три трех трем тремя");
add(UNITS, 4, "четыре четырех четырем четырьмя");
add(UNITS, 5, "пять пяти пятью");
add(UNITS, 6, "шесть шести шестью");
add(UNITS, 7, "семь семи семью");
add(UNITS, 8, "восемь восьми восемью");
add(UNITS, 9, "девять девяти девятью");
add(TEENS, 10, "десять десяти десятью");
add(TEENS, 11, "одиннадцать одиннадцати");
add(TEENS, 12, "двенадцать двенадцати");
add(TEENS, 13, "тринадцать тринадцати");
add(TEENS, 14, "четырнадцать четырнадцати");
add(TEENS, 15, "пятнадцать пятнадцати");
add(TEENS, 16, "шестнадцать шестнадцати");
add(TEENS, 17, "семнадцать семнадцати");
add(TEENS, 18, "восемнадцать восемнадцати");
add(TEENS, 19, "девятнадцать девятнадцати");
add(TENS, 20, "двадцать двадцати");
add(TENS, 30, "тридцать тридцати");
add(TENS, 40, "сорок сорока");
add(TENS, 50, "пятьдесят пятидесяти");
add(TENS, 60, "шестьдесят шестидесяти");
add(TENS, 70, "семьдесят семидесяти");
add(TENS, 80, "восемьдесят восьмидесяти");
add(TENS, 90, "девяносто девяноста");
add(HUNDREDS, 100, "сто ста сотня");
add(HUNDREDS, 200, "двести двухсот");
add(HUNDREDS, 300, "триста трехсот");
add(HUNDREDS, 400, "четыреста четырехсот");
add(HUNDREDS, 500, "пятьсот пятисот");
add(HUNDREDS, 600, "шестьсот шестисот");
add(HUNDREDS, 700, "семьсот семисот");
add(HUNDREDS, 800, "восемьсот восьмисот");
add(HUNDREDS, 900, "девятьсот девятисот");
add(SCALES, 1000, "тысяча тысячи тысяч тысячу тысячей тыс");
add(SCALES, 1_000_000, "миллион миллиона миллионов млн");
add(SCALES, 1_000_000_000, "миллиард миллиарда миллиардов млрд");

/** Every word that can start or continue a number (index keys for patterns using $Number). */
export const NUMBER_WORDS: readonly string[] = [UNITS, TEENS, TENS, HUNDREDS, SCALES].flatMap((t) => Object.keys(t));

const DIGITS = /^\d+$/;

export interface NumberEnd {
  end: number; // token index after the number
  value: number;
}

/** A group below 1000 ("сто двадцать пять"): every (end, value) reachable from `pos`. */
function groups(tokens: readonly Token[], pos: number): NumberEnd[] {
  const out: NumberEnd[] = [];
  const word = (i: number): string | undefined => tokens[i]?.norm;
  const tail = (i: number, base: number): void => {
    // after hundreds: [tens [units] | teens | units]
    const w = word(i);
    if (w === undefined) return;
    if (TENS[w] !== undefined) {
      const v = base + TENS[w];
      out.push({ end: i + 1, value: v });
      const u = word(i + 1);
      if (u !== undefined && UNITS[u] !== undefined && UNITS[u] > 0) out.push({ end: i + 2, value: v + UNITS[u] });
    } else if (TEENS[w] !== undefined) out.push({ end: i + 1, value: base + TEENS[w] });
    else if (UNITS[w] !== undefined && (base === 0 || UNITS[w] > 0)) out.push({ end: i + 1, value: base + UNITS[w] });
  };
  const w = word(pos);
  if (w === undefined) return out;
  if (HUNDREDS[w] !== undefined) {
    out.push({ end: pos + 1, value: HUNDREDS[w] });
    tail(pos + 1, HUNDREDS[w]);
  } else tail(pos, 0);
  return out;
}

export function numberEnds(tokens: readonly Token[], pos: number): NumberEnd[] {
  const t = tokens[pos];
  if (!t) return [];
  if (t.norm === "-" || t.norm === "−" || t.norm === "минус") {
    return numberEnds(tokens, pos + 1).map((n) => ({ end: n.end, value: -n.value }));
  }
  if (DIGITS.test(t.norm)) return [{ end: pos + 1, value: Number(t.norm) }];
  const out: NumberEnd[] = [];
  // [group] scale [rest] | group; scales descend (миллион … тысяча …).
  const walk = (i: number, acc: number, lastScale: number): void => {
    const heads = groups(tokens, i);
    const s0 = tokens[i]?.norm;
    if (s0 !== undefined && SCALES[s0] !== undefined && SCALES[s0] < lastScale) heads.push({ end: i, value: 1 }); // "тысяча" alone
    for (const g of heads) {
      if (g.end > i) out.push({ end: g.end, value: acc + g.value });
      const s = tokens[g.end]?.norm;
      const scale = s === undefined ? undefined : SCALES[s];
      if (scale !== undefined && scale < lastScale) {
        const v = acc + g.value * scale;
        out.push({ end: g.end + 1, value: v });
        walk(g.end + 1, v, scale);
      }
    }
  };
  walk(pos, 0, Infinity);
  return out;
}
