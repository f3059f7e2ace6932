/**
 * The one place a value becomes Ruby source in a rendered Vagrantfile.
 *
 * Strings are written double-quoted on one line, in printable ASCII only:
 * `\`, `"` and `#` (which would start `#{…}` interpolation) are escaped, and
 * every other character outside 0x20–0x7e becomes `\u{…}`. So no value can close
 * the literal, interpolate, start a comment or a heredoc, or split a line.
 */
export function rubyString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code === 0) throw new Error('a Ruby string from devenv cannot contain a NUL byte');
    if (code >= 0xd800 && code <= 0xdfff) throw new Error('a Ruby string cannot contain a lone UTF-16 surrogate');
    if (char === '\\' || char === '"' || char === '#') out += `\\${char}`;
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `${out}"`;
}

/** A finite number as a Ruby numeric literal. */
export function rubyNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a finite number`);
  return String(value);
}

export type RubyValue = string | number | boolean | readonly RubyValue[];

/** Strings, numbers, booleans and arrays of them, as a Ruby literal. */
export function rubyLiteral(value: RubyValue): string {
  if (typeof value === 'string') return rubyString(value);
  if (typeof value === 'number') return rubyNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `[${value.map(rubyLiteral).join(', ')}]`;
}
