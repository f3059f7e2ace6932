// One file over 300 lines on purpose: it is the whole apt provider (schema, queries and parsers, planner,
// transaction and its recoveries), the one place a reader looks for how devenv handles a package.
import { z } from 'zod';
import { OperationError } from '../../core/errors.js';
import type { ExecResult, Target } from '../../targets/target.js';
import { withSharedAptArchive } from '../../lock/shared-apt-archive.js';
import { exactPinClosure } from '../apt-pin-closure.js';
import { aptFailureExplanation, aptRecoveryFor, type AptRecovery } from '../apt-recovery.js';
import { withCoalescedRestarts } from '../apt-service-restarts.js';
import type { ObservedPackage, ObservedState, PackageAvailability } from '../observed-state.js';
import type { Operation, ResourcePlan } from '../operation.js';
import type { ObservationQuery, ResourceProvider } from '../provider.js';
import type { ResourceOf } from '../resource.js';
import { DEBIAN_PACKAGE, DEBIAN_VERSION, relations } from '../schema.js';
import { must } from '../target-command.js';

/** A package, with a foreign architecture when it is one (libc6:i386), as the lock keys it. */
const APT_PACKAGE = new RegExp(`${DEBIAN_PACKAGE.source.slice(0, -1)}(?::[a-z0-9][a-z0-9-]*)?$`);

/**
 * Debian packages: one dpkg-query for all of them, a look in the apt lists only for
 * what must change, and one apt-get transaction for every change that can run
 * together. A transaction stops the run when more follows (stopAfterPackages):
 * packages bring files, units and services of their own.
 */

const aptEnsure = z
  .string()
  .refine(
    (v) => ['present', 'latest', 'absent', 'purged'].includes(v) || DEBIAN_VERSION.test(v),
    'must be present, latest, absent, purged or an exact Debian version such as "1.22.1-9+deb12u9"',
  );

export const AptAttributes = z.strictObject({ ensure: aptEnsure.default('present'), ...relations });
export type AptAttrs = z.output<typeof AptAttributes>;
export type AptResource = ResourceOf<'apt', AptAttrs>;
type AptOperation = Extract<Operation, { kind: 'apt' }>;

// ---- observe

/**
 * A name may carry a foreign architecture (libc6:i386, as a lock keys it). Only then are the
 * architectures asked for (`@native`, `@foreign`… lines) and each package's own printed, so
 * that libc6 and libc6:i386 read apart; a profile of native packages pays nothing for it.
 */
const DPKG_SCRIPT = `case "$*" in *:*) for a in $(dpkg --print-architecture) $(dpkg --print-foreign-architectures); do echo "@$a"; done
  exec dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\t\${Architecture}\\n' -- "$@" ;; esac
exec dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' -- "$@"`;

/**
 * On a target devenv has never provisioned (no marker), every package is about to be
 * looked up in the apt lists: that lookup then rides in the first round trip. Where
 * the marker is, it costs a `test` and the lookup, if any, comes after.
 */
const FIRST_RUN_AVAILABILITY_SCRIPT = '[ -e "$1" ] && exit 0; shift; LC_ALL=C exec apt-cache policy -- "$@"';

const packagesQuery: ObservationQuery = {
  key: 'packages',
  build: (resources) => (resources.length > 0 ? { script: DPKG_SCRIPT, args: resources.map((r) => r.name) } : undefined),
  // Exit 1 of dpkg-query only means some names are unknown to dpkg; the rest is on stdout.
  read: (stdout, _resources, state) => {
    const text = stdout('dpkg-query', [0, 1]);
    state.packages = parseDpkgQuery(text);
    const architectures = parseArchitectures(text);
    if (architectures) state.architectures = architectures;
  },
};

/** Read in `after`, and only when a package must change. */
const availabilityQuery: ObservationQuery = {
  key: 'availability',
  build: (resources, options) =>
    resources.length > 0 && options.earlyAvailability !== false
      ? { script: FIRST_RUN_AVAILABILITY_SCRIPT, args: [options.provisionedMarker, ...resources.map((r) => r.name)] }
      : undefined,
};

/**
 * dpkg-query lines: name, version, status, and (when a foreign architecture was asked
 * for) the package's architecture, which then qualifies a foreign one's name: libc6:i386.
 */
export function parseDpkgQuery(stdout: string): Record<string, ObservedPackage> {
  const packages: Record<string, ObservedPackage> = {};
  const native = parseArchitectures(stdout)?.native;
  for (const line of stdout.split('\n')) {
    const [name, version, status, arch] = line.split('\t');
    if (!name || status === undefined || name.startsWith('@')) continue;
    const foreign = arch !== undefined && native !== undefined && arch.trim() !== native && arch.trim() !== 'all';
    packages[foreign ? `${name}:${arch.trim()}` : name] = { version: version ?? '', status: status.trim() };
  }
  return packages;
}

/** The `@arch` lines DPKG_SCRIPT prints when a foreign architecture is asked for: native first. */
export function parseArchitectures(stdout: string): { native: string; foreign: string[] } | undefined {
  const listed = stdout
    .split('\n')
    .filter((line) => line.startsWith('@'))
    .map((line) => line.slice(1).trim());
  const [native, ...foreign] = listed;
  return native ? { native, foreign } : undefined;
}

/** The architecture a package name asks for beyond the native one (libc6:i386 → i386). */
export function foreignArchOf(name: string): string | undefined {
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : undefined;
}

/** Parses `apt-cache policy A B …`; a version counts as available when a repository (not only /var/lib/dpkg/status) offers it. */
export function parseAptPolicy(stdout: string): Record<string, PackageAvailability> {
  const out: Record<string, PackageAvailability> = {};
  let current: PackageAvailability | undefined;
  let version: string | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = { versions: [] };
      // apt names a foreign architecture's package with it (libc6:i386) and a native one without, as the lock does.
      out[header[1]!] = current;
      version = undefined;
      continue;
    }
    if (!current) continue;
    const candidate = /^\s+Candidate: (\S+)$/.exec(line);
    if (candidate) {
      if (candidate[1] !== '(none)') current.candidate = candidate[1]!;
      continue;
    }
    const versionLine = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (versionLine) {
      version = versionLine[1]!;
      continue;
    }
    const sourceLine = /^\s{8}-?\d+ (.+)$/.exec(line);
    if (sourceLine && version && !sourceLine[1]!.startsWith('/var/lib/dpkg/status') && !current.versions.includes(version)) {
      current.versions.push(version);
    }
  }
  return out;
}

function satisfiable(ensure: string, availability: PackageAvailability | undefined): boolean {
  if (!availability || availability.versions.length === 0) return false;
  if (ensure === 'present' || ensure === 'latest') return true;
  return availability.versions.includes(ensure);
}

export async function refreshAptLists(target: Target): Promise<void> {
  const result = await target.exec(['apt-get', 'update', '-q'], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  if (result.exitCode !== 0) {
    throw new OperationError(`apt-get update failed on ${target.describe().name}: ${lastLine(result.stderr || result.stdout)}`);
  }
}

async function queryAvailability(target: Target, names: string[]): Promise<Record<string, PackageAvailability>> {
  const result = await target.exec(['apt-cache', 'policy', '--', ...names], { env: { LC_ALL: 'C' } });
  if (result.exitCode !== 0) throw new OperationError(`apt-cache policy failed on ${target.describe().name}: ${lastLine(result.stderr)}`);
  return parseAptPolicy(result.stdout);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** Availability matters only for what must be installed or changed: usually nothing on a re-run. */
function wantedNames(apt: readonly AptResource[], state: ObservedState): string[] {
  return apt
    .filter((r) => {
      const ensure = r.attrs.ensure;
      if (ensure === 'absent' || ensure === 'purged') return false;
      if (ensure === 'latest') return true;
      const installed = state.packages[r.name];
      const isInstalled = installed?.status === 'ii';
      return ensure === 'present' ? !isInstalled : installed?.version !== ensure || !isInstalled;
    })
    .map((r) => r.name);
}

// ---- plan

/** dpkg's second status letter: n not installed, c config files only, i installed; anything else is half-way. */
function installState(status: string | undefined): 'installed' | 'config-files' | 'not-installed' | 'partial' {
  const letter = status?.[1];
  if (letter === 'i') return 'installed';
  if (letter === 'c') return 'config-files';
  if (letter === undefined || letter === 'n') return 'not-installed';
  return 'partial';
}

export function planApt(resource: AptResource, observed: ObservedState): ResourcePlan {
  const { name } = resource;
  const ensure = resource.attrs.ensure;
  const installed = observed.packages[name];
  const state = installState(installed?.status);
  const current = state === 'installed' ? installed!.version : state === 'not-installed' ? '(not installed)' : `${installed?.version ?? ''} (${state})`.trim();
  const available = observed.availability[name];
  // apt knows no version of an architecture dpkg has not been told of: the transaction adds it first.
  const arch = foreignArchOf(name);
  const addsArchitecture = arch !== undefined && observed.architectures !== undefined && !observed.architectures.foreign.includes(arch);
  const adding = (to: string, install: string): ResourcePlan => ({
    changes: [`version: ${current} → ${to} (adds the architecture ${arch})`],
    operation: { kind: 'apt', name, install },
  });

  if (ensure === 'absent') {
    if (state === 'not-installed' || state === 'config-files') return { changes: [] };
    return { changes: [`version: ${current} → (removed)`], operation: { kind: 'apt', name, remove: 'remove' } };
  }
  if (ensure === 'purged') {
    if (state === 'not-installed') return { changes: [] };
    return { changes: [`version: ${current} → (purged)`], operation: { kind: 'apt', name, remove: 'purge' } };
  }
  if (ensure === 'present') {
    if (state === 'installed') return { changes: [] };
    if (addsArchitecture) return adding('its candidate', name);
    if (!available?.candidate) return { changes: [], problem: `package ${name} is not available from the configured repositories` };
    return { changes: [`version: ${current} → ${available.candidate}`], operation: { kind: 'apt', name, install: name } };
  }
  if (ensure === 'latest') {
    if (addsArchitecture) return adding('its candidate', name);
    if (!available?.candidate) {
      if (state === 'installed') return { changes: [] };
      return { changes: [], problem: `package ${name} is not available from the configured repositories` };
    }
    if (state === 'installed' && installed!.version === available.candidate) return { changes: [] };
    return { changes: [`version: ${current} → ${available.candidate}`], operation: { kind: 'apt', name, install: `${name}=${available.candidate}` } };
  }
  // An exact version: the pin.
  if (state === 'installed' && installed!.version === ensure) return { changes: [] };
  if (addsArchitecture) return adding(ensure, `${name}=${ensure}`);
  if (!available || !available.versions.includes(ensure)) {
    const versions = available?.versions.length ? available.versions.join(', ') : 'none';
    return { changes: [], problem: `package ${name} version ${ensure} is not available from the configured repositories (available: ${versions})` };
  }
  return { changes: [`version: ${current} → ${ensure}`], operation: { kind: 'apt', name, install: `${name}=${ensure}` } };
}

// ---- apply

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
const APT_INSTALL_SAFE = [
  'apt-get',
  'install',
  '-y',
  '-q',
  '--allow-downgrades',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];

/**
 * dpkg without an fsync per file: an environment devenv made is rebuilt with
 * `destroy && up`, not repaired after a power cut, and the syncs cost ~0.3 s of a
 * cold apply. Never on an SSH host.
 */
const APT_UNSAFE_IO = ['-o', 'Dpkg::Options::=--force-unsafe-io'];

export interface AptTransactionOptions {
  /** The target is an environment devenv made (a container, a Vagrant machine). */
  disposable?: boolean;
  /** The profile's apt.install_recommends (said explicitly: a box or host may configure either). */
  installRecommends?: boolean;
}

/** The argv of one apt transaction (or two, when both plain removals and purges are asked for). */
export function aptTransactions(operations: readonly AptOperation[], options: AptTransactionOptions = {}): string[][] {
  const recommends = ['-o', `APT::Install-Recommends=${options.installRecommends === false ? 'false' : 'true'}`];
  const install = [...APT_INSTALL_SAFE, ...recommends, ...(options.disposable ? APT_UNSAFE_IO : [])];
  const installs = operations.flatMap((op) => (op.install ? [op.install] : []));
  const removals = operations.filter((op) => op.remove === 'remove').map((op) => `${op.name}-`);
  const purges = operations.filter((op) => op.remove === 'purge').map((op) => `${op.name}-`);
  // `--purge` applies to every removal of a transaction, so plain removals and purges cannot share one.
  if (removals.length > 0 && purges.length > 0) {
    return [
      [...install, ...installs, ...removals],
      [...install, '--purge', ...purges],
    ];
  }
  return [[...install, ...(purges.length ? ['--purge'] : []), ...installs, ...removals, ...purges]];
}

/**
 * dpkg learns each foreign architecture an install names (libc6:i386) before the transaction,
 * and apt's lists are refreshed once when one was new. A refresh that fails (a mirror out of
 * reach) is not the end: the own archive's flat repository lists every architecture, and apt's
 * own error names a version nothing offers.
 */
const ADD_ARCHITECTURES_SCRIPT = `added=
for a in "$@"; do dpkg --print-foreign-architectures | grep -qx -- "$a" || { dpkg --add-architecture "$a" && added=1; } || exit 1; done
[ -z "$added" ] || LC_ALL=C apt-get update -q || true`;

export function foreignArchitectures(operations: readonly AptOperation[]): string[] {
  return [...new Set(operations.flatMap((op) => (op.install ? [foreignArchOf(op.name)] : [])).filter((arch): arch is string => arch !== undefined))].sort();
}

async function runAptTransaction(target: Target, operations: AptOperation[], installRecommends: boolean | undefined): Promise<void> {
  const { kind } = target.describe();
  const architectures = foreignArchitectures(operations);
  if (architectures.length > 0) {
    await must(target, ['sh', '-c', ADD_ARCHITECTURES_SCRIPT, 'devenv-add-architectures', ...architectures], { env: APT_ENV, timeout: 600_000 });
  }
  for (const transaction of aptTransactions(operations, {
    disposable: kind === 'docker' || kind === 'vagrant',
    ...(installRecommends !== undefined ? { installRecommends } : {}),
  })) {
    let argv = transaction;
    const run = (): Promise<ExecResult> => target.exec(withSharedAptArchive(withCoalescedRestarts(argv)), { env: APT_ENV, timeout: 1_800_000 });
    let result = await run();
    // Each kind of recovery at most once: a second failure of the same kind is the answer.
    const tried = new Set<AptRecovery['kind']>();
    for (
      let recovery = aptRecoveryFor(result.stderr);
      result.exitCode !== 0 && recovery && !tried.has(recovery.kind);
      recovery = aptRecoveryFor(result.stderr)
    ) {
      tried.add(recovery.kind);
      if (recovery.kind === 'closure') {
        // apt resolves nothing before it changes something: adding the pins' siblings and retrying is safe.
        const siblings = await exactPinClosure(target, argv);
        if (siblings.length === 0) break;
        argv = [...argv, ...siblings];
      } else {
        await recoverApt(target, recovery);
      }
      result = await run();
    }
    if (result.exitCode !== 0)
      throw new OperationError(`apt-get install failed (exit ${result.exitCode}): ${aptFailureExplanation(result.stdout, result.stderr)}`);
  }
}

/** Waits for the apt-get a killed run left behind (never fights it), repairs dpkg, or refreshes the lists. */
async function recoverApt(target: Target, recovery: Exclude<AptRecovery, { kind: 'closure' }>): Promise<void> {
  if (recovery.kind === 'refresh-lists') return refreshAptLists(target);
  if (recovery.kind === 'configure') {
    await must(target, ['dpkg', '--configure', '-a'], { env: APT_ENV, timeout: 1_800_000 });
    return;
  }
  // `kill -0` from inside the environment: the holder is a process there, not here.
  await target.exec(['sh', '-c', 'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done', 'devenv-wait-apt', String(recovery.pid)], { timeout: 1_800_000 });
  // It may itself have been killed halfway: dpkg then needs finishing first.
  const audit = await target.exec(['dpkg', '--audit']);
  if (audit.stdout.trim()) await must(target, ['dpkg', '--configure', '-a'], { env: APT_ENV, timeout: 1_800_000 });
}

export const aptProvider: ResourceProvider<'apt', AptAttrs> = {
  type: 'apt',
  attributes: AptAttributes,
  nameProblem: (name) =>
    APT_PACKAGE.test(name)
      ? undefined
      : `"${name}" is not a Debian package name (lowercase letters, digits, "+", "-", "."; at least two characters; a foreign architecture after a colon, as in libc6:i386)`,
  observe: {
    queries: [packagesQuery, availabilityQuery],
    async after(apt, state, { target, options, answers, step }) {
      // A foreign architecture dpkg does not have yet has nothing to look up: the transaction adds it (planApt).
      const notYet = (name: string): boolean => {
        const arch = foreignArchOf(name);
        return arch !== undefined && state.architectures !== undefined && !state.architectures.foreign.includes(arch);
      };
      const wanted = wantedNames(apt, state).filter((name) => !notYet(name));
      if (wanted.length === 0) return;
      // Looked up in the first round trip (a target never provisioned), unless that failed.
      const early = answers['availability'];
      const known = early && early.exitCode === 0 && early.stdout.trim() !== '' ? parseAptPolicy(early.stdout) : undefined;
      if (known && apt.every((r) => !wanted.includes(r.name) || satisfiable(r.attrs.ensure, known[r.name]))) {
        state.availability = known;
      } else {
        step('apt lists');
        state.availability = await queryAvailability(target, wanted);
      }
      const unknown = apt.filter((r) => wanted.includes(r.name) && !satisfiable(r.attrs.ensure, state.availability[r.name]));
      if (unknown.length > 0 && options.updateAptLists !== false) {
        step('apt-get update');
        await refreshAptLists(target);
        state.availability = await queryAvailability(target, wanted);
      }
    },
  },
  plan: (resource, observed) => planApt(resource, observed),
  batchKey: (operation) => (operation.kind === 'apt' ? 'apt' : undefined),
  changesWhatThePlanSaw: true,
  describe: (changes) => `apt: ${changes.map((c) => c.ref.slice(4)).join(' ')}`,
  async apply(session, { changes }) {
    const operations = changes.map((c) => c.operation!).filter((op): op is AptOperation => op.kind === 'apt');
    await runAptTransaction(session.target, operations, session.options.installRecommends);
  },
};
