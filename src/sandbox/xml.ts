// parseXml(): XML text → plain JSON object, done on the host side with @xmldom/xmldom.
// Shape: { rootName: value }; an element with neither attributes nor child elements is its text;
// otherwise an object with "@attr" keys, child elements by name (an array when repeated) and "#text".
import { createRequire } from "node:module";

// Loaded on first use: building xmldom's grammar costs ~150–200 ms per thread, and most realms never
// call parseXml (every test worker and turn worker would pay it at start-up).
let xmldom: typeof import("@xmldom/xmldom") | undefined;
const requireHere = createRequire(import.meta.url);
function lib(): typeof import("@xmldom/xmldom") {
  return (xmldom ??= requireHere("@xmldom/xmldom") as typeof import("@xmldom/xmldom"));
}

type Json = string | { [k: string]: Json | Json[] };

interface XmlNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<XmlNode>;
  attributes?: ArrayLike<{ name: string; value: string }>;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

/**
 * Deepest element nesting parseXml converts: real documents nest a few dozen levels, and the text may
 * come from anyone (a remote service's `$http` answer, a user's message); deeper is a clear error.
 */
export const MAX_XML_DEPTH = 256;

function convert(el: XmlNode, depth: number): Json {
  if (depth > MAX_XML_DEPTH) throw new Error(`parseXml: elements nest deeper than ${MAX_XML_DEPTH} levels`);
  const attrs = el.attributes ?? { length: 0 };
  // No prototype: element names such as "constructor" or "__proto__" are plain members, never
  // inherited values (an element named toString became [null, text]; one named __proto__ vanished
  // and its children showed through as its siblings'). JSON carries the result into the isolate.
  const out = Object.create(null) as Record<string, Json | Json[]>;
  let text = "";
  let hasChildren = false;
  for (let i = 0; i < attrs.length; i++) out[`@${attrs[i].name}`] = attrs[i].value;
  for (let i = 0; i < el.childNodes.length; i++) {
    const c = el.childNodes[i];
    if (c.nodeType === TEXT || c.nodeType === CDATA) text += c.nodeValue ?? "";
    else if (c.nodeType === ELEMENT) {
      hasChildren = true;
      const v = convert(c, depth + 1);
      const prev = out[c.nodeName];
      if (prev === undefined) out[c.nodeName] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[c.nodeName] = [prev as Json, v];
    }
  }
  if (!hasChildren && attrs.length === 0) return text.trim();
  if (text.trim()) out["#text"] = text.trim();
  return out;
}

export function parseXml(text: string): Json | null {
  const errors: string[] = [];
  const doc = new (lib().DOMParser)({
    onError: (level: string, msg: string) => {
      if (level !== "warning") errors.push(msg);
    },
  }).parseFromString(text, "text/xml") as unknown as { documentElement: XmlNode | null };
  if (errors.length) throw new Error(`parseXml: ${errors[0]}`);
  const root = doc.documentElement;
  if (!root) return null;
  const top = Object.create(null) as Record<string, Json>;
  top[root.nodeName] = convert(root, 1);
  return top;
}
