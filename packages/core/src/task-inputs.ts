/**
 * Reads the input names of a multi-source task from its destructured first parameter, so JavaScript callers
 * get the same `Pipeline` key check TypeScript gives at compile time.
 *
 * The answer is `null` ("unknown") whenever the parameter list is not plainly readable: a wrong list would
 * reject a valid pipeline with `INPUT_MISMATCH`, while `null` only skips the run-time check.
 *
 * @example
 * ```ts
 * destructuredKeys(function join({ orders, customers: c }, ctx) {}) // ["orders", "customers"]
 * destructuredKeys((df) => df)                                      // null: not destructured
 * destructuredKeys(({ a, ...rest }) => a)                           // null: a rest element hides the keys
 * ```
 */
export function destructuredKeys(fn: (...args: never[]) => unknown): readonly string[] | null {
  // Comments may sit anywhere in a parameter list (`join(/* inputs */ { a, b })`); drop them first so
  // neither the scan nor the key split trips on them.
  const source = withoutComments(Function.prototype.toString.call(fn));
  const open = source.indexOf("(");
  const arrow = source.indexOf("=>");
  // `x => …`: one plain parameter before the arrow.
  if (open < 0 || (arrow >= 0 && arrow < open)) return null;
  let i = open + 1;
  while (/\s/.test(source[i] ?? "")) i++;
  if (source[i] !== "{") return null;
  const end = matchingBrace(source, i);
  if (end === null) return null;
  // A well-read pattern is followed by the next parameter, the end of the list or a default value; anything
  // else (e.g. a regex literal holding "}" in a default) means the scan went astray.
  if (!/^\s*[,)=]/.test(source.slice(end + 1))) return null;
  const keys: string[] = [];
  for (const entry of splitTopLevel(source.slice(i + 1, end))) {
    const text = entry.trim();
    if (text === "") continue;
    if (text.startsWith("...") || text.startsWith("[")) return null;
    const key =
      /^(?:"([^"]+)"|'([^']+)'|([\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*))\s*(?:$|[:=])/u.exec(text);
    if (!key) return null;
    keys.push(key[1] ?? key[2] ?? key[3] ?? "");
  }
  return keys.length > 0 ? keys : null;
}

/** The source with `//` and block comments replaced by a space; strings and template literals are kept. */
function withoutComments(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '"' || c === "'" || c === "`") {
      const end = skipString(source, i);
      out += source.slice(i, end + 1);
      i = end;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 1;
      out += " ";
    } else if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i + 2);
      i = end < 0 ? source.length : end - 1;
      out += " ";
    } else {
      out += c;
    }
  }
  return out;
}

/** The index of the bracket matching the one at `start`, skipping strings and nested brackets. */
function matchingBrace(source: string, start: number): number | null {
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
      if (depth === 0) return i;
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
