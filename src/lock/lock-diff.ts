import type { LockData } from './lock-file.js';

export interface LockDifference {
  /** apt package name, or "pip VENV NAME". */
  package: string;
  locked?: string;
  installed?: string;
}

/** Where an environment (read as a lock) differs from the lock (pure): versions, missing and extra packages. */
export function lockDifferences(locked: LockData, current: LockData): LockDifference[] {
  const differences: LockDifference[] = [];
  for (const name of [...new Set([...Object.keys(locked.apt), ...Object.keys(current.apt)])].sort()) {
    const want = locked.apt[name]?.version;
    const have = current.apt[name]?.version;
    if (want !== have) differences.push({ package: name, ...(want ? { locked: want } : {}), ...(have ? { installed: have } : {}) });
  }
  for (const venv of [...new Set([...Object.keys(locked.pip), ...Object.keys(current.pip)])].sort()) {
    const wanted = locked.pip[venv] ?? {};
    const held = current.pip[venv] ?? {};
    for (const name of [...new Set([...Object.keys(wanted), ...Object.keys(held)])].sort()) {
      const want = wanted[name]?.version;
      const have = held[name]?.version;
      if (want !== have) differences.push({ package: `pip ${venv} ${name}`, ...(want ? { locked: want } : {}), ...(have ? { installed: have } : {}) });
    }
  }
  return differences;
}
