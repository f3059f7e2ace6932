import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { POLICY_MARK, POLICY_SCRIPT, withCoalescedRestarts } from '../../../src/manifest/apt-service-restarts.js';

/**
 * The wrapper and the policy are shell, run here against stand-ins: a systemctl
 * that answers is-active from a file and records restarts, an invoke-rc.d and a
 * deb-systemd-invoke that ask the policy as the real ones do, and an "apt-get"
 * that is a list of maintainer-script calls. (The real packages are in
 * test/integration/manifest.test.ts.)
 */
let root: string;
let bin: string;
let policyPath: string;
let notes: string;

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'devenv-apt-services-'));
  bin = join(root, 'bin');
  notes = join(root, 'run');
  mkdirSync(bin);
  mkdirSync(notes);
  policyPath = join(root, 'policy-rc.d');
  writeFileSync(join(root, 'active'), '');
  script(
    join(bin, 'systemctl'),
    `log=${root}/log
case "$1" in
  is-active) grep -qxF -- "$4" ${root}/active ;;
  restart) echo "systemctl $*" >> "$log"; [ -z "$FAIL_RESTART" ] ;;
  *) exit 3 ;;
esac`,
  );
  // As invoke-rc.d: one id, the policy asked with the action; a start makes the unit active.
  script(
    join(bin, 'invoke-rc.d'),
    `[ -x "${policyPath}" ] && "${policyPath}" --quiet "$1" "$2" 5
rc=$?
if [ "$rc" = 101 ]; then echo "held $1 $2" >> ${root}/log; exit 0; fi
echo "ran $1 $2" >> ${root}/log
[ "$2" = start ] && [ -z "$DISABLED" ] && echo "$1.service" >> ${root}/active
exit 0`,
  );
  // As deb-systemd-invoke: the policy asked once per unit, a 101 skips them all.
  script(
    join(bin, 'deb-systemd-invoke'),
    `action=$1; shift
for u in "$@"; do
  if [ -x "${policyPath}" ]; then sh -c "${policyPath} $u \\"$action\\""; [ $? = 101 ] && { echo "held $action $*" >> ${root}/log; exit 0; }; fi
done
echo "ran $action $*" >> ${root}/log
[ "$action" = start ] && [ -z "$DISABLED" ] && for u in "$@"; do echo "$u" >> ${root}/active; done
exit 0`,
  );
});

function apt(steps: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const fakeApt = join(root, 'apt-get');
  script(fakeApt, `set -e\n${steps}\nexit \${APT_STATUS:-0}`);
  const [cmd, ...args] = withCoalescedRestarts([fakeApt], policyPath, notes);
  const result = spawnSync(cmd!, args, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const log = (): string[] => (existsSync(join(root, 'log')) ? readFileSync(join(root, 'log'), 'utf8').trim().split('\n') : []);

describe('one restart for a service its own transaction started', () => {
  it('holds back the "upgrade" of a unit started earlier in the transaction and restarts it once at the end', () => {
    const result = apt('deb-systemd-invoke start nginx.service\ninvoke-rc.d nginx upgrade\ninvoke-rc.d nginx restart');
    expect(result.status).toBe(0);
    expect(log()).toEqual(['ran start nginx.service', 'held nginx upgrade', 'held nginx restart', 'systemctl restart -- nginx.service']);
    expect(result.stdout).toContain('restarting once, now that apt is done: nginx.service');
  });

  it('leaves nothing behind: no policy, no notes', () => {
    apt('invoke-rc.d nginx start\ninvoke-rc.d nginx upgrade');
    expect(existsSync(policyPath)).toBe(false);
    expect(readdirSync(notes)).toEqual([]);
  });

  it('lets through a restart of a unit the transaction did not start', () => {
    writeFileSync(join(root, 'active'), 'ssh.service\n');
    expect(apt('invoke-rc.d ssh restart').status).toBe(0);
    expect(log()).toEqual(['ran ssh restart']);
  });

  it('lets through a restart of a unit that was asked to start but is not running (a disabled unit)', () => {
    expect(apt('invoke-rc.d foo start\ninvoke-rc.d foo restart', { DISABLED: '1' }).status).toBe(0);
    expect(log()).toEqual(['ran foo start', 'ran foo restart']);
  });

  it('lets deb-systemd-invoke through, since a "no" for one unit would skip every unit of its call', () => {
    expect(apt('deb-systemd-invoke start a.service\ndeb-systemd-invoke restart a.service b.service').status).toBe(0);
    expect(log()).toEqual(['ran start a.service', 'ran restart a.service b.service']);
  });

  it('restarts each held unit once, in one systemctl call', () => {
    apt('invoke-rc.d b start\ninvoke-rc.d a start\ninvoke-rc.d a upgrade\ninvoke-rc.d b reload\ninvoke-rc.d a force-reload');
    expect(log().filter((l) => l.startsWith('systemctl'))).toEqual(['systemctl restart -- a.service b.service']);
  });

  it("passes apt's own failure through, and still removes the policy", () => {
    const result = apt('invoke-rc.d nginx start', { APT_STATUS: '100' });
    expect(result.status).toBe(100);
    expect(existsSync(policyPath)).toBe(false);
  });

  it('fails the transaction when the restart the packages asked for fails, as their script would have', () => {
    const result = apt('invoke-rc.d nginx start\ninvoke-rc.d nginx upgrade', { FAIL_RESTART: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the restart the packages asked for failed: nginx.service');
  });

  it("leaves someone else's policy-rc.d alone, and holds nothing back", () => {
    const theirs = '#!/bin/sh\nexit 0\n';
    writeFileSync(policyPath, theirs);
    chmodSync(policyPath, 0o755);
    expect(apt('invoke-rc.d nginx start\ninvoke-rc.d nginx upgrade').status).toBe(0);
    expect(log()).toEqual(['ran nginx start', 'ran nginx upgrade']);
    expect(readFileSync(policyPath, 'utf8')).toBe(theirs);
  });

  it('replaces a policy of its own left by a killed run, and removes it after', () => {
    writeFileSync(policyPath, `#!/bin/sh\n${POLICY_MARK}\nexit 101\n`);
    chmodSync(policyPath, 0o755);
    apt('invoke-rc.d nginx start\ninvoke-rc.d nginx upgrade');
    expect(log()).toEqual(['ran nginx start', 'held nginx upgrade', 'systemctl restart -- nginx.service']);
    expect(existsSync(policyPath)).toBe(false);
  });

  it("is inert outside devenv's apt-get: a left-over policy allows everything", () => {
    writeFileSync(policyPath, POLICY_SCRIPT);
    chmodSync(policyPath, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    delete env.DEVENV_APT_SERVICES;
    expect(spawnSync(policyPath, ['nginx', 'upgrade'], { env }).status).toBe(0);
  });
});
