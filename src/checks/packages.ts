import type { Facts } from '../facts/schema.js';
import type { Check } from './types.js';
import { fail, pass, warn } from './types.js';
import { listSome, sectionUnavailable } from './sections.js';
import { normalizePythonName } from '../core/python-name.js';

/** dpkg's second status letter: n = not installed, c = only config files left. Anything else is on disk. */
export function isInstalled(status: string): boolean {
  const current = status[1];
  return current !== undefined && current !== 'n' && current !== 'c';
}

function installedPackages(facts: Facts): string[] {
  return Object.entries(facts.packages?.deb ?? {})
    .filter(([, pkg]) => isInstalled(pkg.status))
    .map(([name]) => name)
    .sort();
}

const BUILD_TOOLS = /^(gcc|g\+\+|clang|make|build-essential)(-\d+(\.\d+)?)?$/;

export const noBuildTools: Check = {
  id: 'no-build-tools',
  title: 'No compiler toolchain is installed',
  remediation: 'build wheels or packages elsewhere and install the artefacts; apt-get purge the toolchain (and apt-get autoremove)',
  needs: ['packages'],
  run(input) {
    const found = installedPackages(input.facts).filter((name) => BUILD_TOOLS.test(name));
    if (found.length > 0) return fail(`build tools installed: ${listSome(found)}`);
    return pass('no gcc, g++, clang, make or build-essential installed');
  },
};

const LEGACY_PACKAGES =
  /^(telnetd|inetutils-telnetd|telnetd-ssl|rsh-server|rsh-redone-server|nis|ypserv|tftpd|tftpd-hpa|atftpd|xinetd|openbsd-inetd|inetutils-inetd|rlinetd)$/;
const LEGACY_SERVICES =
  /^(telnet|telnetd|rsh|rlogin|rexec|ypbind|ypserv|nis|tftp|tftpd|tftpd-hpa|atftpd|xinetd|inetd|openbsd-inetd)(@.*)?(\.(service|socket))?$/;

export const noLegacyServices: Check = {
  id: 'no-legacy-services',
  title: 'No telnet, rsh, NIS, TFTP or inetd services',
  remediation: 'apt-get purge the legacy server packages; use ssh/scp instead',
  needs: ['packages', 'services'],
  run(input) {
    const packages = installedPackages(input.facts).filter((name) => LEGACY_PACKAGES.test(name));
    const services = Object.entries(input.facts.services ?? {})
      .filter(([name, service]) => LEGACY_SERVICES.test(name) && (service.active === 'active' || service.enabled === 'enabled'))
      .map(([name]) => name)
      .sort();
    const found = [...packages.map((name) => `package ${name}`), ...services.map((name) => `service ${name}`)];
    if (found.length > 0) return fail(`legacy services present: ${listSome(found)}`);
    return pass('no telnet, rsh, NIS, TFTP or inetd package or service');
  },
};

export const securityUpdates: Check = {
  id: 'security-updates',
  title: 'Security updates are installed automatically',
  remediation: 'install unattended-upgrades and set APT::Periodic::Unattended-Upgrade "1" (dpkg-reconfigure unattended-upgrades)',
  needs: ['security_updates'],
  run(input) {
    const updates = input.facts.security_updates!;
    if (!updates.unattended_upgrades_installed) return fail('unattended-upgrades is not installed');
    const periodic = updates.periodic_unattended_upgrade;
    if (periodic === undefined) return fail('unattended-upgrades is installed but APT::Periodic::Unattended-Upgrade is not set');
    if (!/^[1-9]\d*$/.test(periodic.trim())) return fail(`APT::Periodic::Unattended-Upgrade is "${periodic}", so unattended upgrades never run`);
    return pass(`unattended-upgrades runs every ${periodic.trim() === '1' ? 'day' : `${periodic.trim()} days`}`);
  },
};

/** PEP 503 normalisation, so Django, django and DJANGO compare equal, as pip does (one definition, in core). */
export { normalizePythonName };

const EXACT_VERSION = /^(==)?\s*[0-9][0-9A-Za-z.+!_-]*$/;
/** Installed into every venv by venv itself; nobody pins them as app dependencies. */
const VENV_TOOLING = new Set(['pip', 'setuptools', 'wheel', 'pkg-resources', 'distribute']);

/** A Debian version as apt accepts it for an exact pin: digits first, optional epoch. */
const EXACT_DEB_VERSION = /^(\d+:)?\d[0-9A-Za-z.+~-]*$/;

export const depsPinned: Check = {
  id: 'deps-pinned',
  title: 'App dependencies are pinned exactly and installed as pinned',
  remediation:
    'pin every app dependency to an exact version (pip: {NAME: {ensure: "X.Y.Z"}}, apt: {NAME: {ensure: "VERSION"}}, a lockfile for node) and re-provision',
  run(input) {
    const pipPins = input.declared?.pythonPins ?? [];
    // Only exact apt pins are judged: "present" is how base packages are written, and says nothing about the app.
    const aptPins = (input.declared?.aptPins ?? []).filter((pin) => EXACT_DEB_VERSION.test(pin.ensure));
    const runtimes = input.facts.runtimes;
    const nodeApps = Object.entries(runtimes?.node ?? {});
    const venvs = Object.entries(runtimes?.python ?? {});
    if (pipPins.length === 0 && aptPins.length === 0 && nodeApps.length === 0) {
      if (venvs.length > 0)
        return warn(
          `the manifests pin no packages, so the venvs ${listSome(venvs.map(([path]) => path))} cannot be judged`,
          "declare the app's packages with exact versions in a manifest",
        );
      return warn(sectionUnavailable(input.facts, 'runtimes') ?? 'no pinned app dependencies declared and no venv or node app found: nothing to judge');
    }
    const unavailable =
      (pipPins.length > 0 || venvs.length > 0 ? sectionUnavailable(input.facts, 'runtimes') : undefined) ??
      (aptPins.length > 0 ? sectionUnavailable(input.facts, 'packages') : undefined);
    if (unavailable) return warn(unavailable);

    const problems: string[] = [];
    const notes: string[] = [];
    const pinnedByVenv = new Map<string, Set<string>>();
    for (const pin of pipPins) {
      const name = normalizePythonName(pin.name);
      const set = pinnedByVenv.get(pin.venv) ?? new Set<string>();
      set.add(name);
      pinnedByVenv.set(pin.venv, set);
      if (!EXACT_VERSION.test(pin.ensure)) {
        problems.push(`pip ${pin.name} in ${pin.venv} is "${pin.ensure}", not an exact version`);
        continue;
      }
      const wanted = pin.ensure.replace(/^==\s*/, '');
      const venv = runtimes?.python?.[pin.venv];
      if (!venv) {
        problems.push(`venv ${pin.venv} (for ${pin.name}) is not on the target`);
        continue;
      }
      const installed = Object.entries(venv.packages).find(([candidate]) => normalizePythonName(candidate) === name)?.[1];
      if (installed === undefined) problems.push(`${pin.name}==${wanted} is not installed in ${pin.venv}`);
      else if (installed !== wanted) problems.push(`${pin.name} in ${pin.venv} is ${installed}, pinned ${wanted}`);
    }
    for (const pin of aptPins) {
      const installed = input.facts.packages?.deb[pin.name];
      if (!installed || !isInstalled(installed.status)) problems.push(`apt ${pin.name} ${pin.ensure} is not installed`);
      else if (installed.version !== pin.ensure) problems.push(`apt ${pin.name} is ${installed.version}, pinned ${pin.ensure}`);
    }
    for (const [venv, facts] of venvs) {
      const pinned = pinnedByVenv.get(venv) ?? new Set<string>();
      const extras = Object.keys(facts.packages)
        .map(normalizePythonName)
        .filter((name) => !pinned.has(name) && !VENV_TOOLING.has(name))
        .sort();
      if (extras.length > 0) notes.push(`installed in ${venv} without a pin: ${listSome(extras)}`);
    }
    for (const [path, app] of nodeApps) {
      if (app.lockfile_sha256 === undefined) problems.push(`node app ${path} has no lockfile`);
    }
    if (problems.length > 0) return fail([...problems, ...notes].join('; '));
    if (notes.length > 0)
      return warn(`pins hold, but ${notes.join('; ')}`, 'pin transitive dependencies too (pip-compile), so a rebuild installs the same set');
    const count = (n: number, what: string): string => (n > 0 ? `${n} ${what}${n > 1 ? 's' : ''}` : '');
    const judged = [count(pipPins.length, 'pip pin'), count(aptPins.length, 'apt pin')].filter(Boolean).join(' and ');
    const node = count(nodeApps.length, 'node app');
    return pass([judged ? `${judged} installed as pinned` : '', node ? `${node} with a lockfile` : ''].filter(Boolean).join(', '));
  },
};
