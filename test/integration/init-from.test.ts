import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Target } from '../../src/targets/target.js';
import { devenv, type CliResult } from './cli.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';
import { freePort } from './ports.js';

/**
 * Issue 8's acceptance, end to end through the built CLI: production is a
 * container behind a real sshd, set up by a shell script the way a server is
 * (not by devenv); `devenv init --from ssh://…` writes a project from it, `devenv
 * up` builds the environment, and `devenv parity` against that same production
 * reports no error-level drift. The secret values never reach the project.
 */

const SECRET_VALUES = ['prod-s3cr3t-4f9c1e', 'prod-db-pw-77a2d0'];

const PRODUCTION_SETUP = `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
useradd -r -U -u 990 -s /usr/sbin/nologin -d /srv/shop shop
install -d -m 0755 /srv/shop
install -d -m 0750 -g shop /etc/shop
printf 'listen = 127.0.0.1:8000\\nworkers = 2\\n' > /etc/shop/app.conf
printf 'SECRET_KEY=${SECRET_VALUES[0]}\\nDATABASE_PASSWORD=${SECRET_VALUES[1]}\\n' > /etc/shop/secrets.env
chown root:shop /etc/shop/secrets.env && chmod 0640 /etc/shop/secrets.env
cat > /etc/systemd/system/shop.service <<'UNIT'
[Unit]
Description=shop app
After=network.target
[Service]
User=shop
Group=shop
Environment=SHOP_CONFIG=/etc/shop/app.conf
EnvironmentFile=/etc/shop/secrets.env
WorkingDirectory=/srv/shop
ExecStart=/usr/bin/python3 -m http.server 8000 --bind 127.0.0.1
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
cat > /etc/nginx/sites-available/shop <<'SITE'
server {
    listen 80 default_server;
    server_name shop.example.com;
    location / { proxy_pass http://127.0.0.1:8000; }
}
SITE
ln -sf /etc/nginx/sites-available/shop /etc/nginx/sites-enabled/shop
rm -f /etc/nginx/sites-enabled/default
systemctl daemon-reload
systemctl enable --now shop.service ssh.service nginx.service >/dev/null 2>&1
systemctl reload nginx
`;

async function sh(target: Target, script: string): Promise<string> {
  const result = await target.exec(['sh', '-c', script], { timeout: 120_000 });
  if (result.exitCode !== 0) throw new Error(`setup failed (exit ${result.exitCode}): ${result.stderr.slice(-800)}`);
  return result.stdout;
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n${result.stderr.slice(-2000)}\n${result.stdout.slice(-2000)}`;
}

describeWithEngine('init --from production over ssh, then up, then parity (issue 8)', () => {
  let production: TestContainer;
  let workdir: string;
  let project: string;
  let identity: string;
  let env: Record<string, string>;
  let destination: string;
  let upDone = false;

  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: project, env });

  beforeAll(async () => {
    production = await startTestContainer({ ports: [22], extraPackages: ['openssh-server', 'sudo', 'nginx', 'python3'] });
    await sh(production.target, PRODUCTION_SETUP);
    workdir = await mkdtemp(join(tmpdir(), 'devenv-init-from-'));
    project = join(workdir, 'shop');
    await mkdir(project);
    identity = join(workdir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'devenv-init-from-test', '-f', identity]);
    await production.target.copy(await readFile(`${identity}.pub`, 'utf8'), '/home/ops/.ssh-authorized_keys.tmp', { mode: '0600' });
    await sh(
      production.target,
      'install -d -m 0700 -o ops -g ops /home/ops/.ssh && install -m 0600 -o ops -g ops /home/ops/.ssh-authorized_keys.tmp /home/ops/.ssh/authorized_keys && rm /home/ops/.ssh-authorized_keys.tmp',
    );
    const port = production.hostPort(22)!;
    destination = `ssh://ops@127.0.0.1:${port}`;
    // The CLI verifies host keys against the user's known_hosts (read from the passwd home, not $HOME):
    // an `ssh` first on PATH adds this run's known_hosts instead of touching the real one.
    const hostKey = (await sh(production.target, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(' ').slice(0, 2).join(' ');
    const knownHosts = join(workdir, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
    const bin = join(workdir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} "$@"\n`);
    await chmod(join(bin, 'ssh'), 0o755);
    env = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
    // sshd may still be starting after apt's postinst.
    for (let attempt = 0; ; attempt++) {
      try {
        execFileSync(join(bin, 'ssh'), ['-o', 'BatchMode=yes', '-i', identity, '-p', String(port), 'ops@127.0.0.1', 'true'], { stdio: 'ignore' });
        break;
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  });

  afterAll(async () => {
    if (upDone) await cli(['destroy', '--force']);
    await production?.[Symbol.asyncDispose]();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('writes a project from production: exact pins, its accounts, its config, no secret value', async () => {
    const hostPort = await freePort();
    const init = await cli(['init', '--from', destination, '-i', identity, '--sudo', '--yes', '--port', String(hostPort)]);
    expect(init.exitCode, explain(init)).toBe(0);

    const profile = parse(await readFile(join(project, 'devenv.yaml'), 'utf8'));
    expect(profile).toMatchObject({
      box: 'debian-12',
      ports: [`${hostPort}:80`],
      production: { ssh: destination, identity, sudo: true },
      checklist: { app_user: 'shop', secrets: ['/etc/shop/secrets.env'] },
    });
    // This production was built with --no-install-recommends (most Recommends missing, whatever apt's setting): so is the copy.
    expect(profile.apt).toEqual({ install_recommends: false });

    // Every pin is production's exact version.
    const apt = parse(await readFile(join(project, 'manifests/packages.yaml'), 'utf8')).apt as Record<string, { ensure: string }>;
    const versions = new Map(
      (await sh(production.target, "dpkg-query -W -f '${Package} ${Version}\\n' nginx openssh-server sudo python3"))
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    expect(versions.size).toBe(4);
    for (const [name, version] of versions) expect(apt[name], name).toEqual({ ensure: version });

    // Accounts as production has them.
    const accounts = parse(await readFile(join(project, 'manifests/accounts.yaml'), 'utf8'));
    const [opsUid] = (await sh(production.target, 'id -u ops')).trim().split('\n');
    expect(accounts.user.shop).toMatchObject({ uid: 990, group: 'shop', shell: '/usr/sbin/nologin', system: true, home: '/srv/shop' });
    expect(accounts.user.ops).toMatchObject({ uid: Number(opsUid), shell: '/bin/bash' });
    expect(accounts.group.shop).toMatchObject({ gid: 990 });

    // Config: the site behind its link, the unit, the environment file as a placeholder marked secret.
    const config = parse(await readFile(join(project, 'manifests/config.yaml'), 'utf8'));
    expect(config.file['/etc/nginx/sites-enabled/shop']).toEqual({ ensure: 'link', target: '/etc/nginx/sites-available/shop' });
    expect(await readFile(join(project, 'files/etc/nginx/sites-available/shop'), 'utf8')).toContain('proxy_pass http://127.0.0.1:8000');
    expect(config.file['/etc/shop/secrets.env']).toMatchObject({ secret: true, owner: 'root', group: 'shop', mode: '0640' });
    expect(await readFile(join(project, 'files/etc/shop/secrets.env'), 'utf8')).toMatch(/^SECRET_KEY=CHANGE-ME/m);
    expect(config.service.shop).toMatchObject({ ensure: 'running', enable: true });

    const files = await allFiles(project);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const secret of SECRET_VALUES) expect(text.includes(secret), `${file} holds a production secret`).toBe(false);
    }
  });

  it('up builds it, and parity against that same production reports no error-level drift', async () => {
    upDone = true;
    const up = await cli(['up']);
    expect(up.exitCode, explain(up)).toBe(0);

    const parity = await cli(['parity', '--json']);
    const doc = JSON.parse(parity.stdout);
    const errors = (doc.drift as { severity: string; path: string; message: string }[]).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.path}: ${d.message}`)).toEqual([]);
    expect(doc).toMatchObject({ schema: 'devenv.parity/v1', summary: { error: 0 } });
    expect(parity.exitCode, explain(parity)).toBe(0);

    // The environment as production has it, checked by hand.
    const inside = await cli([
      'exec',
      '--',
      'sh',
      '-c',
      "getent passwd shop; dpkg-query -W -f '${Version}\\n' nginx; systemctl is-active shop nginx; cat /etc/shop/secrets.env",
    ]);
    expect(inside.exitCode, explain(inside)).toBe(0);
    const nginx = (await sh(production.target, "dpkg-query -W -f '${Version}\\n' nginx")).trim();
    expect(inside.stdout).toContain('shop:x:990:990::/srv/shop:/usr/sbin/nologin');
    expect(inside.stdout).toContain(`\n${nginx}\n`);
    expect(inside.stdout).toContain('active\nactive\n');
    for (const secret of SECRET_VALUES) expect(inside.stdout).not.toContain(secret);
  });
});
