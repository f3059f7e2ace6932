/**
 * The one place a value becomes part of a shell string. Everything devenv runs
 * is an argv array; only when a guest needs `sh -c` (ssh sends a string) is each
 * argument quoted here. POSIX single quotes: nothing inside is special except the
 * quote itself, which is closed, escaped and reopened.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
