import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkInputFrom } from '../../src/checks/input.js';
import { inferChecklist } from '../../src/checks/infer.js';
import { runChecklist } from '../../src/checks/runner.js';
import type { CheckReport, DeclaredState } from '../../src/checks/types.js';
import { collectFacts, type CollectInput } from '../../src/facts/collect.js';
import type { Facts } from '../../src/facts/schema.js';
import { compareFacts } from '../../src/parity/compare.js';
import { ProfileSchema } from '../../src/profile/schema.js';
import type { Target } from '../../src/targets/target.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';

/**
 * The checklist over facts from the real collector: a container hardened the
 * way the talk asks passes every check that applies to a container; weakening
 * it one thing at a time fails exactly the matching IDs.
 */

const HARDEN = String.raw`
set -e
useradd --system --user-group --shell /usr/sbin/nologin --home-dir /srv/mysite mysite
mkdir -p /srv/mysite/app /etc/mysite
cat > /srv/mysite/app/server.py <<'PY'
import socket, time
s = socket.socket(socket.AF_UNIX)
s.bind('/run/mysite/app.sock')
s.listen()
time.sleep(10**9)
PY
chmod 755 /srv/mysite/app; chmod 644 /srv/mysite/app/server.py
printf 'SECRET_KEY=production-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /etc/mysite/secrets.env
chown root:mysite /etc/mysite/secrets.env; chmod 640 /etc/mysite/secrets.env
mkdir -p /srv/mysite/venv/lib/python3.11/site-packages/gunicorn-22.0.0.dist-info
printf 'home = /usr/bin\nversion = 3.11.2\n' > /srv/mysite/venv/pyvenv.cfg
printf 'Metadata-Version: 2.1\nName: gunicorn\nVersion: 22.0.0\n\n' > /srv/mysite/venv/lib/python3.11/site-packages/gunicorn-22.0.0.dist-info/METADATA
cat > /etc/systemd/system/mysite.service <<'UNIT'
# managed by devenv — do not edit by hand
[Unit]
Description=mysite
[Service]
User=mysite
Group=mysite
RuntimeDirectory=mysite
EnvironmentFile=/etc/mysite/secrets.env
ExecStart=/usr/bin/python3 /srv/mysite/app/server.py
Restart=on-failure
[Install]
WantedBy=multi-user.target
UNIT
printf '# managed by devenv — do not edit by hand\n/var/log/mysite/*.log {\n  weekly\n  rotate 4\n}\n' > /etc/logrotate.d/mysite
printf 'PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nMaxAuthTries 3\nX11Forwarding no\n' > /etc/ssh/sshd_config.d/90-hardening.conf
# Debian 12 has no /var/log/auth.log without rsyslog: the sshd jail reads the journal.
printf '[sshd]\nenabled = true\nbackend = systemd\n' > /etc/fail2ban/jail.d/sshd.local
printf 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n' > /etc/apt/apt.conf.d/20auto-upgrades
systemctl daemon-reload
systemctl enable --now mysite.service
systemctl restart ssh.service fail2ban.service
`;

/** What production and staging must not share: staging gets its own secret. */
const ROTATE_SECRET = String.raw`
set -e
cp -p /etc/mysite/secrets.env /root/production-secrets.env
printf 'SECRET_KEY=staging-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /etc/mysite/secrets.env
systemctl restart mysite.service
`;

/** One weakening per check, each what an operator might do by hand on a staging box. */
const WEAKEN = String.raw`
set -e
# Production's secrets copied over by hand.
cp /root/production-secrets.env /etc/mysite/secrets.env
sed -i 's/^PermitRootLogin no/PermitRootLogin yes/' /etc/ssh/sshd_config.d/90-hardening.conf
chmod 644 /etc/mysite/secrets.env
usermod --shell /bin/bash mysite
gpasswd --add mysite sudo >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make >/dev/null
setsid setpriv --reuid=mysite --regid=mysite --init-groups python3 -c "import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen(); time.sleep(10**9)" </dev/null >/dev/null 2>&1 &
sleep 1
`;

const profile = ProfileSchema.parse({
  name: 'mysite',
  box: 'debian-12',
  checklist: {
    app_user: 'mysite',
    secrets: ['/etc/mysite/secrets.env'],
    app_paths: ['/srv/mysite/app'],
    // An unprivileged test container gets the engine's net.* defaults and cannot change them.
    skip: { 'sysctl-network': 'the test container is created without --sysctl' },
  },
});

const declared: DeclaredState = {
  managedFiles: ['/etc/logrotate.d/mysite', '/etc/systemd/system/mysite.service'],
  filePaths: ['/etc/logrotate.d/mysite', '/etc/systemd/system/mysite.service'],
  pythonPins: [{ venv: '/srv/mysite/venv', name: 'gunicorn', ensure: '22.0.0' }],
  aptPins: [],
  services: ['mysite'],
};

const collectInput: CollectInput = {
  managedPaths: [...declared.filePaths, ...profile.checklist.app_paths],
  secretPaths: profile.checklist.secrets,
  fingerprintKey: 'integration-test-key',
};

async function sh(target: Target, script: string): Promise<void> {
  const result = await target.exec(['sh', '-s'], { stdin: script, timeout: 300_000 });
  if (result.exitCode !== 0) throw new Error(`script failed (exit ${result.exitCode}): ${result.stderr.slice(-800)}`);
}

function checklistOf(staging: Facts, production: Facts): CheckReport {
  const parity = compareFacts(production, staging, {
    ignore: profile.parity.ignore,
    declaredUsers: ['mysite'],
    declaredGroups: ['mysite'],
    secretPaths: collectInput.secretPaths,
    managedPaths: collectInput.managedPaths,
  });
  return runChecklist(checkInputFrom(profile, declared, staging, { facts: production, parity }));
}

function idsWith(report: CheckReport, status: string): string[] {
  return report.results.filter((result) => result.status === status).map((result) => result.id);
}

describeWithEngine('devenv check over real facts', () => {
  let container: TestContainer | undefined;
  let production: Facts;

  beforeAll(async () => {
    container = await startTestContainer({
      extraPackages: ['openssh-server', 'fail2ban', 'python3-systemd', 'unattended-upgrades', 'logrotate', 'python3-minimal'],
    });
    await sh(container.target, HARDEN);
    // "Production" is this system before staging gets its own secret.
    production = await collectFacts(container.target, collectInput);
    await sh(container.target, ROTATE_SECRET);
  });

  afterAll(async () => {
    await container?.[Symbol.asyncDispose]();
  });

  it('a hardened container passes every check that applies to a container', async () => {
    const staging = await collectFacts(container!.target, collectInput);
    const report = checklistOf(staging, production);
    const explain = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.message}`);
    expect(idsWith(report, 'fail'), explain.join('\n')).toEqual([]);
    expect(idsWith(report, 'warn'), explain.join('\n')).toEqual([]);
    expect(idsWith(report, 'na')).toEqual(['firewall-default-deny', 'sysctl-kernel', 'time-sync']);
    expect(idsWith(report, 'skip')).toEqual(['sysctl-network']);
    expect(report.summary.pass).toBe(report.results.length - 4);
  });

  /** `check` with no profile: the checklist inferred from the target's own facts, collected with no paths given. */
  async function inferredReport(): Promise<{ report: CheckReport; said: string; checklist: ReturnType<typeof inferChecklist>['checklist'] }> {
    const facts = await collectFacts(container!.target, { managedPaths: [], secretPaths: [], fingerprintKey: collectInput.fingerprintKey });
    const inferred = inferChecklist(facts, ProfileSchema.shape.checklist.parse(undefined));
    const report = runChecklist(checkInputFrom({ checklist: inferred.checklist }, undefined, facts, {}), {
      only: ['app-user', 'app-not-root', 'app-user-unprivileged', 'secrets-permissions', 'no-multiplexer'],
    });
    return { report, said: inferred.said, checklist: inferred.checklist };
  }

  it('with no profile, the target tells who the app is: its hand-installed service, its user, its secret (hardened: pass)', async () => {
    const { report, said, checklist } = await inferredReport();
    expect(checklist).toMatchObject({ app_user: 'mysite', app_services: ['mysite.service'] });
    expect(checklist.secrets).toContain('/etc/mysite/secrets.env');
    expect(said).toMatch(/app user mysite/);
    for (const id of ['app-user', 'app-not-root', 'secrets-permissions']) expect(report.results.find((r) => r.id === id)?.status, id).toBe('pass');
  });

  it('a weakened copy fails exactly the matching checks, naming what is wrong', async () => {
    const target = container!.target;
    await sh(target, WEAKEN);
    const staging = await collectFacts(target, collectInput);
    const report = checklistOf(staging, production);
    expect(idsWith(report, 'fail').sort()).toEqual(
      [
        'app-user',
        'app-user-unprivileged',
        'distinct-credentials',
        'listeners-allowed',
        'no-build-tools',
        'secrets-permissions',
        'ssh-no-root-login',
        'staging-parity',
      ].sort(),
    );
    const message = (id: string): string => report.results.find((r) => r.id === id)!.message;
    expect(message('ssh-no-root-login')).toContain('permitrootlogin yes');
    expect(message('secrets-permissions')).toContain('/etc/mysite/secrets.env is mode 0644');
    expect(message('app-user')).toContain('/bin/bash');
    expect(message('app-user-unprivileged')).toContain('sudo');
    expect(message('no-build-tools')).toContain('make');
    expect(message('listeners-allowed')).toContain(':8080');
    expect(message('distinct-credentials')).toContain('file /etc/mysite/secrets.env');
    expect(message('distinct-credentials')).toContain('SECRET_KEY of mysite');
    expect(message('distinct-credentials')).not.toContain('production-');
    // Docker drops CAP_SYS_PTRACE, so ss cannot name the mysite process behind :8080: the check says it cannot tell rather than pass.
    expect(idsWith(report, 'warn')).toEqual(['app-unix-socket']);
    expect(message('app-unix-socket')).toContain('0.0.0.0:8080');
  });

  it('with no profile, the same weakened copy fails app-user, app-user-unprivileged and secrets-permissions', async () => {
    const { report } = await inferredReport();
    const status = (id: string): string | undefined => report.results.find((r) => r.id === id)?.status;
    expect(status('app-user')).toBe('fail');
    expect(status('app-user-unprivileged')).toBe('fail');
    expect(status('secrets-permissions')).toBe('fail');
  });
});
