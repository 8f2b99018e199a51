// `@duckling.date` / `@duckling.time` emulated offline for Russian: a date or a time said the common
// ways ("9 мая", "1 января 2025 года", "01.05", "завтра", "через 2 дня", "в пятницу", "в 6 утра",
// "завтра в 18:30", "через полчаса") resolved against the turn's clock, into the value shape of the
// platform's Duckling dates (year, month, day, hour, minute, second, timestamp, iso, dayOfWeek; docs/nlu.md). Without a year a date is the nearest one not in the past,
// as Duckling resolves it. Wall time is the clock's UTC time, as `<dateTime>` in XML tests sets it.
import { numberEnds } from "../../patterns/numbers.js";
import type { Token } from "../../patterns/tokenizer.js";

/** A date/time as duckling reports it: the ISO text and its parts. */
export interface DuckTime {
  iso: string; // "2019-12-20T00:45:00"
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  dayOfWeek: number; // 1 = Sunday … 7 = Saturday
  timestamp: number; // Unix ms of that wall time read as UTC
}

/** Where a system entity found at a token ends, and its value. */
export interface EntityEnd {
  end: number; // token index after the entity
  value: unknown;
}

const DAY_MS = 86_400_000;

// Month stems: "мая", "май", "мае", "январе", "янв" …
const MONTHS: readonly (readonly string[])[] = [
  ["январь", "января", "январе", "янв"],
  ["февраль", "февраля", "феврале", "фев", "февр"],
  ["март", "марта", "марте", "мар"],
  ["апрель", "апреля", "апреле", "апр"],
  ["май", "мая", "мае"],
  ["июнь", "июня", "июне", "июн"],
  ["июль", "июля", "июле", "июл"],
  ["август", "августа", "августе", "авг"],
  ["сентябрь", "сентября", "сентябре", "сен", "сент"],
  ["октябрь", "октября", "октябре", "окт"],
  ["ноябрь", "ноября", "ноябре", "ноя", "нояб"],
  ["декабрь", "декабря", "декабре", "дек"],
];
const MONTH_OF = new Map<string, number>(MONTHS.flatMap((forms, i) => forms.map((f) => [f, i + 1] as [string, number])));

// Monday = 1 … Sunday = 7 (ISO), as Date#getUTCDay() maps with `|| 7`.
const WEEKDAYS: readonly (readonly string[])[] = [
  ["понедельник", "пн"],
  ["вторник", "вт"],
  ["среда", "среду", "ср"],
  ["четверг", "чт"],
  ["пятница", "пятницу", "пт"],
  ["суббота", "субботу", "сб"],
  ["воскресенье", "вс"],
];
const WEEKDAY_OF = new Map<string, number>(WEEKDAYS.flatMap((forms, i) => forms.map((f) => [f, i + 1] as [string, number])));

const RELATIVE_DAYS: Record<string, number> = { позавчера: -2, вчера: -1, сегодня: 0, завтра: 1, послезавтра: 2 };

type Unit = "minute" | "hour" | "day" | "week" | "month" | "year";
const UNIT_OF = new Map<string, Unit>([
  ...["минуту", "минуты", "минут", "мин"].map((w) => [w, "minute"] as [string, Unit]),
  ...["час", "часа", "часов"].map((w) => [w, "hour"] as [string, Unit]),
  ...["день", "дня", "дней", "сутки", "суток"].map((w) => [w, "day"] as [string, Unit]),
  ...["неделю", "недели", "недель"].map((w) => [w, "week"] as [string, Unit]),
  ...["месяц", "месяца", "месяцев"].map((w) => [w, "month"] as [string, Unit]),
  ...["год", "года", "лет"].map((w) => [w, "year"] as [string, Unit]),
]);

// Parts of the day after an hour: "6 утра", "6 вечера", "2 часа дня", "12 ночи".
const DAY_PARTS: Record<string, (h: number) => number> = {
  утра: (h) => (h === 12 ? 0 : h),
  дня: (h) => (h < 12 ? h + 12 : h),
  вечера: (h) => (h < 12 ? h + 12 : h),
  ночи: (h) => (h === 12 ? 0 : h >= 6 && h < 12 ? h + 12 : h),
};

interface Day {
  y: number;
  m: number; // 1–12
  d: number;
}
interface Clock {
  h: number;
  min: number;
}
interface Part<T> {
  end: number;
  v: T;
}

const norm = (tokens: readonly Token[], i: number): string | undefined => tokens[i]?.norm;

function dayOf(ms: number): Day {
  const t = new Date(ms);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}

function make(day: Day, clock: Clock | undefined, second = 0): DuckTime {
  const h = clock?.h ?? 0;
  const min = clock?.min ?? 0;
  const timestamp = Date.UTC(day.y, day.m - 1, day.d, h, min, second);
  const t = new Date(timestamp); // normalised (a shift may roll over a month)
  return {
    iso: t.toISOString().slice(0, 19),
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    second: t.getUTCSeconds(),
    dayOfWeek: t.getUTCDay() + 1,
    timestamp,
  };
}

// Ordinal day numbers ("девятого мая", "первое января", "двадцать пятого").
const ORDINALS = new Map<string, number>();
const ordinal = (v: number, forms: string): void => forms.split(" ").forEach((f) => ORDINALS.set(f, v));
ordinal(1, "первое первого первому");
ordinal(2, "второе второго второму");
ordinal(3, "третье третьего третьему");
ordinal(4, "четвертое четвертого четвертому");
ordinal(5, "пятое пятого пятому");
ordinal(6, "шестое шестого шестому");
ordinal(7, "седьмое седьмого седьмому");
ordinal(8, "восьмое восьмого восьмому");
ordinal(9, "девятое девятого девятому");
ordinal(10, "десятое десятого десятому");
ordinal(11, "одиннадцатое одиннадцатого");
ordinal(12, "двенадцатое двенадцатого");
ordinal(13, "тринадцатое тринадцатого");
ordinal(14, "четырнадцатое четырнадцатого");
ordinal(15, "пятнадцатое пятнадцатого");
ordinal(16, "шестнадцатое шестнадцатого");
ordinal(17, "семнадцатое семнадцатого");
ordinal(18, "восемнадцатое восемнадцатого");
ordinal(19, "девятнадцатое девятнадцатого");
ordinal(20, "двадцатое двадцатого");
ordinal(30, "тридцатое тридцатого");

/** A day of the month: digits, or an ordinal ("девятого", "двадцать первого"). */
function dayNumbers(tokens: readonly Token[], i: number): Part<number>[] {
  const out: Part<number>[] = [];
  const d = digits(tokens, i, 1, 2);
  if (d !== undefined) out.push({ end: i + 1, v: d });
  const w = norm(tokens, i) ?? "";
  const o = ORDINALS.get(w);
  if (o !== undefined) out.push({ end: i + 1, v: o });
  const tens = w === "двадцать" ? 20 : w === "тридцать" ? 30 : 0;
  const unit = ORDINALS.get(norm(tokens, i + 1) ?? "");
  if (tens > 0 && unit !== undefined && unit < 10) out.push({ end: i + 2, v: tens + unit });
  return out;
}

/** A number from one token of digits, or number words; every way it can end. */
function numbers(tokens: readonly Token[], i: number): Part<number>[] {
  return numberEnds(tokens, i)
    .filter((n) => n.value >= 0 && Number.isInteger(n.value))
    .map((n) => ({ end: n.end, v: n.value }));
}

function digits(tokens: readonly Token[], i: number, min: number, max: number): number | undefined {
  const w = norm(tokens, i);
  if (w === undefined || !/^\d+$/.test(w) || w.length < min || w.length > max) return undefined;
  return Number(w);
}

/** "9 мая", "9 мая 2025 [года|г]", "01.05", "01.05.2025", "2025-05-01". */
function calendarDates(tokens: readonly Token[], i: number, today: Day): Part<Day>[] {
  const out: Part<Day>[] = [];
  const w = norm(tokens, i);
  if (w === undefined) return out;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(w);
  if (iso && validDay(+iso[1]!, +iso[2]!, +iso[3]!)) out.push({ end: i + 1, v: { y: +iso[1]!, m: +iso[2]!, d: +iso[3]! } });
  // day month-name [year]
  for (const n of dayNumbers(tokens, i)) {
    const month = MONTH_OF.get(norm(tokens, n.end) ?? "");
    if (month === undefined || n.v < 1 || n.v > 31) continue;
    let end = n.end + 1;
    const year = digits(tokens, end, 4, 4);
    if (year !== undefined && validDay(year, month, n.v)) {
      end++;
      if (["года", "год", "г"].includes(norm(tokens, end) ?? "")) end++;
      if (norm(tokens, end) === "." && norm(tokens, end - 1) === "г") end++;
      out.push({ end, v: { y: year, m: month, d: n.v } });
    } else {
      const v = nearestFuture(today, month, n.v);
      if (v) out.push({ end, v });
    }
  }
  // dd.mm[.yyyy] or dd/mm[/yyyy]
  const d = digits(tokens, i, 1, 2);
  const sep = norm(tokens, i + 1);
  const m = digits(tokens, i + 2, 1, 2);
  if (d !== undefined && m !== undefined && (sep === "." || sep === "/")) {
    const y = norm(tokens, i + 3) === sep ? digits(tokens, i + 4, 2, 4) : undefined;
    if (y !== undefined) {
      const year = y < 100 ? 2000 + y : y;
      if (validDay(year, m, d)) out.push({ end: i + 5, v: { y: year, m, d } });
    } else {
      const v = nearestFuture(today, m, d);
      if (v) out.push({ end: i + 3, v });
    }
  }
  return out;
}

/** A day and month without a year: this year's, or next year's when this year's has passed. */
function nearestFuture(today: Day, m: number, d: number): Day | undefined {
  for (const y of [today.y, today.y + 1, today.y + 2, today.y + 3, today.y + 4]) {
    if (!validDay(y, m, d)) continue; // 29 февраля
    if (y > today.y || m > today.m || (m === today.m && d >= today.d)) return { y, m, d };
  }
  return undefined;
}

/** "завтра", "в пятницу", "9 мая"… */
function dates(tokens: readonly Token[], i: number, now: number): Part<Day>[] {
  const today = dayOf(now);
  const out = calendarDates(tokens, i, today);
  const w = norm(tokens, i);
  if (w === undefined) return out;
  const rel = RELATIVE_DAYS[w];
  if (rel !== undefined) out.push({ end: i + 1, v: dayOf(now + rel * DAY_MS) });
  const wd = WEEKDAY_OF.get(w);
  if (wd !== undefined) {
    const todayWd = new Date(now).getUTCDay() || 7;
    out.push({ end: i + 1, v: dayOf(now + ((wd - todayWd + 7) % 7) * DAY_MS) });
  }
  return out;
}

/** "18:30", "6 утра", "2 часа дня", "6 часов 30 минут", "полдень"; with "в" before: also a bare hour ("в 6"). */
function clocks(tokens: readonly Token[], i: number, afterV: boolean): Part<Clock>[] {
  const out: Part<Clock>[] = [];
  const w = norm(tokens, i);
  if (w === "полдень") out.push({ end: i + 1, v: { h: 12, min: 0 } });
  if (w === "полночь") out.push({ end: i + 1, v: { h: 0, min: 0 } });
  const h = digits(tokens, i, 1, 2);
  const sep = norm(tokens, i + 1);
  const min = digits(tokens, i + 2, 2, 2);
  if (h !== undefined && (sep === ":" || sep === ".") && min !== undefined && h < 24 && min < 60) {
    out.push({ end: i + 3, v: { h, min } });
    return out; // "18:30" is read whole
  }
  for (const n of numbers(tokens, i)) {
    if (n.v > 24) continue;
    let end = n.end;
    let hour = n.v % 24;
    let minute = 0;
    let said = false; // "часов" or a part of the day makes a bare number a time
    if (["час", "часа", "часов", "ч"].includes(norm(tokens, end) ?? "")) {
      end++;
      said = true;
      for (const m of numbers(tokens, end)) {
        if (m.v < 60 && ["минут", "минуты", "минуту", "мин"].includes(norm(tokens, m.end) ?? "")) {
          minute = m.v;
          end = m.end + 1;
          break;
        }
      }
    }
    const part = DAY_PARTS[norm(tokens, end) ?? ""];
    if (part && n.v <= 12) {
      hour = part(n.v);
      end++;
      said = true;
    }
    if (said || afterV) out.push({ end, v: { h: hour, min: minute } });
  }
  return out;
}

/** A time after an optional "в" / "к"; "at" means the same in both. */
function clocksAt(tokens: readonly Token[], i: number): Part<Clock>[] {
  const w = norm(tokens, i);
  if (w === "в" || w === "во" || w === "к") return clocks(tokens, i + 1, true);
  return clocks(tokens, i, false);
}

/** "через 2 дня", "через неделю", "через полчаса", "3 дня назад". */
function shifts(tokens: readonly Token[], i: number, now: number): Part<DuckTime>[] {
  const out: Part<DuckTime>[] = [];
  const shifted = (n: number, unit: Unit, end: number): void => {
    const t = new Date(now);
    if (unit === "minute" || unit === "hour") {
      const ms = now + n * (unit === "hour" ? 3_600_000 : 60_000);
      const at = new Date(ms);
      out.push({ end, v: make(dayOf(ms), { h: at.getUTCHours(), min: at.getUTCMinutes() }) });
      return;
    }
    if (unit === "day") t.setUTCDate(t.getUTCDate() + n);
    if (unit === "week") t.setUTCDate(t.getUTCDate() + 7 * n);
    if (unit === "month") t.setUTCMonth(t.getUTCMonth() + n);
    if (unit === "year") t.setUTCFullYear(t.getUTCFullYear() + n);
    out.push({ end, v: make(dayOf(t.getTime()), undefined) });
  };
  const amounts = (j: number): Part<number>[] => {
    const w = norm(tokens, j);
    if (w === "полчаса") return []; // handled below
    return [...numbers(tokens, j), ...(UNIT_OF.has(w ?? "") ? [{ end: j, v: 1 }] : [])];
  };
  if (norm(tokens, i) === "через") {
    if (norm(tokens, i + 1) === "полчаса") shifted(30, "minute", i + 2);
    for (const a of amounts(i + 1)) {
      const unit = UNIT_OF.get(norm(tokens, a.end) ?? "");
      if (unit) shifted(a.v, unit, a.end + 1);
    }
  }
  for (const a of amounts(i)) {
    const unit = UNIT_OF.get(norm(tokens, a.end) ?? "");
    if (unit && norm(tokens, a.end + 1) === "назад") shifted(-a.v, unit, a.end + 2);
  }
  return out;
}

/**
 * Every date/time expression starting at token `i`, with its value. A date with a time in either
 * order ("завтра в 6 утра", "в 18:30 9 мая"); a time alone is today's, or tomorrow's once past.
 */
export function dateTimeEnds(tokens: readonly Token[], i: number, now: number): EntityEnd[] {
  const out: EntityEnd[] = [];
  for (const s of shifts(tokens, i, now)) out.push({ end: s.end, value: s.v });
  for (const d of dates(tokens, i, now)) {
    out.push({ end: d.end, value: make(d.v, undefined) });
    for (const c of clocksAt(tokens, d.end)) out.push({ end: c.end, value: make(d.v, c.v) });
  }
  for (const c of clocksAt(tokens, i)) {
    const today = dayOf(now);
    const at = make(today, c.v);
    out.push({ end: c.end, value: at.timestamp < now - 60_000 ? make(dayOf(now + DAY_MS), c.v) : at });
    for (const d of dates(tokens, c.end, now)) out.push({ end: d.end, value: make(d.v, c.v) });
  }
  return out;
}
