import { appNotRoot, appUser, appUserUnprivileged, singleUid0 } from './accounts.js';
import { codeNotWritable, managedHeader, secretsPermissions, systemFilePerms } from './files.js';
import { CHECK_IDS, type CheckId } from '../core/checklist-ids.js';
import { appUnixSocket, datastoresLocal, fail2banSshd, firewallDefaultDeny, listenersAllowed } from './network.js';
import { depsPinned, noBuildTools, noLegacyServices, securityUpdates } from './packages.js';
import { appSupervised, noMultiplexer } from './processes.js';
import { distinctCredentials, stagingParity } from './production.js';
import { sshLimits, sshNoPasswordAuth, sshNoRootLogin } from './ssh.js';
import { logging, sysctlKernel, sysctlNetwork, timeSync } from './system.js';
import type { Check } from './types.js';

/** Keyed by ID so the compiler insists on one check per stable ID (a unit test checks each key matches its check's id). */
const CHECKS_BY_ID: Record<CheckId, Check> = {
  'app-user': appUser,
  'app-not-root': appNotRoot,
  'app-user-unprivileged': appUserUnprivileged,
  'single-uid0': singleUid0,
  'no-build-tools': noBuildTools,
  'no-legacy-services': noLegacyServices,
  'security-updates': securityUpdates,
  'deps-pinned': depsPinned,
  'app-supervised': appSupervised,
  'no-multiplexer': noMultiplexer,
  'listeners-allowed': listenersAllowed,
  'app-unix-socket': appUnixSocket,
  'datastores-local': datastoresLocal,
  'firewall-default-deny': firewallDefaultDeny,
  'fail2ban-sshd': fail2banSshd,
  'ssh-no-root-login': sshNoRootLogin,
  'ssh-no-password-auth': sshNoPasswordAuth,
  'ssh-limits': sshLimits,
  'secrets-permissions': secretsPermissions,
  'code-not-writable': codeNotWritable,
  'system-file-perms': systemFilePerms,
  'managed-header': managedHeader,
  'sysctl-network': sysctlNetwork,
  'sysctl-kernel': sysctlKernel,
  'time-sync': timeSync,
  logging: logging,
  'distinct-credentials': distinctCredentials,
  'staging-parity': stagingParity,
};

/** Every check, in the display order of CHECK_IDS. */
export const CHECK_CATALOG: readonly Check[] = CHECK_IDS.map((id) => CHECKS_BY_ID[id]);

export function checkById(id: CheckId): Check {
  return CHECKS_BY_ID[id];
}
