import { randomBytes } from 'node:crypto';
import { OperationError } from '../core/errors.js';
import type { Target } from '../targets/target.js';
import { renderCollectorScript } from './collector-script.js';
import { parseCollectorOutput } from './parse.js';
import type { Facts } from './schema.js';
import { lastLines } from '../core/last-lines.js';

export interface CollectInput {
  /** Files the profile's manifests manage: hashed, with mode and owner. */
  managedPaths: string[];
  /** Checklist secrets: mode, owner and a keyed fingerprint only — never a plain hash. */
  secretPaths: string[];
  /** Per-project key for fingerprints; sent on stdin, never printed. */
  fingerprintKey: string;
  /** Run the collector as root (default: when the target can). Without root, sshd -T, the firewall and secret files are recorded as errors. */
  asRoot?: boolean;
  /** Milliseconds before the collector is given up (default 60 s: a slow link, not a slow collector). */
  timeout?: number;
}

/** A target that may be unable to become root (SshTarget without sudo) says so. */
interface MaybeUnprivileged {
  canRunAsRoot?: () => boolean;
}

/** Collects devenv.facts/v1 from any target in one exec round-trip. */
export async function collectFacts(target: Target, input: CollectInput): Promise<Facts> {
  const marker = `@@devenv-${randomBytes(8).toString('hex')}`;
  const script = renderCollectorScript({
    marker,
    fingerprintKey: input.fingerprintKey,
    managedPaths: input.managedPaths,
    secretPaths: input.secretPaths,
  });
  const asRoot = input.asRoot ?? (target as MaybeUnprivileged).canRunAsRoot?.() ?? true;
  const description = target.describe();
  const result = await target.exec(['sh', '-s'], {
    stdin: script,
    ...(asRoot ? { user: 'root' } : {}),
    timeout: input.timeout ?? 60_000,
  });
  if (!result.stdout.includes(`${marker} begin`)) {
    const detail = lastLines(result.stderr || result.stdout, { count: 1, max: Infinity });
    throw new OperationError(`could not collect facts on ${description.name} (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
  }
  return parseCollectorOutput(result.stdout, { marker, target: description });
}
