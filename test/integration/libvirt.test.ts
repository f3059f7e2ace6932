import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv, type CliResult } from './cli.js';
import { integrationRequired } from './engine.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

/**
 * A real virtual machine: vagrant-libvirt on libvirtd, qemu under KVM where the
 * host has hardware virtualization and software emulation (TCG) where it does not,
 * in a user-mode network (SSH and ports on 127.0.0.1 only). ONE machine for the
 * whole file: booted once, everything run on it, destroyed at the end. The box is
 * cached between runs (Vagrant's box store and devenv's cache).
 */

function libvirtMissing(): string | undefined {
  if (spawnSync('vagrant', ['--version']).status !== 0) return 'vagrant is not installed';
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) return 'qemu-system-x86 is not installed';
  if (spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { timeout: 20_000 }).status !== 0) return 'libvirtd does not answer at qemu:///system';
  const plugins = spawnSync('vagrant', ['plugin', 'list'], { encoding: 'utf8', env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' } });
  if (!/vagrant-libvirt/.test(plugins.stdout ?? '')) return 'the vagrant-libvirt plugin is not installed';
  return undefined;
}

const missing = libvirtMissing();
const describeWithLibvirt: typeof describe = !missing
  ? describeWithEngine
  : integrationRequired
    ? (((name: string) =>
        describe(name, () =>
          it('has libvirt', () => {
            throw new Error(`CI is set but ${missing} (scripts/setup-host.sh libvirt sets it up)`);
          }),
        )) as typeof describe)
    : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${missing}; bash scripts/setup-host.sh libvirt)`, fn)) as typeof describe);

/** What the host's network looks like, minus what the container engines change meanwhile (other tests run on them). */
async function hostNetwork(): Promise<string> {
  const links = (await execa('ip', ['-o', 'link'], { reject: false })).stdout
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '')
    // The host matrix's second engine (test/hosts/cgroup2-engine.sh) adds its devenv-cg2-* veth pair while this file runs.
    .filter((name) => name && !/^(veth|docker|br-|podman|cni|devenv-)/.test(name));
  const rules = [
    ...(await execa('iptables', ['-S'], { reject: false })).stdout.split('\n'),
    ...(await execa('iptables', ['-t', 'nat', '-S'], { reject: false })).stdout.split('\n'),
  ].filter((line) => /virbr|libvirt|LIBVIRT/i.test(line));
  const networks = (await execa('virsh', ['-c', 'qemu:///system', 'net-list', '--all', '--name'], { reject: false })).stdout.trim();
  return JSON.stringify({ links: links.sort(), libvirtRules: rules, libvirtNetworks: networks });
}

const ms = (start: number): number => performance.now() - start;
/** Booting, halting and provisioning a VM under software emulation on a busy host takes minutes. */
const SLOW = { timeout: 1_200_000 };

describeWithLibvirt('devenv on a real VM: vagrant-libvirt, user-mode network, one machine for the file', () => {
  let dir: string;
  let stateDir: string;
  let hostPort: number;
  let networkBefore: string;
  /** The same profile on the docker backend: the container twin parity compares the VM with. */
  let twinDir: string;
  let twinPort: number;
  /** The twin's `up`, started beside the VM's (it waits for nothing the VM does). */
  let twinUp: Promise<CliResult> | undefined;
  const name = `vm${randomBytes(3).toString('hex')}`;
  const timings: string[] = [];

  beforeAll(async () => {
    networkBefore = await hostNetwork();
    dir = await mkdtemp(join(tmpdir(), 'devenv-libvirt-'));
    stateDir = join(dir, '.devenv', 'vagrant', name);
    hostPort = await freePort();
    twinPort = await freePort();
    await mkdir(join(dir, 'app'));
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'app', 'hello.txt'), 'from the host\n');
    await writeFile(
      join(dir, 'manifests', 'base.yaml'),
      [
        'apt:',
        '  busybox: {}',
        'file:',
        '  /srv/www: { ensure: directory, mode: "0755" }',
        '  /srv/www/index.html: { content: "hello from the vm\\n", mode: "0644", require: ["file:/srv/www"] }',
        '  /etc/systemd/system/hello.service:',
        '    content: |',
        '      [Unit]',
        '      Description=hello over http (busybox httpd)',
        '      [Service]',
        '      ExecStart=/bin/busybox httpd -f -p 8080 -h /srv/www',
        '      [Install]',
        '      WantedBy=multi-user.target',
        '    mode: "0644"',
        '    require: ["apt:busybox", "file:/srv/www/index.html"]',
        '    notify: ["service:hello"]',
        'service:',
        '  hello: { ensure: running, enable: true }',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'devenv.yaml'),
      [
        `name: ${name}`,
        'box: debian-12',
        'backend: vagrant',
        'vagrant: { provider: libvirt }',
        `ports: ["${hostPort}:8080"]`,
        'sync: ["./app:/srv/app"]',
        'resources: { cpus: 2, memory: 1GiB }',
        'manifests: [manifests/base.yaml]',
        '',
      ].join('\n'),
    );
    // The twin: the same box, manifests and synced folder, on the docker backend (a container).
    twinDir = join(dir, 'twin');
    await mkdir(twinDir);
    await cp(join(dir, 'app'), join(twinDir, 'app'), { recursive: true });
    await cp(join(dir, 'manifests'), join(twinDir, 'manifests'), { recursive: true });
    const profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
    await writeFile(
      join(twinDir, 'devenv.yaml'),
      profile
        .replace(`name: ${name}`, `name: ${name}-ct`)
        .replace('backend: vagrant', 'backend: docker')
        .replace('vagrant: { provider: libvirt }\n', '')
        .replace(`"${hostPort}:8080"`, `"${twinPort}:8080"`),
    );
  });

  afterAll(async () => {
    if (!dir) return;
    await twinUp;
    if (twinDir && existsSync(join(twinDir, 'devenv.yaml'))) await devenv(['destroy', '--force'], { cwd: twinDir, ...SLOW });
    await devenv(['destroy', '--force'], { cwd: dir, ...SLOW });
    // Whatever a failed run left: the machine folder's own Vagrant destroys its domain.
    if (existsSync(join(stateDir, '.vagrant'))) {
      await execa('vagrant', ['destroy', '-f'], { cwd: stateDir, env: { VAGRANT_CWD: stateDir, VAGRANT_CHECKPOINT_DISABLE: '1' }, reject: false });
    }
    await rm(dir, { recursive: true, force: true });
    if (timings.length)
      process.stderr.write(
        `\nvagrant-libvirt timings (${process.env.DEVENV_LIBVIRT_DOMAIN_TYPE ?? 'probed domain type'}):\n${timings.map((t) => `  ${t}`).join('\n')}\n`,
      );
  }, 1_500_000);

  it('doctor shows the domain type it chose and why, libvirtd and the plugin', async () => {
    const doctor = await devenv(['doctor', '--json'], { cwd: dir });
    const items: { item: string; ok: boolean; detail: string }[] = JSON.parse(doctor.stdout).items;
    const byName = new Map(items.map((i) => [i.item, i]));
    expect(byName.get('vagrant-libvirt')?.ok).toBe(true);
    expect(byName.get('libvirtd')?.ok).toBe(true);
    expect(byName.get('libvirt domain type')?.detail).toMatch(/^(kvm|qemu) — /);
    expect(byName.get('libvirt network')?.detail).toMatch(/^user — /);
  }, 120_000);

  it('box build --provider libvirt: a Vagrant box from the same definition, added under devenv’s name and hash (cached after the first run)', async () => {
    const started = performance.now();
    const built = await devenv(['box', 'build', 'debian-12', '--provider', 'libvirt', '--json'], { cwd: dir, timeout: 1_800_000 });
    expect(built.exitCode, built.stderr).toBe(0);
    const result = JSON.parse(built.stdout);
    expect(result).toMatchObject({ schema: 'devenv.box/v1', name: 'debian-12', provider: 'libvirt' });
    expect(result.vagrant_box).toMatch(/^devenv-box\/debian-12-libvirt-[0-9a-f]{16}$/);
    timings.push(`box build --provider libvirt   ${(ms(started) / 1000).toFixed(1)} s (${result.built ? 'built' : 'cached'})`);
    const boxes = await execa('vagrant', ['box', 'list'], { env: { VAGRANT_CHECKPOINT_DISABLE: '1' } });
    // `vagrant box list` pads names to the longest box's (another provider's box may be there).
    expect(boxes.stdout).toMatch(new RegExp(`^${result.vagrant_box.replace(/[/.]/g, '\\$&')}\\s+\\(libvirt, 0\\)$`, 'm'));
    // A second build is the cache: no rebuild.
    const again = JSON.parse((await devenv(['box', 'build', 'debian-12', '--provider', 'libvirt', '--json'], { cwd: dir })).stdout);
    expect(again).toMatchObject({ vagrant_box: result.vagrant_box, built: false });
  }, 1_800_000);

  it('up boots the VM and provisions it: a package, a file, a service, a port on 127.0.0.1, the synced folder; plan is empty', async () => {
    twinUp = devenv(['up', '--json'], { cwd: twinDir, ...SLOW });
    const started = performance.now();
    const up = await devenv(['up', '--json'], { cwd: dir, ...SLOW });
    timings.push(`up (create + boot + provision) ${(ms(started) / 1000).toFixed(1)} s`);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ schema: 'devenv.status/v1', backend: 'vagrant', state: 'running', action: 'created', upToDate: true });

    const vagrantfile = await readFile(join(stateDir, 'Vagrantfile'), 'utf8');
    expect(vagrantfile).toContain('lv.mgmt_attach = false');
    expect(vagrantfile).toContain(`hostfwd=tcp:127.0.0.1:${hostPort}-:8080`);

    // A VM, not a container: its own kernel, systemd as PID 1, a virtual machine to systemd-detect-virt.
    expect((await devenv(['exec', '--', 'ps', '-p', '1', '-o', 'comm='], { cwd: dir })).stdout.trim()).toBe('systemd');
    expect((await devenv(['exec', '--', 'systemd-detect-virt', '--vm'], { cwd: dir })).stdout.trim()).toMatch(/^(qemu|kvm)$/);
    expect((await devenv(['exec', '--', 'uname', '-r'], { cwd: dir })).stdout.trim()).toMatch(/-amd64$/);
    expect((await devenv(['exec', '--', 'hostname'], { cwd: dir })).stdout.trim()).toBe(name);
    expect((await devenv(['exec', '--', 'sh', '-c', 'exit 7'], { cwd: dir })).exitCode).toBe(7);
    expect((await devenv(['exec', '--', 'cat'], { cwd: dir, input: 'piped\n' })).stdout).toBe('piped\n');
    expect((await devenv(['exec', '--', 'id', '-un'], { cwd: dir })).stdout.trim()).toBe('root');
    expect((await devenv(['exec', '--', 'cat', '/srv/app/hello.txt'], { cwd: dir })).stdout).toBe('from the host\n');
    expect((await devenv(['exec', '--', 'systemctl', 'is-active', 'hello'], { cwd: dir })).stdout.trim()).toBe('active');
    expect((await devenv(['exec', '--', 'systemctl', 'is-enabled', 'hello'], { cwd: dir })).stdout.trim()).toBe('enabled');

    // While it runs, the host has no new link, libvirt network or libvirt firewall rule.
    expect(await hostNetwork()).toBe(networkBefore);
    const listeners = (await execa('ss', ['-Htlnp'], { reject: false })).stdout.split('\n').filter((l) => /qemu/.test(l));
    expect(listeners.length).toBeGreaterThanOrEqual(2);
    for (const line of listeners) expect(line).toMatch(/\s127\.0\.0\.1:\d+\s/);

    // The forwarded port answers on the host's loopback, through qemu's user-mode network.
    const page = await execa('curl', ['-fsS', '--max-time', '20', `http://127.0.0.1:${hostPort}/`], { reject: false });
    // devenv marks the files it manages with a header line.
    expect(page.stdout).toMatch(/\nhello from the vm$/);

    const plan = await devenv(['plan', '--json'], { cwd: dir, ...SLOW });
    expect(plan.exitCode, plan.stderr + plan.stdout).toBe(0);
    expect(JSON.parse(plan.stdout).summary.changed).toBe(0);

    // Synced folders are rsync copies: `devenv sync` copies them again.
    await writeFile(join(dir, 'app', 'hello.txt'), 'changed on the host\n');
    const synced = await devenv(['sync', '--json'], { cwd: dir, ...SLOW });
    expect(synced.exitCode, synced.stderr).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ schema: 'devenv.sync/v1', mode: 'copied', folders: [{ guest: '/srv/app', files: 1 }] });
    expect((await devenv(['exec', '--', 'cat', '/srv/app/hello.txt'], { cwd: dir })).stdout).toBe('changed on the host\n');

    // exec goes through one SSH master: a command costs milliseconds, not a `vagrant ssh`.
    const execStarted = performance.now();
    for (let i = 0; i < 5; i++) expect((await devenv(['exec', '--', 'true'], { cwd: dir })).exitCode).toBe(0);
    timings.push(`devenv exec true               ${(ms(execStarted) / 5).toFixed(0)} ms per command (CLI start included)`);
    const sshStarted = performance.now();
    const vagrantSsh = await execa('vagrant', ['ssh', '-c', 'true'], {
      cwd: stateDir,
      env: { VAGRANT_CWD: stateDir, VAGRANT_CHECKPOINT_DISABLE: '1' },
      reject: false,
    });
    expect(vagrantSsh.exitCode).toBe(0);
    timings.push(`vagrant ssh -c true            ${ms(sshStarted).toFixed(0)} ms`);
  }, 1_500_000);

  it('parity between the VM and a container of the same profile: no error-level drift, and what differs is what must (kernel, virtualization, the machine’s own packages)', async () => {
    const twin = await twinUp!;
    expect(twin.exitCode, twin.stderr).toBe(0);
    expect(JSON.parse(twin.stdout)).toMatchObject({ backend: 'docker', state: 'running', upToDate: true });
    const started = performance.now();
    const vmFacts = join(dir, 'vm.facts.json');
    const facts = await devenv(['facts', '-o', vmFacts], { cwd: dir, ...SLOW });
    expect(facts.exitCode, facts.stderr).toBe(0);
    timings.push(`devenv facts of the VM         ${(ms(started) / 1000).toFixed(1)} s`);
    const parity = await devenv(['parity', '--against', vmFacts, '--json'], { cwd: twinDir, ...SLOW });
    const report = JSON.parse(parity.stdout) as {
      schema: string;
      summary: Record<string, number>;
      drift: { path: string; severity: string; message: string }[];
    };
    expect(report.schema).toBe('devenv.parity/v1');
    const errors = report.drift.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
    expect(errors, 'error-level drift between the VM and its container twin').toEqual([]);
    expect(parity.exitCode, parity.stderr).toBe(0);
    // What must differ is said, as info: the kernel, the kind of machine, the VM's own packages.
    const info = new Set(report.drift.filter((d) => d.severity === 'info').map((d) => d.path));
    expect(info).toContain('platform.kernel');
    expect(info).toContain('platform.virtualization');
    expect([...info].some((path) => /^packages\.deb\.linux-image-/.test(path))).toBe(true);
    expect(info).toContain('packages.deb.openssh-server');
    // The profile's own work is the same on both: the package, the files, the service.
    const paths = report.drift.map((d) => d.path);
    for (const own of ['packages.deb.busybox', 'services.hello', 'files./srv/www/index.html', 'files./etc/systemd/system/hello.service']) {
      expect(
        paths.filter((path) => path === own || path.startsWith(`${own}.`)),
        own,
      ).toEqual([]);
    }
  }, 900_000);

  it('the checks a container cannot judge are judged on the VM: firewall-default-deny, sysctl-kernel, time-sync', async () => {
    const check = await devenv(['check', '--json', '--only', 'firewall-default-deny', 'sysctl-kernel', 'time-sync'], { cwd: dir, ...SLOW });
    expect([0, 1]).toContain(check.exitCode);
    const report = JSON.parse(check.stdout);
    expect(report.schema).toBe('devenv.check/v1');
    expect(report.target.container).toBe(false);
    const status = Object.fromEntries(report.results.map((r: { id: string; status: string }) => [r.id, r.status]));
    for (const id of ['firewall-default-deny', 'sysctl-kernel', 'time-sync']) {
      expect(status[id], `${id} is judged, not n/a`).toBeDefined();
      expect(status[id], `${id} is judged, not n/a`).not.toBe('na');
    }
    // The box has no firewall and no time daemon of its own: production's come with the manifests.
    expect(status['firewall-default-deny']).toBe('fail');
    expect(status['time-sync']).toBe('fail');
  }, 300_000);

  it('halt → up → destroy, leaving the host network as it was', async () => {
    const halted = await devenv(['halt', '--json'], { cwd: dir, ...SLOW });
    expect(halted.exitCode, halted.stderr).toBe(0);
    expect(JSON.parse(halted.stdout)).toMatchObject({ state: 'stopped' });
    const notRunning = await devenv(['exec', '--', 'true'], { cwd: dir });
    expect(notRunning.exitCode).toBe(4);
    expect(notRunning.stderr).toMatch(/not running/);

    const started = performance.now();
    const restarted = await devenv(['up', '--json', '--no-provision'], { cwd: dir, ...SLOW });
    timings.push(`up of a halted VM              ${(ms(started) / 1000).toFixed(1)} s`);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout)).toMatchObject({ action: 'started', state: 'running' });
    expect((await devenv(['exec', '--', 'systemctl', 'is-active', 'hello'], { cwd: dir })).stdout.trim()).toBe('active');
    expect((await execa('curl', ['-fsS', '--max-time', '20', `http://127.0.0.1:${hostPort}/`], { reject: false })).stdout).toMatch(/\nhello from the vm$/);

    const destroyed = await devenv(['destroy', '--force', '--json'], { cwd: dir, ...SLOW });
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ state: 'absent' });
    expect(await readFile(join(dir, 'app', 'hello.txt'), 'utf8')).toBe('changed on the host\n');
    const domains = await execa('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name'], { reject: false });
    expect(domains.stdout).not.toContain(name);

    // No bridge, no libvirt network, no NAT rule came and stayed.
    expect(await hostNetwork()).toBe(networkBefore);
  }, 1_500_000);
});
