/**
 * C0 controls and DEL. A newline in a name starts a new statement in a diagram, a NUL ends a C string, and
 * neither belongs in an S3 key or a file name a user means to write, so core rejects them at definition and
 * the diagram writers drop any that reach them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * The first control character of a text, written as an escape so a message can show it.
 *
 * @example
 * ```ts
 * controlCharacterIn("raw/a.csv\nclick"); // "\\n"
 * controlCharacterIn("raw/a.csv"); // null
 * ```
 */
export function controlCharacterIn(text: string): string | null {
  const found = text.match(new RegExp(CONTROL_CHARACTERS.source));
  return found ? JSON.stringify(found[0]).slice(1, -1) : null;
}
