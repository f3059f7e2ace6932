import type { CheckInput, CheckOutcome, Check } from './types.js';
import { fail, notApplicable, pass, warn } from './types.js';
import { isInstalled } from './packages.js';

/**
 * The effective sshd settings, or the verdict when they cannot be judged. No
 * openssh-server at all is n/a (nothing to misconfigure), not a pass.
 */
/** What the ssh checks share: they read `sshd -T`, which needs root, and mean nothing without an sshd. */
const SSHD = {
  needs: ['ssh'],
  unavailableRemediation: 'run the check with --sudo so `sshd -T` can read the host keys and print the effective settings',
  precheck(input: CheckInput): CheckOutcome | undefined {
    const server = input.facts.packages?.deb['openssh-server'];
    if (input.facts.packages !== undefined && (server === undefined || !isInstalled(server.status))) {
      return notApplicable('openssh-server is not installed, so there is no sshd to configure');
    }
    return undefined;
  },
} satisfies Pick<Check, 'needs' | 'unavailableRemediation' | 'precheck'>;

function setting(settings: Record<string, string>, key: string): string | undefined {
  return settings[key]?.trim().toLowerCase();
}

export const sshNoRootLogin: Check = {
  id: 'ssh-no-root-login',
  title: 'sshd refuses root logins',
  remediation: 'set "PermitRootLogin no" in /etc/ssh/sshd_config.d/ and reload ssh',
  ...SSHD,
  run(input) {
    const value = setting(input.facts.ssh!, 'permitrootlogin');
    if (value === undefined) return warn('sshd -T printed no permitrootlogin setting');
    if (value !== 'no') return fail(`sshd has permitrootlogin ${value}`);
    return pass('sshd has permitrootlogin no');
  },
};

export const sshNoPasswordAuth: Check = {
  id: 'ssh-no-password-auth',
  title: 'sshd accepts neither passwords nor keyboard-interactive logins',
  remediation: 'set "PasswordAuthentication no" and "KbdInteractiveAuthentication no" in /etc/ssh/sshd_config.d/ and reload ssh',
  ...SSHD,
  run(input) {
    const settings = input.facts.ssh!;
    const password = setting(settings, 'passwordauthentication');
    // OpenSSH 8.7 renamed ChallengeResponseAuthentication; sshd -T prints whichever the version knows.
    const interactiveKey = settings['kbdinteractiveauthentication'] !== undefined ? 'kbdinteractiveauthentication' : 'challengeresponseauthentication';
    const interactive = setting(settings, interactiveKey);
    const problems: string[] = [];
    const unknown: string[] = [];
    if (password === undefined) unknown.push('passwordauthentication');
    else if (password !== 'no') problems.push(`passwordauthentication ${password}`);
    if (interactive === undefined) unknown.push('kbdinteractiveauthentication');
    else if (interactive !== 'no') problems.push(`${interactiveKey} ${interactive}`);
    if (problems.length > 0) return fail(`sshd has ${problems.join(' and ')}`);
    if (unknown.length > 0) return warn(`sshd -T printed no ${unknown.join(' or ')} setting`);
    return pass(`sshd has passwordauthentication no and ${interactiveKey} no`);
  },
};

const MAX_AUTH_TRIES = 4;

export const sshLimits: Check = {
  id: 'ssh-limits',
  title: 'sshd limits authentication attempts and forwards no X11',
  remediation: `set "MaxAuthTries ${MAX_AUTH_TRIES}" (or fewer) and "X11Forwarding no" in /etc/ssh/sshd_config.d/ and reload ssh`,
  ...SSHD,
  run(input) {
    const settings = input.facts.ssh!;
    const tries = setting(settings, 'maxauthtries');
    const x11 = setting(settings, 'x11forwarding');
    const problems: string[] = [];
    const unknown: string[] = [];
    if (tries === undefined) unknown.push('maxauthtries');
    else if (!/^\d+$/.test(tries) || Number(tries) > MAX_AUTH_TRIES) problems.push(`maxauthtries ${tries} (at most ${MAX_AUTH_TRIES})`);
    if (x11 === undefined) unknown.push('x11forwarding');
    else if (x11 !== 'no') problems.push(`x11forwarding ${x11}`);
    if (problems.length > 0) return fail(`sshd has ${problems.join(' and ')}`);
    if (unknown.length > 0) return warn(`sshd -T printed no ${unknown.join(' or ')} setting`);
    return pass(`sshd has maxauthtries ${tries} and x11forwarding no`);
  },
};
