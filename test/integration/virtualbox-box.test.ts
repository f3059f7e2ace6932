import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv } from './cli.js';
import { integrationRequired } from './engine.js';
import { describeWithEngine } from './support.js';
import { freePort } from './ports.js';

/**
 * Issue 20: the box for Vagrant's virtualbox provider. VirtualBox itself is not
 * in Debian and cannot run here, so what can be checked is checked: the build,
 * the disk (a streamOptimized VMDK of the right size, with an MBR boot loader and
 * the two partitions), `vagrant box add` accepting the box, and — the point of a
 * boot loader in the disk — qemu booting that VMDK with no kernel given, from its
 * own MBR, on an AHCI (SATA) controller and an E1000 NIC as VirtualBox gives it,
 * to a running system the vagrant user reaches over SSH.
 */

const VAGRANT_ENV = { VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' };

function toolsMissing(): string | undefined {
  for (const [tool, args] of [
    ['vagrant', ['--version']],
    ['qemu-img', ['--version']],
    ['qemu-system-x86_64', ['--version']],
    ['syslinux', ['--version']],
    ['mcopy', ['--version']],
    ['mkfs.vfat', ['--help']],
  ] as const) {
    if (spawnSync(tool, [...args]).error) return `${tool} is not installed`;
  }
  return undefined;
}

function insecurePrivateKey(): string | undefined {
  const gems = '/usr/share/rubygems-integration/all/gems';
  if (!existsSync(gems)) return undefined;
  for (const gem of readdirSync(gems)
    .filter((name) => /^vagrant-\d/.test(name))
    .sort()
    .reverse()) {
    const key = join(gems, gem, 'keys', 'vagrant');
    if (existsSync(key)) return key;
  }
  return undefined;
}

const missing = toolsMissing();
const describeWithTools: typeof describe = !missing
  ? describeWithEngine
  : integrationRequired
    ? (((name: string) =>
        describe(name, () =>
          it('has the tools', () => {
            throw new Error(`CI is set but ${missing} (scripts/setup-host.sh libvirt installs them)`);
          }),
        )) as typeof describe)
    : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${missing})`, fn)) as typeof describe);

describeWithTools('box build --provider virtualbox: an OVF box whose disk boots by itself', () => {
  let dir: string;
  let boxName: string | undefined;
  let boxFile: string;
  let vmdk: string;
  let qemu: ResultPromise | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-virtualbox-'));
  });

  afterAll(async () => {
    qemu?.kill('SIGKILL');
    await qemu?.catch(() => undefined);
    if (boxName) await execa('vagrant', ['box', 'remove', '--force', '--provider', 'virtualbox', boxName], { env: VAGRANT_ENV, reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('builds the box from the libvirt box’s tree, adds it under devenv’s name and hash; a second build is the cache', async () => {
    const built = await devenv(['box', 'build', 'debian-12', '--provider', 'virtualbox', '--json'], { cwd: dir, timeout: 1_800_000 });
    expect(built.exitCode, built.stderr).toBe(0);
    const result = JSON.parse(built.stdout);
    expect(result).toMatchObject({ schema: 'devenv.box/v1', name: 'debian-12', provider: 'virtualbox' });
    expect(result.vagrant_box).toMatch(/^devenv-box\/debian-12-virtualbox-[0-9a-f]{16}$/);
    boxName = result.vagrant_box;
    boxFile = result.file;
    const boxes = await execa('vagrant', ['box', 'list'], { env: VAGRANT_ENV });
    // `vagrant box list` pads names to the longest box's.
    expect(boxes.stdout).toMatch(new RegExp(`^${boxName!.replace(/[/.]/g, '\\$&')}\\s+\\(virtualbox, 0\\)$`, 'm'));
    const again = JSON.parse((await devenv(['box', 'build', 'debian-12', '--provider', 'virtualbox', '--json'], { cwd: dir })).stdout);
    expect(again).toMatchObject({ vagrant_box: boxName, built: false });
  }, 1_800_000);

  it('the box holds box.ovf, a streamOptimized VMDK of 16 GiB with the MBR boot loader and two partitions, metadata.json and a Vagrantfile', async () => {
    const listing = (await execa('tar', ['-tf', boxFile])).stdout.split('\n').sort();
    expect(listing).toEqual(['Vagrantfile', 'box-disk001.vmdk', 'box.ovf', 'metadata.json']);
    await execa('tar', ['-xf', boxFile, '-C', dir]);
    vmdk = join(dir, 'box-disk001.vmdk');
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', vmdk])).stdout);
    expect(info).toMatchObject({ format: 'vmdk', 'virtual-size': 16 * 1024 ** 3 });
    expect(info['format-specific'].data['create-type']).toBe('streamOptimized');
    expect(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))).toEqual({ provider: 'virtualbox' });
    const ovf = await readFile(join(dir, 'box.ovf'), 'utf8');
    expect(ovf).toContain(`ovf:size="${(await execa('stat', ['-c', '%s', vmdk])).stdout.trim()}"`);
    // The raw disk: an MBR with a boot signature, syslinux's code, the FAT boot partition active.
    const raw = join(dir, 'disk.raw');
    await execa('qemu-img', ['convert', '-O', 'raw', vmdk, raw]);
    const table = (await execa('sfdisk', ['--dump', raw])).stdout;
    expect(table).toMatch(/disk\.raw1 : start=\s*2048, size=\s*262144, type=6, bootable/);
    expect(table).toMatch(/disk\.raw2 : start=\s*264192, size=\s*\d+, type=83/);
    const head = Buffer.alloc(512);
    const fd = await import('node:fs/promises').then((fs) => fs.open(raw));
    await fd.read(head, 0, 512, 0);
    await fd.close();
    expect(head.subarray(510).toString('hex')).toBe('55aa');
    const mbr = await readFile('/usr/lib/syslinux/mbr/mbr.bin');
    expect(head.subarray(0, 440).equals(mbr.subarray(0, 440))).toBe(true);
    const files = (await execa('mdir', ['-a', '-b', '-i', `${raw}@@1M`, '::/'])).stdout;
    for (const name of ['VMLINUZ', 'INITRD.IMG', 'SYSLINUX.CFG', 'LDLINUX.SYS']) expect(files.toUpperCase()).toContain(name);
    await rm(raw);
  }, 600_000);

  it('boots from its own boot loader (no kernel given) on an AHCI disk and an E1000 NIC, to a system the vagrant user reaches over SSH', async () => {
    const key = insecurePrivateKey();
    expect(key, "Vagrant's insecure private key (Debian's vagrant package)").toBeDefined();
    const privateKey = join(dir, 'vagrant.key');
    await copyFile(key!, privateKey);
    await chmod(privateKey, 0o600);
    const port = await freePort();
    const serial = join(dir, 'serial.log');
    qemu = execa(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-machine',
        'pc',
        '-m',
        '1024',
        '-smp',
        '2',
        '-display',
        'none',
        '-no-reboot',
        '-device',
        'ahci,id=ahci',
        '-drive',
        `if=none,id=disk,file=${vmdk},format=vmdk,snapshot=on`,
        '-device',
        'ide-hd,drive=disk,bus=ahci.0',
        '-netdev',
        `user,id=nat,hostfwd=tcp:127.0.0.1:${port}-:22`,
        '-device',
        'e1000,netdev=nat',
        '-serial',
        `file:${serial}`,
      ],
      { reject: false },
    );
    const ssh = (command: string) =>
      execa(
        'ssh',
        [
          '-i',
          privateKey,
          '-p',
          String(port),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'ConnectTimeout=10',
          '-o',
          'BatchMode=yes',
          '-o',
          'LogLevel=ERROR',
          'vagrant@127.0.0.1',
          command,
        ],
        { reject: false, timeout: 60_000 },
      );
    const started = performance.now();
    let answer = await ssh('true');
    while (answer.exitCode !== 0 && performance.now() - started < 420_000 && qemu.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      answer = await ssh('true');
    }
    const log = existsSync(serial) ? await readFile(serial, 'utf8') : '';
    expect(answer.exitCode, `no SSH after ${((performance.now() - started) / 1000).toFixed(0)} s; serial console:\n${log.slice(-3000)}`).toBe(0);
    process.stderr.write(`\nvirtualbox disk under qemu (TCG): SSH after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    expect(log).toMatch(/SYSLINUX/);
    expect((await ssh('findmnt -no SOURCE /')).stdout.trim()).toBe('/dev/sda2');
    expect((await ssh('cat /proc/cmdline')).stdout).toContain('root=LABEL=devenv-root');
    expect((await ssh('sudo -n id -u')).stdout.trim()).toBe('0');
    const state = (await ssh('systemctl is-system-running --wait')).stdout.trim();
    expect(['running', 'degraded'], (await ssh('systemctl --failed --no-legend')).stdout).toContain(state);
    await ssh('sudo -n systemctl poweroff');
  }, 900_000);
});
