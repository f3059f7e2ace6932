import { stringify } from 'yaml';
import type { ProjectKind } from './detect.js';
import type { PythonPins } from './python-pins.js';

/** The answers `devenv init` needs, from prompts or flags. */
export interface InitAnswers {
  name: string;
  kind: ProjectKind;
  box: string;
  backend: 'docker' | 'vagrant';
  /** Host port forwarded to nginx's port 80 in the guest. */
  hostPort: number;
  appUser: string;
  /** The app's exact Python pins: pip resources in its venv (so they enter the lock and the archive). */
  pythonPins?: PythonPins;
}

export interface ScaffoldFile {
  /** Relative to the project folder. */
  path: string;
  content: string;
}

const RUNTIME_PACKAGES: Record<ProjectKind, string[]> = {
  python: ['python3', 'python3-venv'],
  node: ['nodejs'],
  ruby: ['ruby'],
  static: [],
};

/**
 * The files `devenv init` writes: a profile and a starter manifest that gives the
 * app its own nologin user, its runtime, and nginx in front — the hardened
 * shape the checklist expects, ready to be pinned to production's versions.
 */
export function scaffoldProject(answers: InitAnswers): ScaffoldFile[] {
  const appHome = `/srv/${answers.name}`;
  const profile = {
    name: answers.name,
    box: answers.box,
    backend: answers.backend,
    ...(answers.backend === 'vagrant' ? { vagrant: { provider: 'docker' } } : {}),
    resources: { cpus: 2, memory: '2GiB' },
    ports: [`${answers.hostPort}:80`],
    sync: [`./:${appHome}/app`],
    manifests: ['manifests/base.yaml', `manifests/${answers.name}.yaml`],
    vars: { app_user: answers.appUser },
    parity: { ignore: ['packages.deb.linux-image-*'] },
    checklist: { app_user: answers.appUser, allowed_ports: [22, 80, 443] },
  };
  const base = {
    apt: { nginx: { ensure: 'present' }, 'unattended-upgrades': { ensure: 'present' } },
    file: { '/etc/nginx/sites-enabled/default': { ensure: 'absent', notify: ['service:nginx'] } },
    service: { nginx: { ensure: 'running', enable: true, on_refresh: 'reload' } },
  };
  const runtime = RUNTIME_PACKAGES[answers.kind];
  const app: Record<string, unknown> = {
    group: { [answers.appUser]: { system: true } },
    user: { [answers.appUser]: { system: true, group: answers.appUser, shell: '/usr/sbin/nologin', home: appHome } },
  };
  if (runtime.length) app.apt = Object.fromEntries(runtime.map((pkg) => [pkg, { ensure: 'present' }]));
  if (answers.kind === 'python') {
    app.venv = { [`${appHome}/venv`]: { python: '/usr/bin/python3', owner: answers.appUser, require: ['apt:python3-venv'] } };
    const pins = answers.pythonPins?.pins ?? [];
    if (pins.length) app.pip = Object.fromEntries(pins.map((pin) => [pin.name, { ensure: pin.version, venv: `${appHome}/venv` }]));
  }
  const unpinned = answers.kind === 'python' ? (answers.pythonPins?.unpinned ?? []) : [];
  const unpinnedNote = unpinned.length
    ? `# Not pinned in the project, so left out (pin them to the versions production runs):\n${unpinned.map((spec) => `#   ${spec}\n`).join('')}`
    : '';
  const header = (what: string): string =>
    `# ${what} — written by devenv init. Pin exact versions ("1.22.1-9+deb12u9") to match production;\n# \`devenv init --from ssh://user@host\` writes them from production itself.\n`;
  return [
    { path: 'devenv.yaml', content: `# devenv profile — see \`devenv --help\`\n${stringify(profile)}` },
    { path: 'manifests/base.yaml', content: `${header('Base system')}${stringify(base)}` },
    { path: `manifests/${answers.name}.yaml`, content: `${header(`The ${answers.name} application`)}${unpinnedNote}${stringify(app)}` },
  ];
}
