/**
 * parity.ignore: globs on drift paths. `*` matches any run of characters (dots
 * included), `?` one character. A pattern matches the whole path, or the path
 * without its area ("kernel.*" drops sysctl.kernel.*); "packages.NAME" is
 * accepted for "packages.deb.NAME", as DESIGN.md writes it.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function compileIgnore(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const patterns = globs.map(globToRegExp);
  return (path) => {
    const dot = path.indexOf('.');
    const candidates = [path];
    if (dot > 0) candidates.push(path.slice(dot + 1));
    if (path.startsWith('packages.deb.')) candidates.push(`packages.${path.slice('packages.deb.'.length)}`);
    return candidates.some((candidate) => patterns.some((pattern) => pattern.test(candidate)));
  };
}
