import { basename } from 'node:path';

/**
 * File names for the facts of several hosts in one folder (`devenv facts
 * --target A --target B -o DIR`): user@host[_port].facts.json for SSH hosts,
 * the source file's name for converted files, env.facts.json for the
 * environment; only [A-Za-z0-9@._-] survive, and a name taken twice gets -2, -3….
 */
export function factsFileNames(specs: readonly string[]): string[] {
  const taken = new Map<string, number>();
  return specs.map((spec) => {
    let stem: string;
    if (spec === 'env') stem = 'env';
    else if (spec.startsWith('ssh://')) stem = spec.slice('ssh://'.length).replace(/^(.*):(\d+)$/, '$1_$2');
    else stem = basename(spec).replace(/\.facts\.json$|\.json$/i, '');
    stem = stem.replace(/[^A-Za-z0-9@._-]/g, '_').replace(/^\.+/, '_') || 'host';
    const seen = taken.get(stem) ?? 0;
    taken.set(stem, seen + 1);
    return `${seen === 0 ? stem : `${stem}-${seen + 1}`}.facts.json`;
  });
}
