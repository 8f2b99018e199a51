// `@duckling.phone-number` emulated offline: 7 to 15 digits in groups, with an optional leading "+"
// and the usual separators ("+7 911 344 55 93", "8 (911) 344-55-93", "89113445593"). The value is
// the digits alone ("79113445593"), as a real project's tests expect it (docs/nlu.md, "Entities").
import type { Token } from "../../patterns/tokenizer.js";
import type { EntityEnd } from "./date-time.js";

const GROUP = /^\d+(?:-\d+)*$/;
const SEPARATORS = new Set(["(", ")", "-", "."]);
const MIN_DIGITS = 7;
const MAX_DIGITS = 15;

/** Phone numbers starting at token `i`: an optional "+", then digit groups with separators, at most 15 digits. */
export function phoneEnds(tokens: readonly Token[], i: number): EntityEnd[] {
  let j = i;
  if (tokens[j]?.norm === "+") j++;
  let number = "";
  let end = -1;
  let pending = 0; // separators seen since the last group
  for (; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (GROUP.test(t.norm)) {
      // groups must touch or be one space/separator apart: "2024 год 15" is not a phone
      if (number !== "" && t.start - tokens[j - 1]!.end > 1) break;
      number += t.norm.replace(/-/g, "");
      if (number.length > MAX_DIGITS) return [];
      end = j + 1;
      pending = 0;
    } else if (t.punct && SEPARATORS.has(t.norm) && pending < 2) {
      pending++;
    } else break;
  }
  if (number.length < MIN_DIGITS || end < 0) return [];
  return [{ end, value: number }];
}
