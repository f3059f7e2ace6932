import { OperationError } from '../core/errors.js';
import { execBatch } from '../targets/exec-batch.js';
import type { Target } from '../targets/target.js';
import { closureStep, parsePackageRecords, type PackageRecord } from './apt-closure.js';
import type { PackageAvailability } from './observed-state.js';
import { parseAptPolicy, parseDpkgQuery } from './resources/apt.js';

const SHOW_SCRIPT = 'LC_ALL=C exec apt-cache show -- "$@"';
const POLICY_SCRIPT = 'LC_ALL=C exec apt-cache policy -- "$@"';
const INSTALLED_SCRIPT = `dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' -- "$@" 2>/dev/null; exit 0`;

/** `name=version` arguments of an apt-get install: the exact pins of a transaction. */
export function pinsOf(argv: readonly string[]): Map<string, string> {
  const pins = new Map<string, string>();
  for (const arg of argv) {
    const match = /^([a-z0-9][a-z0-9+.-]*)=(\S+)$/.exec(arg);
    if (match) pins.set(match[1]!, match[2]!);
  }
  return pins;
}

/**
 * What a transaction of exact pins also needs at an exact version (see apt-closure.ts):
 * `name=version` arguments to add, looked up on the target in a few batched round trips.
 * Throws one sentence per dependency that no available version satisfies.
 * Only asked after apt itself gave up on unmet dependencies: no cost when apt resolves alone.
 */
export async function exactPinClosure(target: Target, transaction: readonly string[]): Promise<string[]> {
  const pinned = pinsOf(transaction);
  const records: PackageRecord[] = [];
  const availability: Record<string, PackageAvailability> = {};
  const installed: Record<string, string> = {};
  const added: string[] = [];
  let toShow = [...pinned].map(([name, version]) => `${name}=${version}`);
  let toLookUp: string[] = [];
  for (let round = 0; round < 8 && (toShow.length > 0 || toLookUp.length > 0); round++) {
    const answers = await execBatch(target, {
      ...(toShow.length ? { show: { script: SHOW_SCRIPT, args: toShow } } : {}),
      ...(toLookUp.length ? { policy: { script: POLICY_SCRIPT, args: toLookUp }, installed: { script: INSTALLED_SCRIPT, args: toLookUp } } : {}),
    });
    if (answers.show) records.push(...parsePackageRecords(answers.show.stdout));
    if (answers.policy) Object.assign(availability, parseAptPolicy(answers.policy.stdout));
    if (answers.installed) {
      for (const [name, pkg] of Object.entries(parseDpkgQuery(answers.installed.stdout))) if (pkg.status[1] === 'i') installed[name] = pkg.version;
    }
    // Looked up and not known at all: an empty entry, so the decision can name it.
    for (const name of toLookUp) availability[name] ??= { versions: [] };
    const step = closureStep({ pinned, records, availability, installed });
    if (step.problems.length > 0)
      throw new OperationError(`the exact pins cannot be installed together: ${step.problems.join('; ')}`, {
        hint: 'pin the package the sentence names to a version that fits, or move the other pin',
      });
    for (const [name, version] of step.add) {
      pinned.set(name, version);
      added.push(`${name}=${version}`);
    }
    toShow = [...step.add].map(([name, version]) => `${name}=${version}`);
    toLookUp = step.unknown;
  }
  return added;
}
