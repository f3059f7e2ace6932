import { pinsFromPyproject, pinsFromRequirements, type PythonPins } from './python-pins.js';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What kind of application a folder holds, from the files it has. */
export type ProjectKind = 'python' | 'node' | 'ruby' | 'static';

export interface DetectedProject {
  kind: ProjectKind;
  /** A profile name derived from the folder name. */
  name: string;
  /** The files that decided the kind, to tell the user why. */
  evidence: string[];
  /** The port the app listens on by convention for its kind. */
  appPort: number;
  /** Process types from a Procfile (web, worker…), when there is one. */
  procfile: Record<string, string>;
  /** The app's exact Python pins (requirements.txt, else pyproject.toml), for the venv. */
  python?: PythonPins;
}

export function profileNameFor(folder: string): string {
  const cleaned = basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40);
  return cleaned || 'app';
}

export function parseProcfile(text: string): Record<string, string> {
  const processes: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(line.trim());
    if (match) processes[match[1]!] = match[2]!.trim();
  }
  return processes;
}

export function detectProject(dir: string): DetectedProject {
  const has = (file: string): boolean => existsSync(join(dir, file));
  const procfile = has('Procfile') ? parseProcfile(readFileSync(join(dir, 'Procfile'), 'utf8')) : {};
  const base = { name: profileNameFor(dir), procfile };
  const python = ['requirements.txt', 'pyproject.toml', 'setup.py', 'Pipfile', 'manage.py'].filter(has);
  if (python.length) {
    const pins = has('requirements.txt')
      ? pinsFromRequirements(readFileSync(join(dir, 'requirements.txt'), 'utf8'))
      : has('pyproject.toml')
        ? pinsFromPyproject(readFileSync(join(dir, 'pyproject.toml'), 'utf8'))
        : undefined;
    return { ...base, kind: 'python', evidence: python, appPort: 8000, ...(pins ? { python: pins } : {}) };
  }
  if (has('package.json')) return { ...base, kind: 'node', evidence: ['package.json'], appPort: 3000 };
  if (has('Gemfile')) return { ...base, kind: 'ruby', evidence: ['Gemfile'], appPort: 3000 };
  return { ...base, kind: 'static', evidence: [], appPort: 80 };
}
