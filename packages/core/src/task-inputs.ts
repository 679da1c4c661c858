/**
 * Reads the input names of a multi-source task from its destructured first parameter, so JavaScript callers
 * get the same `Pipeline` key check TypeScript gives at compile time.
 *
 * @example
 * ```ts
 * destructuredKeys(function join({ orders, customers: c }, ctx) {}) // ["orders", "customers"]
 * destructuredKeys((df) => df)                                      // null: not destructured
 * destructuredKeys(({ a, ...rest }) => a)                           // null: a rest element hides the keys
 * ```
 */
export function destructuredKeys(fn: (...args: never[]) => unknown): readonly string[] | null {
  const source = Function.prototype.toString.call(fn);
  const open = source.indexOf("(");
  const arrow = source.indexOf("=>");
  // `x => …`: one plain parameter before the arrow.
  if (open < 0 || (arrow >= 0 && arrow < open)) return null;
  let i = open + 1;
  while (/\s/.test(source[i] ?? "")) i++;
  if (source[i] !== "{") return null;
  const body = matchingBrace(source, i);
  if (body === null) return null;
  const keys: string[] = [];
  for (const entry of splitTopLevel(body)) {
    const text = entry.trim();
    if (text === "") continue;
    if (text.startsWith("...") || text.startsWith("[")) return null;
    const key = /^(?:"([^"]+)"|'([^']+)'|([A-Za-z_$][\w$]*))/.exec(text);
    if (!key) return null;
    keys.push(key[1] ?? key[2] ?? key[3] ?? "");
  }
  return keys.length > 0 ? keys : null;
}

/** The text between the brace at `start` and its match, skipping strings and nested brackets. */
function matchingBrace(source: string, start: number): string | null {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(source, i);
      continue;
    }
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") {
      depth--;
      if (depth === 0) return source.slice(start + 1, i);
    }
  }
  return null;
}

function skipString(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

/** Splits on commas that are not inside brackets or strings. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") i = skipString(text, i);
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}
